"""Scoring: one gold question and the system's answer to it become a QuestionResult of figures.

`summarize` turns the results of a run into the nested dict written to summary.json; its figures
are means over the questions each applies to, with a breakdown per question type.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from eval import metrics
from eval.gold import GoldQuestion

SUMMARY_SCHEMA = "footnote-eval-summary/1"
LATENCY_STAGES = ("retrieval", "first_token", "total")
LATENCY_PERCENTILES = (50, 95)
# Answers carry markers such as "[1]" or "[1, 2]"; they are not words of the answer.
_CITATION_MARKER = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]")


@dataclass(frozen=True)
class CitationCheck:
    """One citation of an answer, with whether its quote is verbatim in its article."""

    n: int | None
    document_id: str
    source: str
    quote: str
    start: int | None
    end: int | None
    valid: bool


@dataclass(frozen=True)
class QuestionResult:
    """Every figure for one question; None where a figure does not apply to it."""

    id: str
    type: str
    question: str
    golds: tuple[str, ...]
    gold_sources: tuple[str, ...]
    answer: str
    answer_words: int
    abstained: bool
    grounding: str
    backend: str
    model: str
    k: int
    retrieved_sources: tuple[str, ...]
    first_gold_rank: int | None
    hit_at_k: float | None
    recall_at_k: float | None
    reciprocal_rank: float | None
    ndcg_at_k: float | None
    exact_match: float | None
    token_f1: float | None
    gold_contained: bool | None
    short_answer: str | None
    short_answer_contained: bool | None
    short_answer_valid: bool | None
    citations: tuple[CitationCheck, ...]
    citation_validity: float | None
    citation_precision: float | None
    citation_recall: float | None
    latency_retrieval_ms: float | None
    latency_first_token_ms: float | None
    latency_total_ms: float | None

    @property
    def answerable(self) -> bool:
        """Whether the gold set lists an answer for this question."""
        return bool(self.golds)

    @property
    def correct(self) -> bool:
        """Answerable: answered with a gold answer in it. Unanswerable: abstained."""
        if not self.answerable:
            return self.abstained
        return not self.abstained and bool(self.gold_contained)

    def as_dict(self) -> dict[str, Any]:
        """The result as plain JSON types, one line of results.jsonl."""
        return {**asdict(self), "answerable": self.answerable, "correct": self.correct}


def score_question(
    gold: GoldQuestion,
    answer: Mapping[str, Any],
    retrieved_sources: Sequence[str],
    articles: Mapping[str, str],
    k: int,
) -> QuestionResult:
    """Score the service's JSON answer to one gold question.

    `retrieved_sources` are the sources of the retrieved passages in rank order (repeats
    allowed); `articles` maps document ids to cleaned article text, for citation and short
    answer validity. An abstention is scored as the empty answer. A missing or null
    `short_answer` (older answers, the LangChain recipe) means the answer has none.
    """
    text = _field(answer, "answer", str)
    abstained = _field(answer, "abstained", bool)
    citations = _citations(answer)
    short = _short_answer(answer)
    prediction = "" if abstained else strip_citation_markers(text)
    sources = list(retrieved_sources)
    checks = tuple(_check_citation(c, articles) for c in citations)
    timings = _timings(answer)
    return QuestionResult(
        id=gold.id,
        type=gold.type,
        question=gold.question,
        golds=gold.answers,
        gold_sources=gold.sources,
        answer=text,
        answer_words=answer_word_count(text),
        abstained=abstained,
        grounding=str(answer.get("grounding", "")),
        backend=str(answer.get("backend", "")),
        model=str(answer.get("model", "")),
        k=k,
        retrieved_sources=tuple(sources),
        first_gold_rank=metrics.first_gold_rank(sources, gold.sources, k),
        hit_at_k=metrics.hit_at_k(sources, gold.sources, k),
        recall_at_k=metrics.recall_at_k(sources, gold.sources, k),
        reciprocal_rank=metrics.reciprocal_rank(sources, gold.sources),
        ndcg_at_k=metrics.ndcg_at_k(sources, gold.sources, k),
        exact_match=metrics.exact_match(prediction, gold.answers) if gold.answers else None,
        token_f1=metrics.token_f1(prediction, gold.answers) if gold.answers else None,
        gold_contained=metrics.gold_contained(prediction, gold.answers) if gold.answers else None,
        short_answer=None if short is None else short["text"],
        short_answer_contained=_short_answer_contained(gold, abstained, short),
        short_answer_valid=(
            # A metadata answer (byline, outlet, date) is no span of the article's text.
            None
            if short is None or short.get("field")
            else metrics.short_answer_valid(short, citations, articles)
        ),
        citations=checks,
        citation_validity=metrics.mean(float(c.valid) for c in checks),
        citation_precision=metrics.citation_precision(citations, gold.answers, gold.sources),
        citation_recall=metrics.citation_recall(citations, gold.sources),
        latency_retrieval_ms=timings["retrieval"],
        latency_first_token_ms=timings["first_token"],
        latency_total_ms=timings["total"],
    )


def strip_citation_markers(text: str) -> str:
    """The answer text without its "[n]" citation markers."""
    return " ".join(_CITATION_MARKER.sub(" ", text).split())


def answer_word_count(text: str) -> int:
    """Words of an answer: its whitespace-separated tokens with a letter or digit in them.

    So citation markers and the punctuation they leave alone ("Sarvek [1].") are not words.
    """
    tokens = strip_citation_markers(text).split()
    return sum(any(char.isalnum() for char in token) for token in tokens)


def _field(answer: Mapping[str, Any], key: str, kind: type) -> Any:
    value = answer.get(key)
    if not isinstance(value, kind):
        raise ValueError(
            f"answer[{key!r}] must be a {kind.__name__}, got {value!r}; "
            "pass the service's JSON answer (Answer.to_json())"
        )
    return value


def _citations(answer: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    citations = _field(answer, "citations", list)
    if not all(isinstance(c, Mapping) for c in citations):
        raise ValueError("answer['citations'] must be a list of objects; pass Answer.to_json()")
    return list(citations)


def _short_answer(answer: Mapping[str, Any]) -> Mapping[str, Any] | None:
    short = answer.get("short_answer")
    if short is None:
        return None
    if not isinstance(short, Mapping) or not isinstance(short.get("text"), str):
        raise ValueError(
            f"answer['short_answer'] must be null or an object with a string 'text', got "
            f"{short!r}; pass the service's JSON answer (Answer.to_json())"
        )
    return short


def _short_answer_contained(
    gold: GoldQuestion, abstained: bool, short: Mapping[str, Any] | None
) -> bool | None:
    """Gold contained in the short answer; False when there is none to check, as for an answer."""
    if not gold.answers:
        return None
    if abstained or short is None:
        return False
    return metrics.gold_contained(short["text"], gold.answers)


def _check_citation(citation: Mapping[str, Any], articles: Mapping[str, str]) -> CitationCheck:
    document_id = str(citation.get("document_id", ""))
    n, start, end = citation.get("n"), citation.get("start"), citation.get("end")
    return CitationCheck(
        n=n if isinstance(n, int) else None,
        document_id=document_id,
        source=str(citation.get("source", "")),
        quote=str(citation.get("quote", "")),
        start=start if isinstance(start, int) else None,
        end=end if isinstance(end, int) else None,
        valid=metrics.citation_valid(citation, articles.get(document_id)),
    )


def _timings(answer: Mapping[str, Any]) -> dict[str, float | None]:
    timings = answer.get("timings_ms") or {}
    if not isinstance(timings, Mapping):
        raise ValueError("answer['timings_ms'] must be an object of milliseconds")
    result: dict[str, float | None] = {}
    for stage in LATENCY_STAGES:
        value = timings.get(stage)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ValueError(f"answer['timings_ms'][{stage!r}] must be a number or null")
        result[stage] = None if value is None else float(value)
    return result


# --- summaries -----------------------------------------------------------------------------


def summarize(results: Sequence[QuestionResult]) -> dict[str, Any]:
    """Every figure of a run: means over the applicable questions, per type, latency percentiles."""
    ks = {r.k for r in results}
    if len(ks) > 1:
        raise ValueError(f"results were scored with different k ({sorted(ks)}); score at one k")
    types = sorted({r.type for r in results})
    return {
        "schema": SUMMARY_SCHEMA,
        "k": ks.pop() if ks else None,
        "backends": sorted({r.backend for r in results if r.backend}),
        "models": sorted({r.model for r in results if r.model}),
        **figures(results),
        "by_type": {t: figures([r for r in results if r.type == t]) for t in types},
    }


def figures(results: Sequence[QuestionResult]) -> dict[str, dict[str, float | int | None]]:
    """The summary's figure groups for a set of results (the whole run, or one type)."""
    return {
        "counts": {
            "questions": len(results),
            "answerable": sum(r.answerable for r in results),
            "unanswerable": sum(not r.answerable for r in results),
            "abstained": sum(r.abstained for r in results),
            "correct": sum(r.correct for r in results),
            "citations": sum(len(r.citations) for r in results),
            "short_answers": sum(r.short_answer is not None for r in results),
            "verified": sum(_verified(r) for r in results),
        },
        "retrieval": {
            "hit_at_k": metrics.mean(r.hit_at_k for r in results),
            "recall_at_k": metrics.mean(r.recall_at_k for r in results),
            "mrr": metrics.mean(r.reciprocal_rank for r in results),
            "ndcg_at_k": metrics.mean(r.ndcg_at_k for r in results),
        },
        "answers": {
            "exact_match": metrics.mean(r.exact_match for r in results),
            "token_f1": metrics.mean(r.token_f1 for r in results),
            "gold_contained": _share(r.gold_contained for r in results),
            "short_answer_contained": _share(r.short_answer_contained for r in results),
            "short_answer_validity": _share(r.short_answer_valid for r in results),
            "wrong_among_verified": metrics.wrong_among_verified(_outcome_row(r) for r in results),
            "median_words": metrics.percentile(
                [r.answer_words for r in results if not r.abstained], 50
            ),
        },
        "citations": {
            "validity": metrics.mean(r.citation_validity for r in results),
            "precision": metrics.mean(r.citation_precision for r in results),
            "recall": metrics.mean(r.citation_recall for r in results),
        },
        "abstention": metrics.abstention_scores(_outcome_row(r) for r in results),
        "latency_ms": _latency(results),
    }


def _outcome_row(result: QuestionResult) -> dict[str, object]:
    return {
        "answerable": result.answerable,
        "abstained": result.abstained,
        "gold_contained": bool(result.gold_contained),
        "grounding": result.grounding,
    }


def _verified(result: QuestionResult) -> bool:
    return not result.abstained and result.grounding == metrics.VERIFIED


def _share(flags: Iterable[bool | None]) -> float | None:
    """The share of True among the flags that apply (not None)."""
    return metrics.mean(None if flag is None else float(flag) for flag in flags)


def _latency(results: Sequence[QuestionResult]) -> dict[str, float | int | None]:
    stages = {
        "retrieval": [r.latency_retrieval_ms for r in results],
        "first_token": [r.latency_first_token_ms for r in results],
        "total": [r.latency_total_ms for r in results],
    }
    latency: dict[str, float | int | None] = {}
    for stage, values in stages.items():
        present = [v for v in values if v is not None]
        for p in LATENCY_PERCENTILES:
            latency[f"{stage}_p{p}"] = metrics.percentile(present, p)
    return latency
