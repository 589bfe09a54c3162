"""Markdown tables of an eval suite: one per gold set, a row per system, a column per figure.

Reads every reports/<gold set>-<run>/summary.json that benchmarks/run_eval_suite.sh wrote.

    .venv/bin/python benchmarks/eval_suite_table.py reports
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

GOLD_SETS = ("seed-news", "sample-news", "squad")
SYSTEMS = ("extractive", "llamacpp", "langchain-recipe")
QUALITY = (
    ("hit@k", "retrieval", "hit_at_k"),
    ("recall@k", "retrieval", "recall_at_k"),
    ("MRR", "retrieval", "mrr"),
    ("nDCG@k", "retrieval", "ndcg_at_k"),
    ("EM", "answers", "exact_match"),
    ("F1", "answers", "token_f1"),
    ("gold in answer", "answers", "gold_contained"),
    ("cit. valid", "citations", "validity"),
    ("cit. precision", "citations", "precision"),
    ("cit. recall", "citations", "recall"),
    ("abst. precision", "abstention", "precision"),
    ("abst. recall", "abstention", "recall"),
    ("answered wrong", "abstention", "answered_wrong_rate"),
)
LATENCY = (
    ("retrieval p50", "retrieval_p50"),
    ("retrieval p95", "retrieval_p95"),
    ("first token p50", "first_token_p50"),
    ("first token p95", "first_token_p95"),
    ("total p50", "total_p50"),
    ("total p95", "total_p95"),
)


def rate(value: Any) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def millis(value: Any) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def tables(reports: Path, gold: str) -> list[str]:
    runs = {p.parent.name[len(gold) + 1 :]: p for p in reports.glob(f"{gold}-*/summary.json")}
    order = sorted(runs, key=lambda s: (SYSTEMS.index(s) if s in SYSTEMS else len(SYSTEMS), s))
    found = {s: json.loads(runs[s].read_text()) for s in order}
    if not found:
        return []
    head = ["system", "n", "k", "correct", *(name for name, _, _ in QUALITY)]
    lines = [f"### {gold}", "", "| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    for system, summary in found.items():
        counts = summary["counts"]
        cells = [system, str(counts["questions"]), str(summary["k"]), str(counts["correct"])]
        cells += [rate(summary[group][key]) for _, group, key in QUALITY]
        lines.append("| " + " | ".join(cells) + " |")
    head = ["system", *(f"{name} (ms)" for name, _ in LATENCY)]
    lines += ["", "| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    for system, summary in found.items():
        cells = [system, *(millis(summary["latency_ms"][key]) for _, key in LATENCY)]
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", type=Path, nargs="?", default=Path("reports"))
    args = parser.parse_args()
    lines = ["# Footnote eval suite", ""]
    for gold in GOLD_SETS:
        lines += tables(args.reports, gold)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
