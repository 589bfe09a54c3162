"""Markdown tables of an eval suite: one set per gold set, a row per system, a column per figure.

Reads every reports/<gold set>-<run>/summary.json that benchmarks/run_eval_suite.sh wrote. The
first table of a gold set holds the headline figures, the second every quality figure, the third
latency. A figure an older summary lacks, or one that applied to no question, shows as n/a.

    .venv/bin/python benchmarks/eval_suite_table.py reports
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

GOLD_SETS = ("seed-news", "sample-news", "squad", "rtqa-2024-dev")
SYSTEMS = ("extractive", "llamacpp", "ollama-stand-in", "langchain-recipe")
Summary = Mapping[str, Any]


def figure(summary: Summary, group: str, key: str) -> Any:
    """summary[group][key], or None when the summary lacks it."""
    values = summary.get(group)
    return values.get(key) if isinstance(values, Mapping) else None


def rate(value: Any) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def millis(value: Any) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def words(value: Any) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def wrong_among_verified(summary: Summary) -> str:
    """The rate with the number of verified answers it is over: "0.125 (n=48)"."""
    shown = rate(figure(summary, "answers", "wrong_among_verified"))
    verified = figure(summary, "counts", "verified")
    return shown if verified is None else f"{shown} (n={verified})"


def _column(group: str, key: str, show: Callable[[Any], str]) -> Callable[[Summary], str]:
    return lambda summary: show(figure(summary, group, key))


HEADLINE: tuple[tuple[str, Callable[[Summary], str]], ...] = (
    ("gold in answer", _column("answers", "gold_contained", rate)),
    ("gold in short answer", _column("answers", "short_answer_contained", rate)),
    ("wrong among verified", wrong_among_verified),
    ("abstention recall", _column("abstention", "recall", rate)),
    ("false abstention", _column("abstention", "false_abstention_rate", rate)),
    ("median words", _column("answers", "median_words", words)),
    ("answer p50 (ms)", _column("latency_ms", "total_p50", millis)),
)
QUALITY = (
    ("hit@k", "retrieval", "hit_at_k"),
    ("recall@k", "retrieval", "recall_at_k"),
    ("MRR", "retrieval", "mrr"),
    ("nDCG@k", "retrieval", "ndcg_at_k"),
    ("EM", "answers", "exact_match"),
    ("F1", "answers", "token_f1"),
    ("gold in answer", "answers", "gold_contained"),
    ("gold in short answer", "answers", "short_answer_contained"),
    ("short answer valid", "answers", "short_answer_validity"),
    ("cit. valid", "citations", "validity"),
    ("cit. precision", "citations", "precision"),
    ("cit. recall", "citations", "recall"),
    ("abst. precision", "abstention", "precision"),
    ("abst. recall", "abstention", "recall"),
    ("answered wrong", "abstention", "answered_wrong_rate"),
    ("false abstention", "abstention", "false_abstention_rate"),
)
LATENCY = (
    ("retrieval p50", "retrieval_p50"),
    ("retrieval p95", "retrieval_p95"),
    ("first token p50", "first_token_p50"),
    ("first token p95", "first_token_p95"),
    ("total p50", "total_p50"),
    ("total p95", "total_p95"),
)


def tables(reports: Path, gold: str) -> list[str]:
    """The Markdown lines of one gold set's tables; none when it has no runs."""
    runs = {p.parent.name[len(gold) + 1 :]: p for p in reports.glob(f"{gold}-*/summary.json")}
    order = sorted(runs, key=lambda s: (SYSTEMS.index(s) if s in SYSTEMS else len(SYSTEMS), s))
    found = {s: json.loads(runs[s].read_text()) for s in order}
    if not found:
        return []
    head = ["system", "n", *(name for name, _ in HEADLINE)]
    rows = [
        [s, _count(f, "questions"), *(show(f) for _, show in HEADLINE)] for s, f in found.items()
    ]
    lines = [f"### {gold}", "", *_table(head, rows)]
    head = ["system", "n", "k", "correct", *(name for name, _, _ in QUALITY)]
    rows = [
        [s, _count(f, "questions"), str(f.get("k")), _count(f, "correct")]
        + [rate(figure(f, group, key)) for _, group, key in QUALITY]
        for s, f in found.items()
    ]
    lines += ["", *_table(head, rows)]
    head = ["system", *(f"{name} (ms)" for name, _ in LATENCY)]
    rows = [
        [s, *(millis(figure(f, "latency_ms", key)) for _, key in LATENCY)] for s, f in found.items()
    ]
    lines += ["", *_table(head, rows)]
    return [*lines, ""]


def _count(summary: Summary, key: str) -> str:
    value = figure(summary, "counts", key)
    return "n/a" if value is None else str(value)


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


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
