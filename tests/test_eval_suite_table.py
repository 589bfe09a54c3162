"""The eval suite's tables show each run's figures, and n/a where a summary lacks one."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from benchmarks.eval_suite_table import GOLD_SETS, tables
from eval.scoring import summarize
from tests.test_eval_scoring import sample_results


def write_summary(reports: Path, run: str, summary: dict[str, Any]) -> None:
    folder = reports / run
    folder.mkdir(parents=True)
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")


def older_summary() -> dict[str, Any]:
    """The sample summary as a run from before short answers and grounding figures wrote it."""
    summary = copy.deepcopy(summarize(sample_results()))
    for key in ("short_answer_contained", "short_answer_validity", "wrong_among_verified"):
        del summary["answers"][key]
    del summary["answers"]["median_words"]
    del summary["abstention"]["false_abstention_rate"]
    del summary["counts"]["verified"]
    return summary


def test_the_headline_table_shows_the_answer_figures_of_each_system(tmp_path: Path) -> None:
    write_summary(tmp_path, "rtqa-2024-dev-extractive", summarize(sample_results()))
    write_summary(tmp_path, "rtqa-2024-dev-langchain-recipe", older_summary())

    lines = tables(tmp_path, "rtqa-2024-dev")

    assert lines[:6] == [
        "### rtqa-2024-dev",
        "",
        "| system | n | gold in answer | gold in short answer | wrong among verified "
        "| abstention recall | false abstention | median words | answer p50 (ms) |",
        "|---|---|---|---|---|---|---|---|---|",
        "| extractive | 3 | 0.500 | 0.500 | 0.500 (n=2) | 1.000 | 0.000 | 3.0 | 200 |",
        "| langchain-recipe | 3 | 0.500 | n/a | n/a | 1.000 | n/a | n/a | 200 |",
    ]


def test_the_quality_and_latency_tables_follow_the_headline_table(tmp_path: Path) -> None:
    write_summary(tmp_path, "seed-news-extractive", summarize(sample_results()))

    lines = tables(tmp_path, "seed-news")

    quality = next(line for line in lines if line.startswith("| system | n | k | correct |"))
    assert "| gold in short answer | short answer valid |" in quality
    assert "| false abstention |" in quality
    assert "| extractive | 3 | 3 | 2 | 1.000 | 1.000 | 0.667 | 0.750 |" in "\n".join(lines)
    assert "| extractive | 20 | 29 | 50 | 50 | 200 | 290 |" in lines
    assert lines[-1] == ""


def test_a_gold_set_without_runs_has_no_table_and_rtqa_is_a_suite_gold_set(
    tmp_path: Path,
) -> None:
    assert tables(tmp_path, "squad") == []
    assert "rtqa-2024-dev" in GOLD_SETS
