"""Scoring turns a gold question and the service's JSON answer into known per-question figures."""

from __future__ import annotations

from typing import Any

import pytest

from eval.gold import GoldQuestion
from eval.scoring import (
    SUMMARY_SCHEMA,
    QuestionResult,
    score_question,
    strip_citation_markers,
    summarize,
)

K = 3
ARTICLES = {
    "d1": "Sarvek is run by Imre Dascal. The deal was worth 1.8 billion veldars.",
    "d2": "The tram strike in Harnau ended on Monday.",
}
GOLDS = (
    GoldQuestion("q1", "Who runs Sarvek?", ("Imre Dascal",), ("a.txt",), "single"),
    GoldQuestion("q2", "What was the deal worth?", ("1.8 billion",), ("b.txt",), "single"),
    GoldQuestion("q3", "How old is Dascal?", (), (), "unanswerable"),
)


def service_answer(
    text: str,
    citations: list[dict[str, Any]],
    timings: dict[str, float | None],
    *,
    abstained: bool = False,
) -> dict[str, Any]:
    """An answer in the shape of the service's JSON (Answer.to_json())."""
    return {
        "question": "",
        "answer": text,
        "abstained": abstained,
        "grounding": "abstained" if abstained else "verified",
        "citations": citations,
        "related": [],
        "backend": "extractive",
        "model": "none",
        "timings_ms": timings,
    }


def citation(n: int, source: str, quote: str, start: int, end: int) -> dict[str, Any]:
    return {
        "n": n,
        "document_id": "d1",
        "source": source,
        "title": None,
        "published": None,
        "quote": quote,
        "start": start,
        "end": end,
        "score": 0.5,
    }


def sample_results() -> list[QuestionResult]:
    """Three scored questions: a right answer, a wrong one, and a right abstention."""
    right = service_answer(
        "Imre Dascal runs Sarvek [1].",
        [citation(1, "news/a.txt", "Sarvek is run by Imre Dascal", 0, 28)],
        {"retrieval": 10.0, "first_token": 50.0, "total": 100.0},
    )
    wrong = service_answer(
        "2 billion [1]",
        [citation(1, "news/a.txt", "Sarvek is run by", 0, 10)],  # quote != article[0:10]
        {"retrieval": 20.0, "first_token": None, "total": 300.0},
    )
    abstention = service_answer(
        "The articles don't say.",
        [],
        {"retrieval": 30.0, "first_token": None, "total": 200.0},
        abstained=True,
    )
    rankings = (
        ["news/a.txt", "news/b.txt", "news/a.txt"],
        ["news/a.txt", "news/c.txt", "news/a.txt", "news/b.txt"],
        ["news/b.txt"],
    )
    answers = (right, wrong, abstention)
    return [
        score_question(gold, answer, ranking, ARTICLES, K)
        for gold, answer, ranking in zip(GOLDS, answers, rankings, strict=True)
    ]


def test_a_right_answer_scores_its_retrieval_answer_and_citations() -> None:
    result = sample_results()[0]
    assert (result.first_gold_rank, result.hit_at_k, result.recall_at_k) == (1, 1.0, 1.0)
    assert (result.reciprocal_rank, result.ndcg_at_k) == (1.0, 1.0)
    assert result.exact_match == 0.0
    assert result.token_f1 == pytest.approx(2 / 3)
    assert result.gold_contained is True
    assert [c.valid for c in result.citations] == [True]
    assert (result.citation_validity, result.citation_precision, result.citation_recall) == (
        1.0,
        1.0,
        1.0,
    )
    assert (result.correct, result.backend, result.grounding) == (True, "extractive", "verified")


def test_a_wrong_answer_with_a_non_verbatim_citation_scores_low() -> None:
    result = sample_results()[1]
    assert result.first_gold_rank == 3
    assert result.reciprocal_rank == pytest.approx(1 / 3)
    assert result.ndcg_at_k == pytest.approx(0.5)
    assert (result.exact_match, result.token_f1, result.gold_contained) == (0.0, 0.5, False)
    assert [c.valid for c in result.citations] == [False]
    assert (result.citation_validity, result.citation_precision, result.citation_recall) == (
        0.0,
        0.0,
        0.0,
    )
    assert result.correct is False


def test_an_abstention_on_an_unanswerable_question_is_correct_and_has_no_other_figures() -> None:
    result = sample_results()[2]
    assert result.correct is True
    figures = (result.hit_at_k, result.reciprocal_rank, result.token_f1, result.gold_contained)
    assert figures == (None, None, None, None)
    assert (result.citation_validity, result.citation_precision, result.citation_recall) == (
        None,
        None,
        None,
    )


def test_latencies_are_copied_from_the_answer_timings() -> None:
    latencies = [
        (r.latency_retrieval_ms, r.latency_first_token_ms, r.latency_total_ms)
        for r in sample_results()
    ]
    assert latencies == [(10.0, 50.0, 100.0), (20.0, None, 300.0), (30.0, None, 200.0)]


def test_an_abstention_on_an_answerable_question_scores_as_the_empty_answer() -> None:
    gold = GoldQuestion("q", "Who?", ("Imre Dascal",), ("a.txt",), "single")
    answer = service_answer(
        "Imre Dascal may be it, but the articles don't say.",
        [],
        {"retrieval": 1.0, "first_token": None, "total": 2.0},
        abstained=True,
    )
    result = score_question(gold, answer, [], ARTICLES, K)
    assert (result.exact_match, result.token_f1, result.gold_contained) == (0.0, 0.0, False)
    assert (result.first_gold_rank, result.hit_at_k, result.correct) == (None, 0.0, False)


def test_citation_markers_are_not_words_of_the_answer() -> None:
    assert strip_citation_markers("Imre Dascal [1] runs it [1, 2].") == "Imre Dascal runs it ."


def test_an_answer_of_the_wrong_shape_is_refused_with_a_hint() -> None:
    with pytest.raises(ValueError, match=r"answer\['abstained'\] must be a bool.*Answer.to_json"):
        score_question(GOLDS[0], {"answer": "x", "citations": []}, [], ARTICLES, K)


def test_the_summary_averages_each_figure_over_the_questions_it_applies_to() -> None:
    summary = summarize(sample_results())
    assert summary["schema"] == SUMMARY_SCHEMA
    assert (summary["k"], summary["backends"], summary["models"]) == (3, ["extractive"], ["none"])
    assert summary["counts"] == {
        "questions": 3,
        "answerable": 2,
        "unanswerable": 1,
        "abstained": 1,
        "correct": 2,
        "citations": 2,
    }
    assert summary["retrieval"] == {
        "hit_at_k": 1.0,
        "recall_at_k": 1.0,
        "mrr": pytest.approx(2 / 3),
        "ndcg_at_k": pytest.approx(0.75),
    }
    assert summary["answers"] == {
        "exact_match": 0.0,
        "token_f1": pytest.approx(7 / 12),
        "gold_contained": 0.5,
    }
    assert summary["citations"] == {"validity": 0.5, "precision": 0.5, "recall": 0.5}
    assert summary["abstention"] == {"precision": 1.0, "recall": 1.0, "answered_wrong_rate": 0.5}


def test_the_summary_gives_latency_percentiles_of_the_recorded_timings() -> None:
    assert summarize(sample_results())["latency_ms"] == {
        "retrieval_p50": 20.0,
        "retrieval_p95": pytest.approx(29.0),
        "first_token_p50": 50.0,
        "first_token_p95": 50.0,
        "total_p50": 200.0,
        "total_p95": pytest.approx(290.0),
    }


def test_the_summary_breaks_figures_down_by_question_type() -> None:
    by_type = summarize(sample_results())["by_type"]
    assert list(by_type) == ["single", "unanswerable"]
    assert by_type["single"]["counts"]["questions"] == 2
    assert by_type["single"]["retrieval"]["mrr"] == pytest.approx(2 / 3)
    assert by_type["single"]["abstention"]["recall"] is None
    assert by_type["unanswerable"]["abstention"] == {
        "precision": 1.0,
        "recall": 1.0,
        "answered_wrong_rate": None,
    }
    assert by_type["unanswerable"]["answers"]["token_f1"] is None


def test_results_scored_at_different_k_cannot_be_summarized() -> None:
    one = sample_results()[0]
    other = score_question(GOLDS[0], service_answer("x", [], {"total": 1.0}), [], ARTICLES, 5)
    with pytest.raises(ValueError, match=r"different k \(\[3, 5\]\)"):
        summarize([one, other])
