"""The files of an eval run: report.md, results.jsonl, summary.json and PNG charts.

With a baseline (an earlier run's summary.json) every figure also shows its change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.charts import write_comparison_chart, write_latency_chart, write_rank_chart
from eval.report_markdown import render_report
from eval.scoring import SUMMARY_SCHEMA, QuestionResult
from indexer.atomic_files import write_text_atomically
from indexer.errors import FootnoteError

__all__ = [
    "BaselineFileError",
    "ReportFiles",
    "deltas",
    "load_baseline",
    "write_comparison_chart",
    "write_report",
]

DEFAULT_BASELINE_LABEL = "baseline"


class BaselineFileError(FootnoteError):
    """The --baseline file is missing or is not an earlier run's summary.json."""


@dataclass(frozen=True)
class ReportFiles:
    """The paths an eval run wrote."""

    report: Path
    results: Path
    summary: Path
    metrics_chart: Path
    latency_chart: Path
    ranks_chart: Path


def write_report(
    out_dir: Path | str,
    summary: Mapping[str, Any],
    results: Sequence[QuestionResult],
    *,
    label: str,
    baseline: Mapping[str, Any] | None = None,
) -> ReportFiles:
    """Write every file of a run into `out_dir` (created if missing) and return their paths."""
    out = Path(out_dir)
    files = ReportFiles(
        report=out / "report.md",
        results=out / "results.jsonl",
        summary=out / "summary.json",
        metrics_chart=out / "metrics.png",
        latency_chart=out / "latency.png",
        ranks_chart=out / "retrieval_ranks.png",
    )
    labelled = {**summary, "label": label}
    changes = deltas(summary, baseline) if baseline is not None else None
    baseline_label = _baseline_label(baseline, label) if baseline is not None else None
    lines = (json.dumps(r.as_dict(), ensure_ascii=False) for r in results)
    write_text_atomically(files.results, "".join(f"{line}\n" for line in lines))
    write_text_atomically(files.summary, json.dumps(labelled, indent=2, ensure_ascii=False) + "\n")
    charted = {label: summary}
    if baseline is not None and baseline_label is not None:
        charted = {baseline_label: baseline, **charted}
    write_comparison_chart(files.metrics_chart, charted)
    write_latency_chart(files.latency_chart, results)
    write_rank_chart(files.ranks_chart, results)
    report = render_report(
        summary, results, label=label, changes=changes, baseline_label=baseline_label
    )
    write_text_atomically(files.report, report)
    return files


def _baseline_label(baseline: Mapping[str, Any], label: str) -> str:
    name = baseline.get("label")
    name = name if isinstance(name, str) and name else DEFAULT_BASELINE_LABEL
    # Two runs with one label would merge into one bar series in the chart.
    return f"{name} (baseline)" if name == label else name


def load_baseline(path: Path | str) -> dict[str, Any]:
    """An earlier run's summary.json, to compare a new run against."""
    path = Path(path)
    hint = "pass the summary.json an earlier 'footnote eval' run wrote"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise BaselineFileError(f"no baseline at {path}; {hint}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineFileError(f"cannot read baseline {path} ({exc}); {hint}") from exc
    try:
        summary = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineFileError(
            f"baseline {path} is not JSON ({exc.msg} on line {exc.lineno}); {hint}"
        ) from exc
    if not isinstance(summary, dict) or summary.get("schema") != SUMMARY_SCHEMA:
        raise BaselineFileError(f"baseline {path} is not an eval summary.json; {hint}")
    return summary


def deltas(summary: Mapping[str, Any], baseline: Mapping[str, Any]) -> dict[str, Any]:
    """`summary - baseline` for every numeric figure both have, nested like the summary.

    Figures missing or None on either side, and groups left empty, are omitted.
    """
    changes: dict[str, Any] = {}
    for key, value in summary.items():
        before = baseline.get(key)
        if isinstance(value, Mapping) and isinstance(before, Mapping):
            nested = deltas(value, before)
            if nested:
                changes[key] = nested
        elif _is_number(value) and _is_number(before):
            changes[key] = value - before
    return changes


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
