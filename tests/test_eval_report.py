"""Reports hold every figure, with its change against a baseline, and charts are real PNGs."""

from __future__ import annotations

import copy
import json
import struct
from pathlib import Path
from typing import Any

import pytest

from eval.definitions import ALL_FIGURES
from eval.gold import GoldQuestion
from eval.report import (
    BaselineFileError,
    ReportFiles,
    deltas,
    load_baseline,
    write_comparison_chart,
    write_report,
)
from eval.scoring import score_question, summarize
from tests.test_eval_scoring import ARTICLES, sample_results, service_answer

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, after checking its signature."""
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, path
    assert data[12:16] == b"IHDR", path
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def write_sample(out_dir: Path, baseline: dict[str, Any] | None = None) -> ReportFiles:
    results = sample_results()
    return write_report(out_dir, summarize(results), results, label="extractive", baseline=baseline)


def earlier_summary() -> dict[str, Any]:
    """The sample run's summary as an earlier, worse run might have written it."""
    before = copy.deepcopy(summarize(sample_results()))
    before["label"] = "last week"
    before["retrieval"]["mrr"] = 0.5
    before["counts"]["correct"] = 1
    before["latency_ms"]["total_p50"] = 250.0
    before["by_type"]["single"]["answers"]["token_f1"] = 0.5
    return before


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> ReportFiles:
    """The sample run's files, written once: drawing the charts is the slow part."""
    return write_sample(tmp_path_factory.mktemp("run"))


@pytest.fixture(scope="module")
def compared_run(tmp_path_factory: pytest.TempPathFactory) -> ReportFiles:
    """The sample run's files, compared with an earlier run."""
    return write_sample(tmp_path_factory.mktemp("compared"), baseline=earlier_summary())


def test_a_report_run_writes_every_file_into_a_new_output_folder(tmp_path: Path) -> None:
    files = write_sample(tmp_path / "new" / "run")
    names = sorted(p.name for p in (tmp_path / "new" / "run").iterdir())
    assert names == [
        "latency.png",
        "metrics.png",
        "report.md",
        "results.jsonl",
        "retrieval_ranks.png",
        "summary.json",
    ]
    assert files.report == tmp_path / "new" / "run" / "report.md"


def test_every_chart_is_a_valid_non_empty_png(sample_run: ReportFiles) -> None:
    files = sample_run
    for chart in (files.metrics_chart, files.latency_chart, files.ranks_chart):
        width, height = png_size(chart)
        assert width > 0 and height > 0 and chart.stat().st_size > 1000, chart


def test_results_jsonl_has_one_scored_question_per_line(sample_run: ReportFiles) -> None:
    rows = [json.loads(line) for line in sample_run.results.read_text().splitlines()]
    assert [(r["id"], r["correct"], r["answerable"]) for r in rows] == [
        ("q1", True, True),
        ("q2", False, True),
        ("q3", True, False),
    ]
    assert rows[1]["citations"][0]["valid"] is False
    assert rows[1]["first_gold_rank"] == 3


def test_summary_json_is_the_labelled_summary_and_loads_as_a_baseline(
    sample_run: ReportFiles,
) -> None:
    expected = {**summarize(sample_results()), "label": "extractive"}
    assert json.loads(sample_run.summary.read_text()) == expected
    assert load_baseline(sample_run.summary) == expected


def test_the_report_shows_every_figure_in_its_summary_table(sample_run: ReportFiles) -> None:
    report = sample_run.report.read_text()
    assert "| Retrieval | MRR | 0.667 |" in report
    assert "| Retrieval | nDCG@k | 0.750 |" in report
    assert "| Answers | token F1 | 0.583 |" in report
    assert "| Citations | citation validity | 0.500 |" in report
    assert "| Abstention | answered wrong | 0.500 |" in report
    assert "| Latency | total latency p95 | 290.0 ms |" in report
    assert "| Counts | correct | 2 |" in report
    assert "3 questions; k = 3; backend: extractive; model: none." in report
    table_rows = [line for line in report.splitlines() if line.startswith("| ")]
    for spec in ALL_FIGURES:
        assert any(f"| {spec.label} |" in row for row in table_rows), spec.label


def test_the_report_shows_short_answer_grounding_and_length_figures(
    sample_run: ReportFiles,
) -> None:
    report = sample_run.report.read_text()
    assert "| Answers | gold in short answer | 0.500 |" in report
    assert "| Answers | short answer validity | 0.500 |" in report
    assert "| Answers | wrong among verified | 0.500 |" in report
    assert "| Answers | median answer words | 3.0 words |" in report
    assert "| Abstention | false abstention | 0.000 |" in report
    assert "| Counts | verified answers | 2 |" in report
    assert "| Counts | short answers | 2 |" in report
    breakdown = report.split("## By question type", 1)[1].split("## Worst misses", 1)[0]
    assert "| median answer words | 3.0 words | n/a |" in breakdown
    assert "| false abstention | 0.000 | n/a |" in breakdown


def test_the_report_defines_every_figure_in_one_line(sample_run: ReportFiles) -> None:
    report = sample_run.report.read_text()
    definitions = report.split("## Definitions", 1)[1]
    for spec in ALL_FIGURES:
        assert f"- **{spec.label}**: {spec.definition}\n" in definitions


def test_the_report_breaks_figures_down_by_question_type(sample_run: ReportFiles) -> None:
    report = sample_run.report.read_text()
    breakdown = report.split("## By question type", 1)[1].split("## Worst misses", 1)[0]
    assert "| Figure | single | unanswerable |" in breakdown
    assert "| questions | 2 | 1 |" in breakdown
    assert "| correct | 1 | 1 |" in breakdown
    assert "| MRR | 0.667 | n/a |" in breakdown
    assert "| abstention recall | n/a | 1.000 |" in breakdown


def test_worst_misses_show_question_gold_answer_and_citations(sample_run: ReportFiles) -> None:
    report = sample_run.report.read_text()
    misses = report.split("## Worst misses (1 of 1)", 1)[1].split("## Abstention mistakes")[0]
    assert "### 1. q2: What was the deal worth?" in misses
    assert '- Gold: "1.8 billion"' in misses
    assert "- Answer: 2 billion [1]" in misses
    assert '- Short answer: "2 billion" (invalid: not verbatim at its offsets)' in misses
    assert "- Token F1: 0.500; first gold source (b.txt) at rank 3" in misses
    assert '  - [1] news/a.txt: "Sarvek is run by" (invalid: not verbatim in its article)' in misses
    assert "q1" not in misses and "q3" not in misses


def test_abstention_mistakes_list_answered_unanswerable_and_withheld_answerable_questions(
    tmp_path: Path,
) -> None:
    timings = {"retrieval": 1.0, "first_token": None, "total": 2.0}
    results = [
        score_question(
            GoldQuestion("u1", "How old is Dascal?", (), (), "unanswerable"),
            service_answer("He is 54.", [], timings),
            [],
            ARTICLES,
            3,
        ),
        score_question(
            GoldQuestion("a1", "Who runs Sarvek?", ("Imre Dascal",), ("a.txt",), "single"),
            service_answer("The articles don't say.", [], timings, abstained=True),
            ["news/a.txt"],
            ARTICLES,
            3,
        ),
    ]
    files = write_report(tmp_path, summarize(results), results, label="run")
    mistakes = files.report.read_text().split("## Abstention mistakes", 1)[1]
    assert (
        '### Answered although unanswerable (1)\n\n- u1: How old is Dascal? Answer: "He is 54."'
        in (mistakes)
    )
    assert (
        '### Abstained although answerable (1)\n\n- a1: Who runs Sarvek? Gold: "Imre Dascal"'
        in (mistakes)
    )


def test_with_a_baseline_every_figure_shows_its_change(compared_run: ReportFiles) -> None:
    report = compared_run.report.read_text()
    assert 'Each figure shows its change (Δ) against the baseline "last week".' in report
    assert "| Retrieval | MRR | 0.667 (Δ +0.167) |" in report
    assert "| Retrieval | hit@k | 1.000 (Δ +0.000) |" in report
    assert "| Counts | correct | 2 (Δ +1) |" in report
    assert "| Latency | total latency p50 | 200.0 ms (Δ -50.0 ms) |" in report
    assert "| token F1 | 0.583 (Δ +0.083) | n/a |" in report


def test_deltas_subtract_every_shared_numeric_figure_at_every_depth() -> None:
    summary = {"a": 1.0, "n": 3, "g": {"x": 0.5, "y": None, "s": "text", "new": 1.0}, "ok": True}
    baseline = {"a": 0.75, "n": 1, "g": {"x": 0.25, "y": 1.0, "s": "text"}, "ok": False}
    assert deltas(summary, baseline) == {"a": 0.25, "n": 2, "g": {"x": 0.25}}


def test_deltas_of_a_summary_against_itself_are_all_zero() -> None:
    summary = summarize(sample_results())
    changes = deltas(summary, summary)
    assert changes["retrieval"] == {"hit_at_k": 0, "recall_at_k": 0, "mrr": 0, "ndcg_at_k": 0}
    assert changes["by_type"]["unanswerable"]["abstention"] == {"precision": 0, "recall": 0}
    assert "answered_wrong_rate" not in changes["by_type"]["unanswerable"]["abstention"]


def test_a_missing_baseline_says_what_to_pass(tmp_path: Path) -> None:
    with pytest.raises(BaselineFileError, match="no baseline at .*summary.json; pass the"):
        load_baseline(tmp_path / "summary.json")


def test_a_baseline_that_is_not_json_is_refused(tmp_path: Path, sample_run: ReportFiles) -> None:
    path = tmp_path / "summary.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(BaselineFileError, match=r"is not JSON \(.* on line 1\); pass the summary"):
        load_baseline(path)
    with pytest.raises(
        BaselineFileError, match=r"results.jsonl is not JSON \(Extra data on line 2"
    ):
        load_baseline(sample_run.results)


@pytest.mark.parametrize("text", ['{"retrieval": {}}', "[1, 2]", '{"schema": "other/1"}'])
def test_a_json_file_that_is_not_a_summary_is_refused_as_a_baseline(
    tmp_path: Path, text: str
) -> None:
    path = tmp_path / "other.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BaselineFileError, match="is not an eval summary.json; pass the summary"):
        load_baseline(path)


def test_the_comparison_chart_draws_several_labelled_summaries(tmp_path: Path) -> None:
    summary = summarize(sample_results())
    path = tmp_path / "compare.png"
    write_comparison_chart(path, {"extractive": summary, "ollama": earlier_summary()})
    single = tmp_path / "single.png"
    write_comparison_chart(single, {"extractive": summary})
    assert png_size(path)[0] > 0 and png_size(single)[0] > 0
    with pytest.raises(ValueError, match="no summaries to chart"):
        write_comparison_chart(tmp_path / "none.png", {})


def test_a_run_without_questions_still_writes_a_complete_report(tmp_path: Path) -> None:
    files = write_report(tmp_path, summarize([]), [], label="empty")
    report = files.report.read_text()
    assert "0 questions; k = n/a; backend: unknown; model: unknown." in report
    assert "| Counts | questions | 0 |" in report
    assert "| Retrieval | MRR | n/a |" in report
    assert files.results.read_text() == ""
    for chart in (files.metrics_chart, files.latency_chart, files.ranks_chart):
        assert png_size(chart)[0] > 0
