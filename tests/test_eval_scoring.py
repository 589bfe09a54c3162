"""Scoring turns a gold question and the service's JSON answer into known per-question figures."""

from __future__ import annotations

from typing import Any

import pytest

from eval.gold import GoldQuestion
from eval.scoring import (
    SUMMARY_SCHEMA,
    QuestionResult,
    answer_word_count,
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
    short_answer: dict[str, Any] | None = None,
    grounding: str = "verified",
) -> dict[str, Any]:
    """An answer in the shape of the service's JSON (Answer.to_json())."""
    return {
        "question": "",
        "answer": text,
        "abstained": abstained,
        "grounding": "abstained" if abstained else grounding,
        "short_answer": short_answer,
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


def short(text: str, n: int, start: int, end: int) -> dict[str, Any]:
    """A short answer in the shape of the service's JSON: a span of citation n's article."""
    return {"text": text, "citation": n, "start": start, "end": end}


def sample_results() -> list[QuestionResult]:
    """Three scored questions: a right answer, a wrong one, and a right abstention."""
    right = service_answer(
        "Imre Dascal runs Sarvek [1].",
        [citation(1, "news/a.txt", "Sarvek is run by Imre Dascal", 0, 28)],
        {"retrieval": 10.0, "first_token": 50.0, "total": 100.0},
        short_answer=short("Imre Dascal", 1, 17, 28),
    )
    wrong = service_answer(
        "2 billion [1]",
        [citation(1, "news/a.txt", "Sarvek is run by", 0, 10)],  # quote != article[0:10]
        {"retrieval": 20.0, "first_token": None, "total": 300.0},
        short_answer=short("2 billion", 1, 0, 9),  # not article[0:9] either
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


# --- short answers, answer length and grounding ---

DASCAL_CITATION = citation(1, "news/a.txt", "Sarvek is run by Imre Dascal", 0, 28)
TIMINGS: dict[str, float | None] = {"retrieval": 1.0, "first_token": None, "total": 2.0}


def test_an_answer_with_a_verbatim_short_answer_scores_its_text_gold_and_validity() -> None:
    result = sample_results()[0]
    assert result.short_answer == "Imre Dascal"
    assert (result.short_answer_contained, result.short_answer_valid) == (True, True)
    assert result.answer_words == 4


def test_a_short_answer_without_gold_or_off_its_offsets_scores_false() -> None:
    result = sample_results()[1]
    assert result.short_answer == "2 billion"
    assert (result.short_answer_contained, result.short_answer_valid) == (False, False)
    assert result.answer_words == 2


def test_an_answer_without_the_short_answer_key_has_no_short_answer() -> None:
    answer = service_answer("Imre Dascal runs Sarvek [1].", [DASCAL_CITATION], TIMINGS)
    del answer["short_answer"]  # an older service, or the LangChain recipe
    result = score_question(GOLDS[0], answer, ["news/a.txt"], ARTICLES, K)
    assert (result.short_answer, result.short_answer_valid) == (None, None)
    assert result.short_answer_contained is False
    assert (result.gold_contained, result.correct) == (True, True)


def test_a_null_short_answer_is_scored_as_none() -> None:
    answer = service_answer("Imre Dascal runs Sarvek [1].", [DASCAL_CITATION], TIMINGS)
    result = score_question(GOLDS[0], answer, ["news/a.txt"], ARTICLES, K)
    assert answer["short_answer"] is None
    assert (result.short_answer, result.short_answer_contained, result.short_answer_valid) == (
        None,
        False,
        None,
    )


def test_a_short_answer_citing_a_number_the_answer_lacks_is_invalid() -> None:
    answer = service_answer(
        "Imre Dascal [1].", [DASCAL_CITATION], TIMINGS, short_answer=short("Imre Dascal", 2, 17, 28)
    )
    result = score_question(GOLDS[0], answer, [], ARTICLES, K)
    assert (result.short_answer_contained, result.short_answer_valid) == (True, False)


def test_an_abstention_with_a_short_answer_does_not_count_it_as_answered() -> None:
    answer = service_answer(
        "Maybe Imre Dascal [1], but the articles don't say.",
        [DASCAL_CITATION],
        TIMINGS,
        abstained=True,
        short_answer=short("Imre Dascal", 1, 17, 28),
    )
    result = score_question(GOLDS[0], answer, [], ARTICLES, K)
    assert (result.short_answer_contained, result.short_answer_valid) == (False, True)
    assert result.answer_words == 8  # an abstention's words are counted too


def test_a_short_answer_to_an_unanswerable_question_has_no_gold_to_contain() -> None:
    answer = service_answer(
        "Imre Dascal [1].", [DASCAL_CITATION], TIMINGS, short_answer=short("Imre Dascal", 1, 17, 28)
    )
    result = score_question(GOLDS[2], answer, [], ARTICLES, K)
    assert (result.short_answer_contained, result.short_answer_valid) == (None, True)


def test_a_short_answer_of_the_wrong_shape_is_refused_with_a_hint() -> None:
    answer = service_answer("Imre Dascal [1].", [DASCAL_CITATION], TIMINGS)
    answer["short_answer"] = "Imre Dascal"
    with pytest.raises(ValueError, match=r"answer\['short_answer'\] must be null or an object"):
        score_question(GOLDS[0], answer, [], ARTICLES, K)


def test_answer_words_leave_out_citation_markers_and_lone_punctuation() -> None:
    assert answer_word_count("Imre Dascal [1] runs it [1, 2].") == 4
    assert answer_word_count("It was worth 1.8 billion veldars [2] - a record.") == 8
    assert answer_word_count("") == 0


def test_the_summary_scores_verified_answers_and_false_abstentions() -> None:
    golds = (GOLDS[0], GOLDS[0], GOLDS[0], GOLDS[1], GOLDS[2])
    answers = (
        service_answer("Imre Dascal [1].", [DASCAL_CITATION], TIMINGS),  # verified, right
        service_answer("Sarvek [1].", [DASCAL_CITATION], TIMINGS),  # verified, wrong
        service_answer("Imre Dascal [1].", [DASCAL_CITATION], TIMINGS, grounding="extractive"),
        service_answer("The articles don't say.", [], TIMINGS, abstained=True),  # false abstention
        service_answer("He is 52 [1].", [DASCAL_CITATION], TIMINGS),  # verified, unanswerable
    )
    results = [score_question(g, a, [], ARTICLES, K) for g, a in zip(golds, answers, strict=True)]
    summary = summarize(results)
    assert summary["counts"]["verified"] == 3
    assert summary["answers"]["wrong_among_verified"] == pytest.approx(2 / 3)
    assert summary["abstention"]["false_abstention_rate"] == 0.25
    assert summary["answers"]["short_answer_contained"] == 0.0  # no answer has a short one
    assert summary["answers"]["short_answer_validity"] is None
    assert summary["counts"]["short_answers"] == 0
    assert summary["answers"]["median_words"] == 2.0  # 2, 1, 2, 3 words: the abstention left out


def test_the_summary_has_no_verified_figure_without_verified_answers() -> None:
    answer = service_answer("Imre Dascal [1].", [DASCAL_CITATION], TIMINGS, grounding="metadata")
    summary = summarize([score_question(GOLDS[0], answer, [], ARTICLES, K)])
    assert (summary["counts"]["verified"], summary["answers"]["wrong_among_verified"]) == (0, None)


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
        "short_answers": 2,
        "verified": 2,
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
        "short_answer_contained": 0.5,
        "short_answer_validity": 0.5,
        "wrong_among_verified": 0.5,
        "median_words": 3.0,  # "Imre Dascal runs Sarvek" and "2 billion"; abstention left out
    }
    assert summary["citations"] == {"validity": 0.5, "precision": 0.5, "recall": 0.5}
    assert summary["abstention"] == {
        "precision": 1.0,
        "recall": 1.0,
        "answered_wrong_rate": 0.5,
        "false_abstention_rate": 0.0,
    }


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
        "false_abstention_rate": None,
    }
    assert by_type["unanswerable"]["answers"]["token_f1"] is None


def test_results_scored_at_different_k_cannot_be_summarized() -> None:
    one = sample_results()[0]
    other = score_question(GOLDS[0], service_answer("x", [], {"total": 1.0}), [], ARTICLES, 5)
    with pytest.raises(ValueError, match=r"different k \(\[3, 5\]\)"):
        summarize([one, other])
