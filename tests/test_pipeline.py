"""Indexing in batches: one batch embeds while the one before it is written, in file order."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import indexer.pipeline as pipeline
from indexer.embedding import SentenceTransformerEmbedder
from indexer.store import Store
from service.indexing import index_into_store
from service.settings import Settings
from tests.conftest import SAMPLE_NEWS, make_settings

QUERIES = ["Who signed the port agreement?", "How much did the flood barrier cost?"]


def stored(settings: Settings, embedder: SentenceTransformerEmbedder) -> dict[str, Any]:
    """What a store holds: its version, every chunk as stored, and what queries find in it."""
    store = Store.open(settings.index_dir)
    try:
        return {
            "version": store.version,
            "chunks": list(store.iter_chunks()),
            "hits": [store.search(embedder.embed([q])[0], 8) for q in QUERIES],
        }
    finally:
        store.close()


def test_many_small_batches_store_what_one_batch_stores(
    sample_settings: Settings,
    embedder: SentenceTransformerEmbedder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pipeline, "DOCUMENTS_PER_BATCH", 2)
    settings = make_settings(tmp_path / "store")
    summary = index_into_store([SAMPLE_NEWS], settings)
    assert summary.documents_added > 3 * pipeline.DOCUMENTS_PER_BATCH
    batched, whole = stored(settings, embedder), stored(sample_settings, embedder)
    assert batched["chunks"] == whole["chunks"]  # same ids, offsets, counts and metadata
    for mine, theirs in zip(batched["hits"], whole["hits"], strict=True):
        assert [i for i, _ in mine] == [i for i, _ in theirs]
        assert np.allclose([s for _, s in mine], [s for _, s in theirs], atol=1e-5)


def test_an_embedding_failure_mid_run_publishes_nothing(
    embedder: SentenceTransformerEmbedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE_NEWS, corpus)
    settings = make_settings(tmp_path / "store")
    index_into_store([corpus], settings)
    before = stored(settings, embedder)
    for path in corpus.iterdir():
        if path.suffix in {".txt", ".md"}:
            path.write_text(path.read_text(encoding="utf-8") + "\nA late correction.\n", "utf-8")

    monkeypatch.setattr(pipeline, "DOCUMENTS_PER_BATCH", 1)
    real_embed = pipeline.embed_chunks
    calls: list[int] = []

    def embed_then_fail(chunks: Any, model: Any) -> Any:
        calls.append(len(chunks))
        if len(calls) == 3:
            raise RuntimeError("embedding model crashed")
        return real_embed(chunks, model)

    monkeypatch.setattr(pipeline, "embed_chunks", embed_then_fail)
    with pytest.raises(RuntimeError, match="embedding model crashed"):
        index_into_store([corpus], settings)
    # Batches after the failed one were never embedded, and the store is as it was.
    assert len(calls) <= 4
    assert stored(settings, embedder) == before

    monkeypatch.setattr(pipeline, "embed_chunks", real_embed)
    summary = index_into_store([corpus], settings)
    assert summary.documents_updated >= 5
    assert stored(settings, embedder)["version"] != before["version"]
