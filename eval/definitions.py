"""The figures of a summary: where each lives, its label, its unit and its one-line definition.

The report's tables, its Definitions section and the metric chart all read this one catalogue, so
a figure cannot appear without its definition.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Unit = Literal["rate", "ms", "count", "words"]


@dataclass(frozen=True)
class FigureSpec:
    """One figure of a summary: `summary[group][key]`."""

    group: str
    key: str
    label: str
    unit: Unit
    definition: str

    def value_in(self, figures: Mapping[str, Any]) -> float | int | None:
        """This figure's value in a summary (or one type's figures); None when absent."""
        group = figures.get(self.group)
        value = group.get(self.key) if isinstance(group, Mapping) else None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return value


def _rate(group: str, key: str, label: str, definition: str) -> FigureSpec:
    return FigureSpec(group, key, label, "rate", definition)


def _count(key: str, label: str, definition: str) -> FigureSpec:
    return FigureSpec("counts", key, label, "count", definition)


def _latency(stage: str, label: str, what: str) -> tuple[FigureSpec, FigureSpec]:
    return (
        FigureSpec("latency_ms", f"{stage}_p50", f"{label} p50", "ms", f"Median {what}."),
        FigureSpec("latency_ms", f"{stage}_p95", f"{label} p95", "ms", f"95th percentile {what}."),
    )


RETRIEVAL = (
    _rate(
        "retrieval",
        "hit_at_k",
        "hit@k",
        "Share of questions with a gold source among the top k distinct retrieved documents.",
    ),
    _rate(
        "retrieval",
        "recall_at_k",
        "recall@k",
        "Mean share of a question's gold sources found among the top k distinct documents.",
    ),
    _rate(
        "retrieval",
        "mrr",
        "MRR",
        "Mean of 1/rank of the first gold source among distinct documents (0 if never found).",
    ),
    _rate(
        "retrieval",
        "ndcg_at_k",
        "nDCG@k",
        "Mean binary-relevance nDCG: sum of 1/log2(rank+1) over gold hits / its ideal value.",
    ),
)
ANSWERS = (
    _rate(
        "answers",
        "exact_match",
        "exact match",
        "Share of answerable questions whose answer equals a gold answer after normalization.",
    ),
    _rate(
        "answers",
        "token_f1",
        "token F1",
        "Mean best-over-golds F1 of normalized answer tokens against gold tokens (SQuAD).",
    ),
    _rate(
        "answers",
        "gold_contained",
        "gold contained",
        "Share of answerable questions whose normalized answer contains a gold answer's words.",
    ),
    _rate(
        "answers",
        "short_answer_contained",
        "gold in short answer",
        "Share of answerable questions whose short answer contains a gold answer; none is a miss.",
    ),
    _rate(
        "answers",
        "short_answer_validity",
        "short answer validity",
        "Share of short answers that are verbatim at their offsets in the cited article.",
    ),
    _rate(
        "answers",
        "wrong_among_verified",
        "wrong among verified",
        'Share of answers with grounding "verified" that hold no gold answer or had none to hold.',
    ),
)
MEDIAN_WORDS = FigureSpec(
    "answers",
    "median_words",
    "median answer words",
    "words",
    "Median words of an answer, citation markers not counted, over answers not abstained.",
)
CITATIONS = (
    _rate(
        "citations",
        "validity",
        "citation validity",
        "Mean share of an answer's citations whose article exists and has the quote verbatim.",
    ),
    _rate(
        "citations",
        "precision",
        "citation precision",
        "Mean share of an answer's citations that contain a gold answer or cite a gold source.",
    ),
    _rate(
        "citations",
        "recall",
        "citation recall",
        "Mean share of a question's gold sources that the answer cites.",
    ),
)
ABSTENTION = (
    _rate(
        "abstention",
        "precision",
        "abstention precision",
        "Share of abstentions that were on unanswerable questions.",
    ),
    _rate(
        "abstention",
        "recall",
        "abstention recall",
        "Share of unanswerable questions on which the system abstained.",
    ),
    _rate(
        "abstention",
        "answered_wrong_rate",
        "answered wrong",
        "Share of answerable questions answered (not abstained) without a gold answer in it.",
    ),
    _rate(
        "abstention",
        "false_abstention_rate",
        "false abstention",
        "Share of answerable questions on which the system abstained.",
    ),
)
LATENCY = (
    *_latency("retrieval", "retrieval latency", "milliseconds from question to ranked passages"),
    *_latency("first_token", "first-token latency", "milliseconds until the first answer token"),
    *_latency("total", "total latency", "milliseconds for the whole answer"),
)
QUESTIONS = _count("questions", "questions", "Questions in the gold set.")
CORRECT = _count(
    "correct",
    "correct",
    "Answerable questions answered with a gold answer, plus unanswerable ones abstained on.",
)
COUNTS = (
    QUESTIONS,
    _count("answerable", "answerable", "Questions with at least one gold answer."),
    _count("unanswerable", "unanswerable", "Questions the articles cannot answer (no gold)."),
    _count("abstained", "abstained", "Questions on which the system abstained."),
    CORRECT,
    _count("citations", "citations", "Citations given across all answers."),
    _count("short_answers", "short answers", "Answers that carry a short answer."),
    _count("verified", "verified answers", 'Answers not abstained with grounding "verified".'),
)

ALL_FIGURES: tuple[FigureSpec, ...] = (
    *RETRIEVAL,
    *ANSWERS,
    MEDIAN_WORDS,
    *CITATIONS,
    *ABSTENTION,
    *LATENCY,
    *COUNTS,
)
# Rates shown as bars in metrics.png and as columns of the per-type table.
MAIN_RATES: tuple[FigureSpec, ...] = (*RETRIEVAL, *ANSWERS, *CITATIONS, *ABSTENTION)
# Rows of the per-question-type table.
BREAKDOWN_FIGURES: tuple[FigureSpec, ...] = (QUESTIONS, CORRECT, *MAIN_RATES, MEDIAN_WORDS)
NORMALIZATION_NOTE = (
    "Answers are normalized as in SQuAD: lowercased, punctuation and the articles a/an/the "
    "removed, whitespace collapsed; citation markers such as [1] are dropped first, and an "
    "abstention counts as the empty answer. Retrieval counts a document retrieved twice once, "
    "at its first rank. Means are over the questions a figure applies to; n/a means none did."
)


def format_value(value: float | int | None, unit: Unit) -> str:
    """A figure as the report shows it: rates to 3 decimals, milliseconds and words to 1."""
    if value is None:
        return "n/a"
    if unit == "count":
        return str(int(value))
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "words":
        return f"{value:.1f} words"
    return f"{value:.3f}"


def format_delta(delta: float | int | None, unit: Unit) -> str:
    """A change against the baseline, signed, in the figure's precision: "Δ +0.050"."""
    if delta is None:
        return ""
    if unit == "count":
        return f"Δ {int(delta):+d}"
    if unit == "ms":
        return f"Δ {delta:+.1f} ms"
    if unit == "words":
        return f"Δ {delta:+.1f} words"
    return f"Δ {delta:+.3f}"


def format_with_delta(value: float | int | None, delta: float | int | None, unit: Unit) -> str:
    """`value (Δ +0.050)` when a delta is known, else just the value."""
    shown = format_value(value, unit)
    change = format_delta(delta, unit)
    return f"{shown} ({change})" if change else shown
