"""The store publishes whole versions atomically, locks out a second writer, and reads back."""

from __future__ import annotations

import threading
from pathlib import Path

import faiss
import numpy as np
import pytest

from indexer.chunking import Chunk
from indexer.errors import DocumentNotFound, ModelMismatch, StoreCorrupt, StoreLocked, StoreNotFound
from indexer.store import Store
from indexer.store_writer import NewDocument, StoreWriter
from indexer.vectors import FAISS_THREADS

DIM = 8


def unit(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def writer(path: Path, model: str = "test-model", dim: int = DIM) -> StoreWriter:
    return StoreWriter(path, model=model, dim=dim, chunk_tokens=64)


def put(w: StoreWriter, source: str, text: str, seed: int) -> NewDocument:
    doc = NewDocument(source=source, file_path=f"/corpus/{source}", text=text, title=source.upper())
    chunk = Chunk(doc.id, 0, 0, len(text), text, 3)
    w.put_document(doc, [chunk], unit(seed).reshape(1, -1))
    return doc


def test_opening_a_missing_store_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(StoreNotFound, match="footnote index"):
        Store.open(tmp_path / "nothing")


def test_a_committed_document_can_be_searched_and_fetched(tmp_path: Path) -> None:
    with writer(tmp_path) as w:
        doc = put(w, "a.txt", "alpha text", 1)
        put(w, "b.txt", "beta text", 2)
        assert w.commit() == "v000001"
    store = Store.open(tmp_path, expect_model="test-model")
    hits = store.search(unit(1), 2)
    best = store.get_chunks([hits[0][0]])[0]
    assert best.document_id == doc.id and best.text == "alpha text"
    assert hits[0][1] == pytest.approx(1.0, abs=1e-5)
    assert store.get_document(doc.id).text == "alpha text"
    assert [d.source for d in store.list_documents()] == ["a.txt", "b.txt"]
    assert store.stats().documents == 2 and store.stats().chunks == 2


def test_uncommitted_changes_are_never_visible(tmp_path: Path) -> None:
    with writer(tmp_path) as w:
        put(w, "a.txt", "alpha", 1)
        w.commit()
    with writer(tmp_path) as w:
        put(w, "b.txt", "beta", 2)  # no commit: the with-block aborts
    store = Store.open(tmp_path)
    assert store.version == "v000001"
    assert [d.source for d in store.list_documents()] == ["a.txt"]
    assert not list((tmp_path / "versions").glob(".tmp-*"))


def test_a_commit_without_changes_publishes_nothing(tmp_path: Path) -> None:
    with writer(tmp_path) as w:
        put(w, "a.txt", "alpha", 1)
        w.commit()
    with writer(tmp_path) as w:
        assert w.commit() is None
    assert Store.open(tmp_path).version == "v000001"


def test_a_second_writer_gets_a_clear_locked_error(tmp_path: Path) -> None:
    with writer(tmp_path), pytest.raises(StoreLocked, match="locked"):
        writer(tmp_path).__enter__()
    with writer(tmp_path) as w:  # the lock is released when the first writer ends
        assert w.commit() is None


def test_opening_with_another_model_is_an_error_not_garbage(tmp_path: Path) -> None:
    with writer(tmp_path) as w:
        put(w, "a.txt", "alpha", 1)
        w.commit()
    with pytest.raises(ModelMismatch, match="FOOTNOTE_EMBEDDING_MODEL"):
        Store.open(tmp_path, expect_model="other-model")
    with pytest.raises(ModelMismatch):
        writer(tmp_path, model="other-model").__enter__()


def test_replacing_and_removing_documents_updates_the_vector_index(tmp_path: Path) -> None:
    with writer(tmp_path) as w:
        doc = put(w, "a.txt", "old text", 1)
        put(w, "b.txt", "beta", 2)
        w.commit()
    with writer(tmp_path) as w:
        put(w, "a.txt", "new text", 3)
        assert w.remove_document(NewDocument("b.txt", "/corpus/b.txt", "beta").id)
        w.commit()
    store = Store.open(tmp_path)
    hits = store.search(unit(3), 5)
    assert len(hits) == 1
    assert store.get_chunks([hits[0][0]])[0].text == "new text"
    assert store.get_document(doc.id).text == "new text"
    with pytest.raises(DocumentNotFound):
        store.get_document(NewDocument("b.txt", "/corpus/b.txt", "beta").id)


def test_old_readers_keep_their_version_while_a_new_one_is_published(tmp_path: Path) -> None:
    with writer(tmp_path) as w:
        put(w, "a.txt", "alpha", 1)
        w.commit()
    old = Store.open(tmp_path)
    for i in range(4):  # more publishes than versions kept on disk
        with writer(tmp_path) as w:
            put(w, f"n{i}.txt", f"new {i}", 10 + i)
            w.commit()
    assert old.stats().documents == 1
    assert old.get_chunks([old.search(unit(1), 1)[0][0]])[0].text == "alpha"
    assert Store.open(tmp_path).stats().documents == 5
    assert len(list((tmp_path / "versions").glob("v*"))) == 3


def test_a_damaged_manifest_is_reported_as_corrupt(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(StoreCorrupt, match="re-create"):
        Store.open(tmp_path)


def test_search_can_be_restricted_to_matching_documents(tmp_path: Path) -> None:
    with writer(tmp_path) as w:
        put(w, "2017/a.txt", "alpha", 1)
        put(w, "2024/b.txt", "beta", 2)
        w.commit()
    store = Store.open(tmp_path)
    allowed = store.chunk_ids_where(sources=["2024"])
    hits = store.search(unit(1), 5, only_ids=allowed)
    assert [store.get_chunks([h[0]])[0].source for h in hits] == ["2024/b.txt"]
    assert store.search(unit(1), 5, only_ids=np.zeros(0, dtype=np.int64)) == []


def test_searches_from_any_thread_keep_faiss_to_one_thread(tmp_path: Path) -> None:
    # OpenMP's thread count is a per-thread setting: requests search from a pool's threads,
    # not from the thread that opened the store, and each of them must stay on one thread.
    with writer(tmp_path) as w:
        put(w, "a.txt", "alpha text", 1)
        w.commit()
    store = Store.open(tmp_path)
    seen: list[int] = []

    def search() -> None:
        faiss.omp_set_num_threads(FAISS_THREADS + 1)  # what a fresh thread may start with
        store.search(unit(1), 1)
        store.search_many(np.stack([unit(1), unit(2)]), 1)
        seen.append(faiss.omp_get_max_threads())

    worker = threading.Thread(target=search)
    worker.start()
    worker.join()
    assert seen == [FAISS_THREADS]
