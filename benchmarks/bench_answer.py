"""Answering benchmark: search and ask latency on an existing store.

Prints search p50/p95 (query embedding included, model load excluded), extractive ask p50,
and llama.cpp ask p50 next to the stock LangChain recipe's on the same questions. The
questions are the sample-news gold questions; build a large store first with
`benchmarks/bench_index.py --articles 5000 --workdir DIR` (the store is DIR/store).

    .venv/bin/python benchmarks/bench_answer.py --index-dir DIR/store [--llm-questions 10]
        [--as-of YYYY-MM-DD]   # ask on that day: its week's articles are searched again

`--llm-questions 0` measures search and extractive `ask` only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from service import SearchFilters, Settings, backend_for, engine_for  # noqa: E402
from service.backends.extractive import ExtractiveBackend  # noqa: E402
from service.indexing import embedder_for  # noqa: E402

GOLD = Path(__file__).resolve().parents[1] / "eval" / "data" / "sample-news.gold.jsonl"


def timed(call: Callable[[], object], repeat: int = 1) -> list[float]:
    """Milliseconds each call took."""
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def quantile(values: list[float], q: float) -> float:
    return round(statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1], 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--llm-questions", type=int, default=10)
    parser.add_argument("--corpus", type=Path, help="raw corpus for the LangChain recipe")
    parser.add_argument("--as-of", help="the day questions are asked on (default today)")
    args = parser.parse_args()
    if args.llm_questions == 1 or args.llm_questions < 0:
        parser.error("--llm-questions must be 0 (no LLM) or at least 2 (a p50 needs two)")
    filters = SearchFilters(as_of=args.as_of)
    questions = [json.loads(line)["question"] for line in GOLD.read_text().splitlines()]
    settings = Settings(index_dir=args.index_dir)
    embedder = embedder_for(settings)
    engine = engine_for(settings, backend=ExtractiveBackend(embedder))
    # Loads the store, builds BM25 and looks up the week's articles once; not measured.
    engine.search("warm up", top_k=5, filters=filters)

    search_ms = [
        t
        for q in questions
        for t in timed(lambda q=q: engine.search(q, top_k=5, filters=filters), 3)
    ]
    ask_ms = [t for q in questions for t in timed(lambda q=q: engine.ask(q, filters=filters))]
    report: dict[str, object] = {
        "store_chunks": engine.snapshots.current().store.stats().chunks,
        "search_p50_ms": quantile(search_ms, 0.5),
        "search_p95_ms": quantile(search_ms, 0.95),
        "extractive_ask_p50_ms": quantile(ask_ms, 0.5),
        "extractive_ask_p95_ms": quantile(ask_ms, 0.95),
    }
    subset = questions[: args.llm_questions]
    if subset:
        llama = engine_for(settings, backend=backend_for(settings, "llamacpp"))
        llama.backend.check()  # model load excluded
        llama_ms = [t for q in subset for t in timed(lambda q=q: llama.ask(q, filters=filters))]
        report["llamacpp_ask_p50_ms"] = quantile(llama_ms, 0.5)
        if args.corpus is not None:
            from eval.baseline import LangChainRecipe

            recipe = LangChainRecipe.build(args.corpus, embedder, llama.backend)
            recipe_ms = [t for q in subset for t in timed(lambda q=q: recipe.ask(q))]
            report["langchain_recipe_ask_p50_ms"] = quantile(recipe_ms, 0.5)
    for key, value in report.items():
        print(f"{key:>28}: {value}")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
