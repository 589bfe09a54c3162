"""Texts go through the model's ONNX twin: the same vectors as torch, an export made once."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
import torch

import indexer.onnx_encoder as onnx_encoder
from indexer.embedding import FAST_PATH_MAX_TEXTS, SentenceTransformerEmbedder

QUERIES = [
    "Who signed the port agreement?",
    "How many officers will serve in the joint border patrol force?",
    "When did Matthis Loor take charge of the maritime ministry?",
    "Tessel flood barrier cost",
]


def test_short_inputs_embed_as_torch_does(embedder: SentenceTransformerEmbedder) -> None:
    assert len(QUERIES) <= FAST_PATH_MAX_TEXTS
    fast = np.concatenate([embedder.embed([q]) for q in QUERIES] + [embedder.embed(QUERIES)])
    torch_vectors = np.asarray(
        embedder._model.encode(QUERIES * 2, normalize_embeddings=True), dtype=np.float32
    )
    assert fast.dtype == np.float32 and fast.shape == (8, embedder.dim)
    assert np.min(np.sum(fast * torch_vectors, axis=1)) > 0.99999
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)


def test_mixed_lengths_come_back_in_the_order_given(embedder: SentenceTransformerEmbedder) -> None:
    # A question and the sentences weighed for its answer: lengths differ, and the encoder
    # sorts them into runs of like length; every row must still match its own text.
    texts = [
        "Who signed it?",
        " ".join(["The harbour authority said the new terminal would open in spring."] * 4),
        QUERIES[1],
        "Loor, 54, was appointed in March after the previous minister resigned over the deal.",
        "No.",
        QUERIES[3],
        " ".join(["Talks lasted three days."] * 6),
        QUERIES[0],
        QUERIES[2],
    ]
    assert onnx_encoder.SUB_BATCH < len(texts) <= FAST_PATH_MAX_TEXTS
    fast = embedder.embed(texts)
    torch_vectors = np.asarray(embedder._model.encode(texts, normalize_embeddings=True))
    assert np.min(np.sum(fast * torch_vectors, axis=1)) > 0.99999


def test_many_texts_spread_over_threads_embed_as_torch_does(
    embedder: SentenceTransformerEmbedder,
) -> None:
    # Indexing: more texts than the one-thread path takes, in runs of different lengths.
    texts = [" ".join([q] * (1 + i % 7)) for i in range(6) for q in QUERIES] + ["x"]
    assert len(texts) > FAST_PATH_MAX_TEXTS
    progress: list[tuple[int, int]] = []
    vectors = embedder.embed(texts, on_progress=lambda done, total: progress.append((done, total)))
    torch_vectors = np.asarray(embedder._model.encode(texts, normalize_embeddings=True))
    assert vectors.shape == (len(texts), embedder.dim)
    assert np.min(np.sum(vectors * torch_vectors, axis=1)) > 0.99999
    assert progress[-1] == (len(texts), len(texts))


def test_the_export_is_written_once_then_read_back(
    embedder: SentenceTransformerEmbedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOOTNOTE_CACHE_DIR", str(tmp_path))
    first = onnx_encoder.load_onnx_encoder(embedder._model, embedder._model_dir)
    assert first is not None
    (exported,) = (tmp_path / "onnx").glob("*.onnx")

    def no_second_export(*args: object) -> bytes:
        raise AssertionError("exported again instead of reading the cache")

    monkeypatch.setattr(onnx_encoder, "_export", no_second_export)
    second = onnx_encoder.load_onnx_encoder(embedder._model, embedder._model_dir)
    assert second is not None
    assert np.allclose(first.encode(QUERIES), second.encode(QUERIES), atol=1e-6)
    assert list(exported.parent.iterdir()) == [exported]  # no temporary file left beside it


def test_the_export_runs_on_fused_transformer_kernels(
    embedder: SentenceTransformerEmbedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The speed of indexing rests on ONNX Runtime's Attention and SkipLayerNorm kernels; a new
    # transformers release that exports attention differently would quietly lose them.
    monkeypatch.setenv("FOOTNOTE_CACHE_DIR", str(tmp_path))
    assert onnx_encoder.load_onnx_encoder(embedder._model, embedder._model_dir) is not None
    (exported,) = (tmp_path / "onnx").glob("*.onnx")
    ops = {node.op_type for node in onnx.load(str(exported)).graph.node}
    assert {"Attention", "SkipLayerNormalization"} <= ops


def test_a_twin_that_embeds_unlike_torch_is_not_used(
    embedder: SentenceTransformerEmbedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOOTNOTE_CACHE_DIR", str(tmp_path))
    real_export = onnx_encoder._export

    def export_with_other_weights(auto_model: Any, tokenizer: Any) -> bytes:
        other = copy.deepcopy(auto_model)
        weight = other.embeddings.word_embeddings.weight
        with torch.no_grad():
            weight.add_(
                torch.randn(weight.shape, generator=torch.Generator().manual_seed(0)) * 0.05
            )
        return real_export(other, tokenizer)

    monkeypatch.setattr(onnx_encoder, "_export", export_with_other_weights)
    assert onnx_encoder.load_onnx_encoder(embedder._model, embedder._model_dir) is None


def test_an_unwritable_cache_keeps_the_export_in_memory(
    embedder: SentenceTransformerEmbedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    monkeypatch.setenv("FOOTNOTE_CACHE_DIR", str(blocker))
    encoder = onnx_encoder.load_onnx_encoder(embedder._model, embedder._model_dir)
    assert encoder is not None
    assert encoder.encode(QUERIES[:1]).shape == (1, embedder.dim)


def test_a_failed_export_leaves_embedding_on_torch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOOTNOTE_CACHE_DIR", str(tmp_path))

    def broken_export(*args: object) -> bytes:
        raise RuntimeError("exporter missing an operator")

    monkeypatch.setattr(onnx_encoder, "_export", broken_export)
    # A fresh embedder (not the shared one) so its first short call tries the export.
    fresh = SentenceTransformerEmbedder("all-MiniLM-L6-v2")
    vector = fresh.embed([QUERIES[0]])
    expected = fresh._model.encode([QUERIES[0]], normalize_embeddings=True)
    assert np.allclose(vector, expected, atol=1e-6)
    assert fresh._onnx_encoder() is None
    many = [f"{q} (edition {i})" for i in range(5) for q in QUERIES]
    assert len(many) > FAST_PATH_MAX_TEXTS
    bulk = fresh.embed(many)
    assert np.allclose(bulk, fresh._model.encode(many, normalize_embeddings=True), atol=1e-5)
