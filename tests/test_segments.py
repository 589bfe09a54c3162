"""A store grows by segments: small updates touch only what changed, and read like a rebuild."""

from __future__ import annotations

import json
from pathlib import Path

import bm25s
import numpy as np
import pytest

from indexer.chunking import Chunk
from indexer.errors import StoreCorrupt
from indexer.segments import MAX_SEGMENTS, SEGMENTS, SegmentInfo
from indexer.store import MANIFEST, Store
from indexer.store_writer import NewDocument, StoreWriter, segments_to_merge
from indexer.terms import index_terms
from indexer.vectors import VectorIndexSpec

DIM = 8
WORDS = [
    "harbour",
    "minister",
    "treaty",
    "election",
    "flood",
    "vaccine",
    "senate",
    "budget",
    "striker",
    "drought",
    "tariff",
    "pipeline",
    "verdict",
    "summit",
    "ceasefire",
    "merger",
    "wildfire",
    "satellite",
    "protest",
    "orbit",
]


def unit(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def text_of(n: int) -> str:
    rng = np.random.default_rng(1000 + n)
    return " ".join(rng.choice(WORDS, size=int(rng.integers(3, 12)))) + f" code{n}"


def writer(path: Path, **kwargs: int) -> StoreWriter:
    return StoreWriter(path, model="test-model", dim=DIM, chunk_tokens=64, **kwargs)


def put(w: StoreWriter, n: int, *, text: str | None = None, seed: int | None = None) -> str:
    body = text_of(n) if text is None else text
    doc = NewDocument(source=f"d{n}.txt", file_path=f"/c/d{n}.txt", text=body, title=f"Doc {n}")
    w.put_document(
        doc,
        [Chunk(doc.id, 0, 0, len(body), body, 3)],
        unit(n if seed is None else seed).reshape(1, -1),
    )
    w.record_file(doc.file_path, f"hash{n}", len(body))
    return doc.id


def build(path: Path, batches: list[range], **kwargs: int) -> Store:
    for batch in batches:
        with writer(path, **kwargs) as w:
            for n in batch:
                put(w, n)
            w.commit()
    return Store.open(path)


def files_under(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(f.relative_to(folder)): (f.stat().st_ino, f.stat().st_mtime_ns)
        for f in folder.rglob("*")
        if f.is_file()
    }


def same_hits(found: list[tuple[int, float]], expected: list[tuple[int, float]]) -> None:
    assert [i for i, _ in found] == [i for i, _ in expected]
    assert [s for _, s in found] == pytest.approx([s for _, s in expected], rel=1e-5)


def test_bm25_scores_are_those_of_the_reference_implementation(tmp_path: Path) -> None:
    store = build(tmp_path, [range(60)])
    corpus = [index_terms(f"Doc {n} {text_of(n)}") for n in range(60)]
    reference = bm25s.BM25()  # Lucene BM25, k1 1.5, b 0.75: what the store computes
    reference.index(corpus, show_progress=False)
    for query in ["harbour treaty", "flood flood minister", "code7 senate", "orbit doc"]:
        terms = index_terms(query)
        positions, scores = reference.retrieve([terms], k=60, show_progress=False)
        expected = {
            int(p) + 1: float(s) for p, s in zip(positions[0], scores[0], strict=True) if s > 0
        }
        found = dict(store.lexical_search(terms, 60))
        assert found.keys() == expected.keys(), query
        for chunk_id, score in expected.items():
            assert found[chunk_id] == pytest.approx(score, rel=1e-5), (query, chunk_id)


def test_an_update_adds_a_segment_and_rewrites_no_file_of_the_others(tmp_path: Path) -> None:
    grown = tmp_path / "grown"
    build(grown, [range(40)])
    before = files_under(grown / SEGMENTS)
    store = build(grown, [range(40, 45)])
    after = files_under(grown / SEGMENTS)
    assert all(after[name] == stamp for name, stamp in before.items())
    assert len(store.layout.segments) == 2
    assert [s.chunks for s in store.layout.segments] == [40, 5]
    assert store.stats().documents == 45 and store.stats().segments == 2

    whole = build(tmp_path / "whole", [range(45)])
    for n in (3, 41):
        same_hits(store.search(unit(n), 10), whole.search(unit(n), 10))
    for query in ["harbour treaty", "code42 verdict"]:
        terms = index_terms(query)
        same_hits(store.lexical_search(terms, 10), whole.lexical_search(terms, 10))


def test_removed_and_replaced_documents_of_older_segments_are_gone(tmp_path: Path) -> None:
    build(tmp_path, [range(10)])
    old = Store.open(tmp_path)
    replaced_chunk = old.lexical_search(["code3"], 1)[0][0]
    with writer(tmp_path) as w:
        put(w, 3, text="zeppelin armistice", seed=99)
        assert w.forget_file("/c/d5.txt") == 1
        assert w.file_hash("/c/d3.txt") == "hash3" and w.file_hash("/c/d5.txt") is None
        w.commit()
    store = Store.open(tmp_path)
    tombstones = json.loads((tmp_path / "versions" / store.version / "tombstones.json").read_text())
    assert sorted(tombstones["documents"][store.layout.segments[0].name]) == sorted(
        NewDocument(source=f"d{n}.txt", file_path="", text="").id for n in (3, 5)
    )
    assert store.stats().documents == 9 and store.stats().chunks == 9
    sources = [d.source for d in store.list_documents()]
    assert "d5.txt" not in sources and "d3.txt" in sources
    assert store.lexical_search(["code3"], 5) == [] and store.lexical_search(["code5"], 5) == []
    new_chunk = store.lexical_search(index_terms("zeppelin"), 5)
    assert len(new_chunk) == 1 and new_chunk[0][0] != replaced_chunk
    every_id = {i for i, _ in store.search(unit(3), 20)}
    assert replaced_chunk not in every_id and len(every_id) == 9
    assert store.search(unit(99), 1)[0][0] == new_chunk[0][0]
    assert store.get_chunks([replaced_chunk]) == []


def test_the_merge_policy_takes_mostly_deleted_and_then_the_smallest_segments() -> None:
    def seg(name: str, chunks: int) -> SegmentInfo:
        return SegmentInfo(name, chunks, chunks, VectorIndexSpec())

    few = [seg("a", 100), seg("b", 10)]
    assert segments_to_merge(few, {}, 8) == []
    assert segments_to_merge(few, {"a": 51}, 8) == ["a"]
    assert segments_to_merge(few, {"a": 50}, 8) == []
    many = [seg(f"s{i}", 100 - i) for i in range(8)]  # a ninth would be the new one
    chosen = segments_to_merge(many, {"s0": 2}, 8)
    assert chosen == ["s7", "s6", "s5", "s4", "s3"]  # leaves 3 old + 1 new = 8 // 2


def test_many_small_updates_keep_the_segments_few_and_the_disk_clean(tmp_path: Path) -> None:
    store = build(tmp_path, [range(n, n + 1) for n in range(3 * MAX_SEGMENTS)])
    assert 1 <= len(store.layout.segments) <= MAX_SEGMENTS
    assert store.stats().documents == 3 * MAX_SEGMENTS
    assert {store.search(unit(n), 1)[0][0] for n in range(3 * MAX_SEGMENTS)} == set(
        range(1, 3 * MAX_SEGMENTS + 1)
    )
    referenced = set()
    for version in (tmp_path / "versions").glob("v*"):
        referenced |= {
            s["name"] for s in json.loads((version / "version.json").read_text())["segments"]
        }
    assert {p.name for p in (tmp_path / SEGMENTS).iterdir()} == referenced


def test_a_mostly_deleted_segment_is_merged_away(tmp_path: Path) -> None:
    build(tmp_path, [range(10), range(10, 12)])
    with writer(tmp_path) as w:
        for n in range(7):
            w.forget_file(f"/c/d{n}.txt")
        w.commit()
    store = Store.open(tmp_path)
    assert [s.chunks for s in store.layout.segments] == [2, 3]
    assert json.loads((tmp_path / "versions" / store.version / "tombstones.json").read_text()) == {
        "documents": {},
        "files": {},
    }
    assert sorted(d.source for d in store.list_documents()) == sorted(
        f"d{n}.txt" for n in range(7, 12)
    )
    assert {store.search(unit(n), 1)[0][0] for n in range(7, 12)} == {8, 9, 10, 11, 12}
    assert store.lexical_search(["code8"], 1)[0][0] == 9


def test_a_large_segment_is_searched_by_an_ivf_index_recorded_in_its_version(
    tmp_path: Path,
) -> None:
    store = build(tmp_path, [range(400)], exact_limit=300)
    (segment,) = store.layout.segments
    assert segment.vectors == VectorIndexSpec(kind="ivf-sq8", nlist=64, nprobe=32)
    version = json.loads((tmp_path / "versions" / store.version / "version.json").read_text())
    assert version["segments"][0]["vectors"] == {"kind": "ivf-sq8", "nlist": 64, "nprobe": 32}
    assert (tmp_path / SEGMENTS / segment.name / "index.faiss").is_file()
    found = [store.search(unit(n), 3)[0][0] == n + 1 for n in range(0, 400, 10)]
    assert np.mean(found) >= 0.9
    with writer(tmp_path, exact_limit=300) as w:  # deletes and filters work on IVF too
        w.forget_file("/c/d0.txt")
        w.commit()
    store = Store.open(tmp_path)
    assert 1 not in {i for i, _ in store.search(unit(0), 10)}
    only = np.array([5, 6], dtype=np.int64)
    assert {i for i, _ in store.search(unit(4), 5, only_ids=only)} <= {5, 6}


def test_a_store_of_the_earlier_format_is_refused_with_what_to_do(tmp_path: Path) -> None:
    build(tmp_path, [range(2)])
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    (tmp_path / MANIFEST).write_text(json.dumps({**manifest, "format": 1}))
    with pytest.raises(StoreCorrupt, match="format 1.*re-index"):
        Store.open(tmp_path)


def test_a_new_version_shares_the_open_segments_of_the_one_before(tmp_path: Path) -> None:
    build(tmp_path, [range(10)])
    old = Store.open(tmp_path)
    with writer(tmp_path) as w:
        put(w, 10)
        w.forget_file("/c/d2.txt")
        w.commit()
    new = Store.open(tmp_path, reuse=old)
    first = old.layout.segments[0].name
    assert new._opened[first][0] is old._opened[first][0]  # the same FAISS index, not a copy
    assert len(new._opened) == 2
    assert 3 in {i for i, _ in old.search(unit(2), 3)}  # the old version still has it
    assert 3 not in {i for i, _ in new.search(unit(2), 11)}
    assert new.search(unit(10), 1)[0][0] == 11
