"""PNG charts of an eval run, drawn with matplotlib's Agg canvas (no display, no pyplot state)."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from eval import metrics
from eval.definitions import MAIN_RATES
from eval.scoring import QuestionResult
from indexer.atomic_files import write_bytes_atomically

# Enough bins to show the shape of a few hundred answers without turning into noise.
LATENCY_BINS = 20
DPI = 100
BAR_HEIGHT_IN = 0.32  # inches of figure height per bar in the metric chart


def write_comparison_chart(path: Path, summaries: Mapping[str, Mapping[str, Any]]) -> None:
    """Horizontal bars of the main rates, one colour per labelled summary (e.g. per backend).

    A figure that does not apply (None) gets no bar.
    """
    if not summaries:
        raise ValueError("no summaries to chart; pass at least one {label: summary}")
    labels = list(summaries)
    height = max(4.0, BAR_HEIGHT_IN * len(MAIN_RATES) * max(len(labels), 2))
    figure = Figure(figsize=(9, height), dpi=DPI)
    axes = figure.add_subplot()
    group_height = 0.8
    bar = group_height / len(labels)
    positions = range(len(MAIN_RATES))
    for index, label in enumerate(labels):
        values = [_bar_value(spec.value_in(summaries[label])) for spec in MAIN_RATES]
        offsets = [p - group_height / 2 + bar * (index + 0.5) for p in positions]
        bars = axes.barh(offsets, values, height=bar, label=label)
        axes.bar_label(bars, labels=[_bar_text(v) for v in values], padding=2, fontsize=7)
    axes.set_yticks(list(positions), [spec.label for spec in MAIN_RATES])
    axes.invert_yaxis()
    axes.set_xlim(0, 1.08)  # room for the value printed after a full bar
    axes.set_xlabel("score (0-1)")
    axes.set_title("Footnote eval: main metrics")
    axes.grid(axis="x", alpha=0.3)
    axes.legend(loc="best")
    _save(figure, path)


def write_latency_chart(path: Path, results: Sequence[QuestionResult]) -> None:
    """Histogram of whole-answer latency in milliseconds."""
    values = [r.latency_total_ms for r in results if r.latency_total_ms is not None]
    figure = Figure(figsize=(8, 4.5), dpi=DPI)
    axes = figure.add_subplot()
    if values:
        axes.hist(values, bins=min(LATENCY_BINS, len(values)), color="tab:blue", edgecolor="white")
        for p, style in ((50, "--"), (95, ":")):
            mark = metrics.percentile(values, p)
            if mark is None:  # only for no values, handled above; keeps mypy sure of it
                continue
            axes.axvline(mark, color="black", linestyle=style, label=f"p{p} {mark:.0f} ms")
        axes.legend(loc="upper right")
    else:
        axes.text(0.5, 0.5, "no latency recorded", ha="center", va="center")
    axes.set_xlabel("total latency (ms)")
    axes.set_ylabel("questions")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(f"Answer latency ({len(values)} answers)")
    _save(figure, path)


def write_rank_chart(path: Path, results: Sequence[QuestionResult]) -> None:
    """Bars of the rank of the first gold source (1..k), plus a "miss" bar."""
    scored = [r for r in results if r.gold_sources]
    k = max((r.k for r in scored), default=0)
    counts = [sum(r.first_gold_rank == rank for r in scored) for rank in range(1, k + 1)]
    counts.append(sum(r.first_gold_rank is None for r in scored))
    names = [str(rank) for rank in range(1, k + 1)] + ["miss"]
    colours = ["tab:green"] * k + ["tab:red"]
    figure = Figure(figsize=(8, 4.5), dpi=DPI)
    axes = figure.add_subplot()
    bars = axes.bar(names, counts, color=colours)
    axes.bar_label(bars, padding=2)
    axes.set_xlabel("rank of the first gold source")
    axes.set_ylabel("questions")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(f"Retrieval ranks ({len(scored)} questions with gold sources)")
    _save(figure, path)


def _bar_value(value: float | int | None) -> float:
    return float("nan") if value is None else float(value)


def _bar_text(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.2f}"


def _save(figure: Figure, path: Path) -> None:
    FigureCanvasAgg(figure)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    write_bytes_atomically(path, buffer.getvalue())
