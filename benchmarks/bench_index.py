"""Indexing benchmark: throughput (chunks/s, tokens/s), peak memory, and re-run time.

Builds a corpus of N articles by replicating the repository's sample articles with a unique
edition line each (so deduplication keeps them all), loads the model, indexes the corpus into a
fresh store, then re-indexes the unchanged corpus. Throughput is the indexing run's; the model's
load time is printed beside it. Prints the numbers; asserts nothing.

    .venv/bin/python benchmarks/bench_index.py --articles 5000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from service.indexing import embedder_for, index_into_store  # noqa: E402
from service.settings import Settings  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[1] / "eval" / "data" / "sample-news"


def build_corpus(target: Path, articles: int) -> int:
    """Write `articles` text files derived from the sample corpus; returns bytes written."""
    sources = sorted(p for p in SAMPLE.iterdir() if p.suffix in {".txt", ".md"})
    texts = [p.read_text(encoding="utf-8") for p in sources]
    written = 0
    for i in range(articles):
        body = _with_edition(texts[i % len(texts)], i)
        folder = target / f"batch{i // 500:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"article-{i:05d}.txt").write_text(body, encoding="utf-8")
        written += len(body.encode("utf-8"))
    return written


def _with_edition(text: str, edition: int) -> str:
    # The marker goes into the first long body paragraph: text after a "Check Also" teaser or
    # a comment form is cut by the cleaner, and an article identical to another is skipped.
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if len(line) > 200:
            lines[i] = f"{line} This is archived edition {edition}."
            break
    return "\n".join(lines) + "\n"


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--workdir", type=Path, default=None, help="keep corpus and store here")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="footnote-bench-"))
    corpus, store = work / "corpus", work / "store"
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.rmtree(store, ignore_errors=True)
    size = build_corpus(corpus, args.articles)
    settings = Settings(index_dir=store)

    # Loading the model is a fixed cost, not throughput (the bare model's figure leaves it out
    # too); it is timed and printed on its own.
    started = time.perf_counter()
    embedder_for(settings).embed(["load the model and its ONNX twin"])
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    first = index_into_store([corpus], settings)
    first_s = time.perf_counter() - started
    memory = peak_rss_mib()
    started = time.perf_counter()
    second = index_into_store([corpus], settings)
    second_s = time.perf_counter() - started

    report = {
        "articles": args.articles,
        "corpus_mib": round(size / 2**20, 1),
        "chunks": first.chunks_added,
        "tokens_embedded": first.tokens_embedded,
        "model_load_s": round(load_s, 1),
        "first_run_s": round(first_s, 1),
        "chunks_per_s": round(first.chunks_added / first_s, 1),
        "tokens_per_s": round(first.tokens_embedded / first_s, 1),
        "tokens_per_s_with_load": round(first.tokens_embedded / (first_s + load_s), 1),
        "peak_rss_mib": round(memory, 1),
        "rerun_s": round(second_s, 2),
        "rerun_share_of_first": round(second_s / first_s, 4),
        "rerun_changed": second.version is not None,
    }
    for key, value in report.items():
        print(f"{key:>22}: {value}")
    print(json.dumps(report))
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
