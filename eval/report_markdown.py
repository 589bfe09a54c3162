"""report.md of an eval run: summary, per-type breakdown, worst misses and definitions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eval.definitions import (
    ALL_FIGURES,
    BREAKDOWN_FIGURES,
    NORMALIZATION_NOTE,
    FigureSpec,
    format_with_delta,
)
from eval.scoring import CitationCheck, QuestionResult

MAX_MISSES = 10
MAX_ABSTENTION_MISTAKES = 10
# Long answers and quotes are cut so one miss stays readable; results.jsonl has them whole.
MAX_TEXT_CHARS = 300
GROUP_TITLES = {
    "retrieval": "Retrieval",
    "answers": "Answers",
    "citations": "Citations",
    "abstention": "Abstention",
    "latency_ms": "Latency",
    "counts": "Counts",
}


def render_report(
    summary: Mapping[str, Any],
    results: Sequence[QuestionResult],
    *,
    label: str,
    changes: Mapping[str, Any] | None = None,
    baseline_label: str | None = None,
) -> str:
    """The Markdown report; with `changes` (see report.deltas) every figure shows its Δ."""
    sections = [
        _header(summary, label, changes, baseline_label),
        _summary_table(summary, changes or {}),
        _type_table(summary, changes or {}),
        _worst_misses(results),
        _abstention_mistakes(results),
        _definitions(),
    ]
    return "\n\n".join(sections) + "\n"


def _header(
    summary: Mapping[str, Any],
    label: str,
    changes: Mapping[str, Any] | None,
    baseline_label: str | None,
) -> str:
    questions = summary.get("counts", {}).get("questions", 0)
    k = summary.get("k") or "n/a"
    backends = ", ".join(summary.get("backends", [])) or "unknown"
    models = ", ".join(summary.get("models", [])) or "unknown"
    lines = [
        f"# Footnote eval: {label}",
        "",
        f"{questions} questions; k = {k}; backend: {backends}; model: {models}.",
    ]
    if changes is not None:
        against = f' "{baseline_label}"' if baseline_label else ""
        lines.append(f"Each figure shows its change (Δ) against the baseline{against}.")
    return "\n".join(lines)


def _summary_table(summary: Mapping[str, Any], changes: Mapping[str, Any]) -> str:
    rows = ["## Summary", "", "| Group | Figure | Value |", "|---|---|---|"]
    for spec in ALL_FIGURES:
        shown = _shown(spec, summary, changes)
        rows.append(f"| {GROUP_TITLES.get(spec.group, spec.group)} | {spec.label} | {shown} |")
    return "\n".join(rows)


def _type_table(summary: Mapping[str, Any], changes: Mapping[str, Any]) -> str:
    by_type: Mapping[str, Any] = summary.get("by_type", {})
    type_changes: Mapping[str, Any] = changes.get("by_type", {})
    types = list(by_type)
    if not types:
        return "## By question type\n\nNo questions."
    header = "| Figure | " + " | ".join(_cell(t) for t in types) + " |"
    rows = ["## By question type", "", header, "|---" * (len(types) + 1) + "|"]
    for spec in BREAKDOWN_FIGURES:
        cells = [_shown(spec, by_type[t], type_changes.get(t, {})) for t in types]
        rows.append(f"| {spec.label} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _shown(spec: FigureSpec, figures: Mapping[str, Any], changes: Mapping[str, Any]) -> str:
    return format_with_delta(spec.value_in(figures), spec.value_in(changes), spec.unit)


def _worst_misses(results: Sequence[QuestionResult]) -> str:
    misses = sorted(
        (r for r in results if r.answerable and not r.correct),
        key=lambda r: (r.token_f1 or 0.0, r.recall_at_k or 0.0, r.id),
    )
    title = f"## Worst misses ({min(len(misses), MAX_MISSES)} of {len(misses)})"
    if not misses:
        return f"{title}\n\nEvery answerable question was answered with a gold answer."
    blocks = [title, "Answerable questions not answered with a gold answer, lowest F1 first."]
    blocks.extend(_miss(rank, r) for rank, r in enumerate(misses[:MAX_MISSES], start=1))
    return "\n\n".join(blocks)


def _miss(rank: int, result: QuestionResult) -> str:
    answer = "(abstained) " if result.abstained else ""
    answer += _clip(result.answer) or "(empty)"
    f1 = "n/a" if result.token_f1 is None else f"{result.token_f1:.3f}"
    lines = [
        f"### {rank}. {result.id}: {_clip(result.question)}",
        "",
        "- Gold: " + " | ".join(f'"{_clip(g)}"' for g in result.golds),
        f"- Answer: {answer}",
        f"- Short answer: {_short_answer_note(result)}",
        f"- Token F1: {f1}; {_retrieval_note(result)}",
        "- Citations:" + ("" if result.citations else " none"),
    ]
    lines.extend(f"  - {_citation_line(c)}" for c in result.citations)
    return "\n".join(lines)


def _short_answer_note(result: QuestionResult) -> str:
    if result.short_answer is None:
        return "none"
    validity = "" if result.short_answer_valid else " (invalid: not verbatim at its offsets)"
    return f'"{_clip(result.short_answer)}"{validity}'


def _retrieval_note(result: QuestionResult) -> str:
    sources = ", ".join(result.gold_sources) or "none"
    if result.first_gold_rank is None:
        return f"gold sources ({sources}) not in the top {result.k}"
    return f"first gold source ({sources}) at rank {result.first_gold_rank}"


def _citation_line(citation: CitationCheck) -> str:
    validity = "" if citation.valid else " (invalid: not verbatim in its article)"
    number = "?" if citation.n is None else str(citation.n)
    return f'[{number}] {citation.source}: "{_clip(citation.quote)}"{validity}'


def _abstention_mistakes(results: Sequence[QuestionResult]) -> str:
    answered = [r for r in results if not r.answerable and not r.abstained]
    withheld = [r for r in results if r.answerable and r.abstained]
    lines = ["## Abstention mistakes", ""]
    lines.append(f"### Answered although unanswerable ({len(answered)})")
    lines.append("")
    lines.extend(
        f'- {r.id}: {_clip(r.question)} Answer: "{_clip(r.answer)}"'
        for r in answered[:MAX_ABSTENTION_MISTAKES]
    )
    lines.extend(["- none"] if not answered else [])
    lines.extend(["", f"### Abstained although answerable ({len(withheld)})", ""])
    lines.extend(
        f"- {r.id}: {_clip(r.question)} Gold: " + " | ".join(f'"{g}"' for g in r.golds)
        for r in withheld[:MAX_ABSTENTION_MISTAKES]
    )
    lines.extend(["- none"] if not withheld else [])
    return "\n".join(lines)


def _definitions() -> str:
    lines = ["## Definitions", ""]
    lines.extend(f"- **{spec.label}**: {spec.definition}" for spec in ALL_FIGURES)
    lines.extend(["", NORMALIZATION_NOTE])
    return "\n".join(lines)


def _clip(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_TEXT_CHARS else flat[: MAX_TEXT_CHARS - 1] + "…"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
