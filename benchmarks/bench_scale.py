"""Scale benchmark: a million-chunk store, its build, search, incremental update and start-up.

Embedding a million real chunks on a small machine takes most of a day, so the store is grown
from real ones. The real articles (by default ../shared/datasets/rtqa-2024-dev/corpus, 2,000
real 2024 news articles) are indexed for real; then "editions" of them are written until the
store holds `--chunks` chunks. Edition e of an article keeps its text, chunks and offsets (so
the lexical index has real terms and real posting-list lengths), gets its own source and a
title ending "(edition e)", and each chunk vector v becomes

    normalize(v + beta * u + sigma * g)    beta ~ U(0, 0.5), u another real chunk's vector,
                                           g ~ N(0, I), sigma = 0.02 (|sigma g| ~ 0.39)

so that copies are near their original but no two are alike, and neighbourhoods mix topics
instead of forming tight clusters of 100 copies (which would flatter the approximate index).

It prints, asserting nothing:
- build: time and peak memory of writing the store in one run, its size on disk;
- the vector index chosen (indexer/vectors.py), memory per chunk;
- recall@10 of the approximate index against exact search over the same vectors, and search
  latency, for several nprobe values, on the dataset's real questions;
- p50/p95 of a whole hybrid search (query embedding, vector and BM25 search, fusion);
- adding 100 new articles to the million-chunk store, against the full build;
- `footnote serve` on the store: seconds until /readyz answers, and its resident memory.

    .venv/bin/python benchmarks/bench_scale.py --chunks 1000000 [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

if not __package__:  # run as a script: the repository root holds the benchmarks package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import faiss  # noqa: E402
import numpy as np  # noqa: E402
import numpy.typing as npt  # noqa: E402

from benchmarks.load_http import started_service  # noqa: E402
from indexer.chunking import Chunk  # noqa: E402
from indexer.segments import SEGMENTS  # noqa: E402
from indexer.store import Store, StoredChunk  # noqa: E402
from indexer.store_writer import NewDocument, StoreWriter  # noqa: E402
from indexer.vectors import ANN_FILE, IDS_FILE, VECTORS_FILE  # noqa: E402
from service.indexing import embedder_for, index_into_store  # noqa: E402
from service.retrieval import Retriever  # noqa: E402
from service.settings import Settings  # noqa: E402

DATASET = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "rtqa-2024-dev"
SIGMA = 0.02
MAX_BETA = 0.5


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mib(pid: int | str = "self") -> float:
    """Current resident memory of a process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def disk_mib(path: Path) -> float:
    """Bytes under `path`, in MiB."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) of `values`."""
    return float(np.percentile(np.asarray(values), q))


class RealArticles:
    """The real store's documents, chunks and vectors, held in memory to be copied."""

    def __init__(self, store: Store) -> None:
        vectors: dict[int, npt.NDArray[np.float32]] = {}
        for info in store.layout.segments:
            folder = store.path / SEGMENTS / info.name
            ids = np.load(folder / IDS_FILE)
            for chunk_id, vector in zip(ids, np.load(folder / VECTORS_FILE), strict=True):
                vectors[int(chunk_id)] = vector
        by_document: dict[str, list[StoredChunk]] = {}
        for chunk in store.iter_chunks():
            by_document.setdefault(chunk.document_id, []).append(chunk)
        self.documents: list[tuple[NewDocument, list[Chunk], npt.NDArray[np.float32]]] = []
        for info in store.list_documents(limit=10**9):
            stored = store.get_document(info.id)
            chunks = by_document.get(info.id, [])
            if not chunks:
                continue
            doc = NewDocument(
                source=info.source, file_path=info.source, text=stored.text, title=info.title,
                published=info.published, outlet=info.outlet, author=info.author, url=info.url,
            )  # fmt: skip
            as_chunks = [
                Chunk(doc.id, c.chunk_index, c.start, c.end, c.text, c.tokens) for c in chunks
            ]
            self.documents.append((doc, as_chunks, np.stack([vectors[c.id] for c in chunks])))
        self.all_vectors = np.stack(list(vectors.values()))
        self.chunks = sum(len(c) for _, c, _ in self.documents)


def editions(real: RealArticles, first: int, rng: np.random.Generator) -> Iterator[
    tuple[NewDocument, list[Chunk], npt.NDArray[np.float32]]
]:  # fmt: skip
    """Edition after edition of every real article, from edition `first` on, without end."""
    edition = first
    while True:
        for doc, chunks, vectors in real.documents:
            copy = NewDocument(
                source=f"edition-{edition:05d}/{doc.source}",
                file_path=f"edition-{edition:05d}/{doc.file_path}",
                text=doc.text,
                title=f"{doc.title or 'Untitled'} (edition {edition})",
                published=doc.published, outlet=doc.outlet, author=doc.author, url=doc.url,
            )  # fmt: skip
            others = real.all_vectors[rng.integers(0, len(real.all_vectors), len(vectors))]
            beta = rng.uniform(0, MAX_BETA, (len(vectors), 1)).astype(np.float32)
            noise = rng.normal(0, SIGMA, vectors.shape).astype(np.float32)
            moved = vectors + beta * others + noise
            moved /= np.linalg.norm(moved, axis=1, keepdims=True)
            moved_chunks = [
                Chunk(copy.id, c.chunk_index, c.start, c.end, c.text, c.tokens) for c in chunks
            ]
            yield copy, moved_chunks, moved
        edition += 1


def write_editions(
    store_dir: Path,
    real: RealArticles,
    first: int,
    rng: np.random.Generator,
    *,
    chunks: int = 10**12,
    documents: int = 10**12,
) -> tuple[int, int]:
    """Add editions to the store, up to `chunks` chunks or `documents` documents, in one
    writer run; returns how many documents and chunks were added."""
    manifest = json.loads((store_dir / "manifest.json").read_text())
    written_docs = written_chunks = 0
    with StoreWriter(
        store_dir, model=manifest["model"], dim=manifest["dim"],
        chunk_tokens=manifest["chunk_tokens"],
    ) as writer:  # fmt: skip
        for doc, doc_chunks, vectors in editions(real, first, rng):
            if written_chunks >= chunks or written_docs >= documents:
                break
            writer.put_document(doc, doc_chunks, vectors)
            writer.record_file(doc.file_path, doc.content_hash, len(doc.text))
            written_docs += 1
            written_chunks += len(doc_chunks)
        writer.commit()
    return written_docs, written_chunks


def exact_top10(
    vectors: npt.NDArray[np.float32], ids: npt.NDArray[np.int64], queries: npt.NDArray[np.float32]
) -> list[set[int]]:
    """The true 10 nearest chunk ids of each query, by brute force over all the vectors."""
    best_scores = np.full((len(queries), 10), -np.inf, dtype=np.float32)
    best_ids = np.zeros((len(queries), 10), dtype=np.int64)
    for start in range(0, len(vectors), 200_000):
        block = np.asarray(vectors[start : start + 200_000])
        scores = queries @ block.T
        top = np.argpartition(-scores, 9, axis=1)[:, :10]
        cand_scores = np.concatenate([best_scores, np.take_along_axis(scores, top, 1)], axis=1)
        cand_ids = np.concatenate([best_ids, ids[start + top]], axis=1)
        keep = np.argsort(-cand_scores, axis=1)[:, :10]
        best_scores = np.take_along_axis(cand_scores, keep, 1)
        best_ids = np.take_along_axis(cand_ids, keep, 1)
    return [set(row.tolist()) for row in best_ids]


def sweep_nprobe(folder: Path, queries: npt.NDArray[np.float32], truth: list[set[int]]) -> None:
    """Recall@10 and latency of the segment's IVF index at several nprobe values."""
    index = faiss.read_index(str(folder / ANN_FILE), faiss.IO_FLAG_MMAP)
    faiss.omp_set_num_threads(1)
    print(f"  IVF lists: {faiss.extract_index_ivf(index).nlist}")
    for nprobe in (8, 16, 32, 64, 128):
        params = faiss.SearchParametersIVF()
        params.nprobe = nprobe
        index.search(queries[:20], 10, params=params)  # page the lists in
        times, recalls = [], []
        for query, true in zip(queries, truth, strict=True):
            started = time.perf_counter()
            _, found = index.search(query.reshape(1, -1), 10, params=params)
            times.append(time.perf_counter() - started)
            recalls.append(len(true & set(found[0].tolist())) / 10)
        print(
            f"  nprobe {nprobe:>3}: recall@10 {statistics.mean(recalls):.3f}  "
            f"p50 {percentile(times, 50) * 1000:.1f} ms  p95 {percentile(times, 95) * 1000:.1f} ms"
        )


def serve_startup(store_dir: Path) -> None:
    """Seconds from starting `footnote serve` until /readyz answers 200; its memory then."""
    started = time.perf_counter()
    service = argparse.Namespace(index_dir=store_dir, backend="extractive")
    with started_service(service) as (url, pid):
        while True:
            try:
                with urllib.request.urlopen(f"{url}/readyz", timeout=5) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                time.sleep(0.05)
        ready = time.perf_counter() - started
        print(f"  ready after {ready:.1f} s; resident memory {rss_mib(pid):.0f} MiB")
        query = urllib.parse.urlencode({"q": "Who won the election?", "k": 5})
        started = time.perf_counter()
        with urllib.request.urlopen(f"{url}/v1/search?{query}", timeout=60):
            pass
        first = time.perf_counter() - started
        print(f"  first search {first * 1000:.0f} ms; resident memory then {rss_mib(pid):.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=1_000_000, help="chunks in the big store")
    parser.add_argument("--dataset", type=Path, default=DATASET, help="corpus/ and gold.jsonl")
    parser.add_argument("--work", type=Path, help="folder for the stores (default: a temp dir)")
    parser.add_argument("--articles", type=int, help="index only the first N real articles")
    parser.add_argument("--keep", action="store_true", help="keep the stores afterwards")
    args = parser.parse_args()
    if not (args.dataset / "corpus").is_dir():
        raise SystemExit(f"no corpus at {args.dataset / 'corpus'}; give --dataset")
    work = args.work or Path(tempfile.mkdtemp(prefix="footnote-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    real_dir, big_dir = work / "real", work / "big"
    try:
        run(args, real_dir, big_dir)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, real_dir: Path, big_dir: Path) -> None:
    settings = Settings(index_dir=real_dir)
    embedder = embedder_for(settings)
    if not (real_dir / "manifest.json").exists():
        started = time.perf_counter()
        corpus = args.dataset / "corpus"
        if args.articles:
            corpus = real_dir.parent / "corpus"
            corpus.mkdir(exist_ok=True)
            for file in sorted((args.dataset / "corpus").iterdir())[: args.articles]:
                shutil.copy(file, corpus / file.name)
        summary = index_into_store([corpus], settings)
        print(f"real articles: {summary} in {time.perf_counter() - started:.0f} s")
    real = RealArticles(Store.open(real_dir))
    print(f"real: {len(real.documents)} articles, {real.chunks} chunks")

    shutil.rmtree(big_dir, ignore_errors=True)
    shutil.copytree(real_dir, big_dir)
    rng = np.random.default_rng(0)
    rss_before = rss_mib()
    started = time.perf_counter()
    docs, chunks = write_editions(big_dir, real, 1, rng, chunks=args.chunks - real.chunks)
    build_s = time.perf_counter() - started
    print(f"\nbuild: {docs} documents, {chunks} chunks in one run: {build_s:.0f} s "
          f"({chunks / build_s:.0f} chunks/s, vectors given)")  # fmt: skip
    print(f"  peak memory {peak_rss_mib():.0f} MiB (process; {rss_before:.0f} MiB before)")
    parts = ", ".join(
        f"{name} {disk_mib_of(big_dir, name):.0f} MiB"
        for name in ("docs", "vectors", "lexical", "ivf")
    )
    print(f"  disk {disk_mib(big_dir):.0f} MiB: {parts}")

    started = time.perf_counter()
    store = Store.open(big_dir)
    open_s = time.perf_counter() - started
    big = max(store.layout.segments, key=lambda s: s.chunks)
    stats = store.stats()
    print(f"\nstore: {stats.chunks} chunks, {stats.documents} documents, {stats.segments} segments")
    print(f"  largest segment {big.name}: {big.chunks} chunks, index {big.vectors}")
    ivf_bytes = (
        (big_dir / SEGMENTS / big.name / ANN_FILE).stat().st_size if big.vectors.nlist else 0
    )
    if ivf_bytes:
        print(f"  IVF index {ivf_bytes / big.chunks:.0f} bytes per chunk (flat: {4 * stats.dim})")
    print(f"  Store.open {open_s:.2f} s")

    gold = [json.loads(line) for line in (args.dataset / "gold.jsonl").read_text().splitlines()]
    questions = [g["question"] for g in gold if g.get("question")]
    queries = embedder.embed(questions)
    folder = big_dir / SEGMENTS / big.name
    vectors = np.load(folder / VECTORS_FILE, mmap_mode="r")
    truth = exact_top10(vectors, np.load(folder / IDS_FILE), queries)
    print(f"\nvector search, segment {big.name}, {len(questions)} real questions, 1 thread:")
    if big.vectors.nlist:
        sweep_nprobe(folder, queries, truth)
    times = []
    for query in queries:
        started = time.perf_counter()
        store.search(query, 10)
        times.append(time.perf_counter() - started)
    print(f"  Store.search (every segment, as configured): p50 {percentile(times, 50) * 1000:.1f} "
          f"ms, p95 {percentile(times, 95) * 1000:.1f} ms")  # fmt: skip

    retriever = Retriever(store, embedder)
    for question in questions[:10]:
        retriever.search(question, top_k=5)
    times, embed_times = [], []
    for question in questions:
        started = time.perf_counter()
        embedder.embed([question])
        embed_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        retriever.search(question, top_k=5)
        times.append(time.perf_counter() - started)
    print(f"  hybrid search with query embedding: p50 {percentile(times, 50) * 1000:.1f} ms, "
          f"p95 {percentile(times, 95) * 1000:.1f} ms (embedding alone p50 "
          f"{percentile(embed_times, 50) * 1000:.1f} ms)")  # fmt: skip
    store.close()

    started = time.perf_counter()
    add_docs, add_chunks = write_editions(big_dir, real, 10**5, rng, documents=100)
    add_s = time.perf_counter() - started
    print(f"\nincremental: {add_docs} articles ({add_chunks} chunks) added to {stats.chunks} in "
          f"{add_s:.1f} s, {100 * add_s / build_s:.1f}% of the full build (embedding excluded "
          f"from both)")  # fmt: skip
    print(f"  segments now {Store.open(big_dir).stats().segments}")
    print("\nfootnote serve on the store:")
    serve_startup(big_dir)


def disk_mib_of(store_dir: Path, part: str) -> float:
    """Disk used by one kind of file across the store's segments."""
    patterns = {
        "docs": ["docs.sqlite"], "vectors": [VECTORS_FILE, IDS_FILE],
        "lexical": ["lexical-*"], "ivf": [ANN_FILE],
    }[part]  # fmt: skip
    return (
        sum(f.stat().st_size for p in patterns for f in (store_dir / SEGMENTS).glob(f"*/{p}"))
        / 2**20
    )


if __name__ == "__main__":
    main()
