"""Eval metrics give the hand-computed values on small, known cases."""

from __future__ import annotations

import math

import pytest

from eval.metrics import (
    abstention_scores,
    citation_precision,
    citation_recall,
    citation_valid,
    dedupe_ranking,
    exact_match,
    first_gold_rank,
    gold_contained,
    hit_at_k,
    ndcg_at_k,
    normalize_answer,
    percentile,
    recall_at_k,
    reciprocal_rank,
    short_answer_valid,
    source_matches,
    token_f1,
    wrong_among_verified,
)

ARTICLE = "Atmar met Lavrov in Moscow on Friday. They talked about trade."


def cite(quote: str, start: int, end: int, source: str = "a.txt") -> dict[str, object]:
    return {
        "n": 1,
        "document_id": "d1",
        "source": source,
        "quote": quote,
        "start": start,
        "end": end,
    }


# --- answers ---


def test_normalization_lowercases_and_drops_punctuation_articles_and_extra_spaces() -> None:
    assert normalize_answer("  The Cat,  sat on AN old mat! ") == "cat sat on old mat"


def test_typographic_punctuation_is_dropped_like_ascii_punctuation() -> None:
    assert normalize_answer("Wendy’s “Shōgun” — 2024") == normalize_answer('Wendy\'s "Shōgun" 2024')
    assert gold_contained("Parkinson’s disease [1].", ["Parkinson's"])


def test_normalization_keeps_articles_inside_words() -> None:
    assert normalize_answer("Theatre and anthem") == "theatre and anthem"


def test_token_f1_of_the_cat_sat_against_cat_sat_down_is_four_fifths() -> None:
    assert token_f1("the cat sat", ["cat sat down"]) == pytest.approx(0.8)


def test_token_f1_takes_the_best_gold_answer() -> None:
    assert token_f1("Nicholson", ["John Nicholson", "Nicholson"]) == 1.0
    assert token_f1("John", ["John Nicholson"]) == pytest.approx(2 / 3)


def test_token_f1_counts_repeated_tokens_once_per_occurrence() -> None:
    assert token_f1("port port deal", ["port deal"]) == pytest.approx(0.8)


def test_token_f1_is_zero_without_common_tokens_or_without_golds() -> None:
    assert token_f1("Moscow", ["Kabul"]) == 0.0
    assert token_f1("Moscow", []) == 0.0
    assert token_f1("", ["Kabul"]) == 0.0


def test_exact_match_ignores_case_punctuation_and_articles() -> None:
    assert exact_match("The Green Coast Party.", ["green coast party"]) == 1.0
    assert exact_match("Green Coast", ["Green Coast Party"]) == 0.0
    assert exact_match("anything", []) == 0.0


def test_gold_contained_finds_a_gold_answer_as_whole_words() -> None:
    assert gold_contained("Imre Dascal heads the company [1].", ["imre dascal"]) is True
    assert gold_contained("The value was 1.8 billion veldars.", ["2.4 million", "1.8 billion"])


def test_gold_contained_does_not_find_a_number_inside_another() -> None:
    assert gold_contained("It happened in 1942.", ["4"]) is False


def test_gold_contained_is_false_without_golds_or_when_a_gold_normalizes_to_nothing() -> None:
    assert gold_contained("The articles don't say.", []) is False
    assert gold_contained("the", ["The"]) is False


# --- retrieval ---


@pytest.mark.parametrize(
    ("retrieved", "gold", "expected"),
    [
        ("a.txt", "a.txt", True),
        ("a.txt", "a", True),
        ("news/2024/a.txt", "a.txt", True),
        ("news/2024/a.txt", "2024/a.txt", True),
        ("news/2024/a.txt", "a", True),
        ("news/ba.txt", "a.txt", False),
        ("news/ba.txt", "a", False),
        ("a.txt", "b.txt", False),
        ("a.txt", "", False),
        ("wire.jsonl#1", "wire.jsonl#1", True),
        ("wire.jsonl#1", "wire.jsonl#2", False),
        ("wire.jsonl#1", "wire.jsonl", True),
        ("wire.jsonl#1", "wire", True),
        ("wire.jsonl#1", "wire#1", True),
        ("feeds/wire.jsonl#12", "wire.jsonl#12", True),
        ("report.v2.md", "report.v2", True),
        ("news\\a.txt", "a.txt", True),
    ],
)
def test_a_gold_source_matches_its_path_stem_or_path_suffix(
    retrieved: str, gold: str, expected: bool
) -> None:
    assert source_matches(retrieved, gold) is expected


def test_a_document_retrieved_twice_counts_once_at_its_first_rank() -> None:
    assert dedupe_ranking(["a", "b", "a", "c"]) == ["a", "b", "c"]
    assert reciprocal_rank(["a", "b", "a", "c"], ["c"]) == pytest.approx(1 / 3)
    assert first_gold_rank(["a", "b", "a", "c"], ["c"], k=3) == 3


def test_hit_at_k_counts_distinct_documents_toward_k() -> None:
    ranking = ["a", "b", "a", "c"]
    assert hit_at_k(ranking, ["c"], k=2) == 0.0
    assert hit_at_k(ranking, ["c"], k=3) == 1.0


def test_recall_at_k_is_the_share_of_gold_sources_in_the_top_k() -> None:
    ranking = ["a.txt", "b.txt", "c.txt"]
    assert recall_at_k(ranking, ["c", "d"], k=2) == 0.0
    assert recall_at_k(ranking, ["c", "d"], k=3) == 0.5
    assert recall_at_k(ranking, ["a", "c", "a"], k=3) == 1.0


def test_reciprocal_rank_is_zero_when_no_gold_source_is_retrieved() -> None:
    assert reciprocal_rank(["a", "b"], ["z"]) == 0.0
    assert reciprocal_rank([], ["z"]) == 0.0


def test_ndcg_matches_the_hand_computed_value() -> None:
    # Distinct ranking x, g1, y, g2: gains at ranks 2 and 4; the ideal puts both golds first.
    expected = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(["x", "g1", "x", "y", "g2"], ["g1", "g2"], k=4) == pytest.approx(expected)
    assert expected == pytest.approx(0.6509209298)


def test_ndcg_is_one_for_a_perfect_ranking_and_zero_for_a_miss() -> None:
    assert ndcg_at_k(["g1", "g2", "x"], ["g2", "g1"], k=3) == pytest.approx(1.0)
    assert ndcg_at_k(["x", "y"], ["g1"], k=2) == 0.0


def test_a_second_record_of_a_gold_file_earns_nothing_more() -> None:
    ranking = ["wire.jsonl#1", "wire.jsonl#2"]
    assert ndcg_at_k(ranking, ["wire.jsonl"], k=2) == pytest.approx(1.0)
    assert ndcg_at_k(["x", *ranking], ["wire.jsonl"], k=3) == pytest.approx(1 / math.log2(3))


def test_retrieval_figures_do_not_apply_without_gold_sources() -> None:
    ranking = ["a", "b"]
    assert hit_at_k(ranking, [], k=2) is None
    assert recall_at_k(ranking, [], k=2) is None
    assert reciprocal_rank(ranking, []) is None
    assert ndcg_at_k(ranking, [], k=2) is None
    assert first_gold_rank(ranking, [], k=2) is None


def test_k_below_one_is_refused_with_a_hint() -> None:
    with pytest.raises(ValueError, match="k must be at least 1, got 0"):
        hit_at_k(["a"], ["a"], k=0)


# --- citations ---


def test_a_citation_whose_quote_slices_back_from_its_article_is_valid() -> None:
    assert citation_valid(cite("Atmar met Lavrov", 0, 16), ARTICLE) is True


def test_a_citation_whose_quote_differs_from_the_article_slice_is_invalid() -> None:
    assert citation_valid(cite("Atmar met Putin", 0, 15), ARTICLE) is False
    assert citation_valid(cite("Atmar met Lavrov", 1, 17), ARTICLE) is False


def test_a_citation_to_a_missing_article_is_invalid() -> None:
    assert citation_valid(cite("Atmar met Lavrov", 0, 16), None) is False


def test_a_citation_needs_a_non_empty_quote_and_integer_offsets_inside_the_article() -> None:
    assert citation_valid(cite("", 0, 0), ARTICLE) is False
    assert citation_valid(cite("trade.", 56, 62), ARTICLE) is True
    assert citation_valid(cite("trade.", 56, 63), ARTICLE) is False
    assert citation_valid(cite("trade.", -1, 62), ARTICLE) is False
    assert citation_valid({"quote": "Atmar", "start": "0", "end": 5}, ARTICLE) is False
    assert citation_valid({"quote": "Atmar"}, ARTICLE) is False


def test_citation_precision_counts_quotes_with_a_gold_answer_or_from_a_gold_source() -> None:
    citations = [
        cite("Atmar met Lavrov in Moscow", 0, 26, source="other.txt"),  # holds the answer
        cite("They talked about trade.", 38, 62, source="news/gold.txt"),  # gold source
        cite("They talked about trade.", 38, 62, source="other.txt"),  # neither
    ]
    assert citation_precision(citations, ["Lavrov"], ["gold.txt"]) == pytest.approx(2 / 3)


def test_citation_precision_does_not_apply_without_citations() -> None:
    assert citation_precision([], ["Lavrov"], ["gold.txt"]) is None


def test_citation_recall_is_the_share_of_gold_sources_cited() -> None:
    citations = [cite("x", 0, 1, source="news/a.txt"), cite("y", 1, 2, source="news/a.txt")]
    assert citation_recall(citations, ["a.txt", "b.txt"]) == 0.5
    assert citation_recall([], ["a.txt"]) == 0.0
    assert citation_recall(citations, []) is None


# --- abstention ---


def test_abstention_scores_on_a_four_question_table() -> None:
    rows = [
        {"answerable": True, "abstained": False, "gold_contained": True},  # right answer
        {"answerable": True, "abstained": False, "gold_contained": False},  # wrong answer
        {"answerable": True, "abstained": True, "gold_contained": False},  # needless abstention
        {"answerable": False, "abstained": True, "gold_contained": False},  # right abstention
    ]
    assert abstention_scores(rows) == {
        "precision": 0.5,
        "recall": 1.0,
        "answered_wrong_rate": pytest.approx(1 / 3),
        "false_abstention_rate": pytest.approx(1 / 3),
    }


def test_abstention_recall_counts_answered_unanswerable_questions_as_misses() -> None:
    rows = [
        {"answerable": False, "abstained": True, "gold_contained": False},
        {"answerable": False, "abstained": False, "gold_contained": False},
    ]
    assert abstention_scores(rows) == {
        "precision": 1.0,
        "recall": 0.5,
        "answered_wrong_rate": None,
        "false_abstention_rate": None,
    }


def test_abstention_scores_are_none_when_their_denominators_are_zero() -> None:
    rows = [{"answerable": True, "abstained": False, "gold_contained": True}]
    assert abstention_scores(rows) == {
        "precision": None,
        "recall": None,
        "answered_wrong_rate": 0.0,
        "false_abstention_rate": 0.0,
    }


def test_an_abstention_row_without_booleans_is_refused() -> None:
    with pytest.raises(ValueError, match="boolean 'abstained'"):
        abstention_scores([{"answerable": True, "abstained": "no", "gold_contained": False}])


def test_the_false_abstention_rate_is_the_share_of_answerable_questions_abstained_on() -> None:
    rows = [
        {"answerable": True, "abstained": True, "gold_contained": False},
        {"answerable": True, "abstained": True, "gold_contained": False},
        {"answerable": True, "abstained": False, "gold_contained": True},
        {"answerable": True, "abstained": False, "gold_contained": False},
        {"answerable": False, "abstained": True, "gold_contained": False},  # not counted
    ]
    assert abstention_scores(rows)["false_abstention_rate"] == 0.5


# --- short answers and grounding ---

# "Lavrov" is ARTICLE[10:16]; the short answer cites the answer's citation number 2.
SHORT_CITATIONS = [
    {**cite("They talked about trade.", 38, 62), "n": 1, "document_id": "d2"},
    {**cite("Atmar met Lavrov", 0, 16), "n": 2, "document_id": "d1"},
]
SHORT_ARTICLES = {"d1": ARTICLE, "d2": "Another article."}


def short(text: str, citation: object, start: object, end: object) -> dict[str, object]:
    return {"text": text, "citation": citation, "start": start, "end": end}


def test_a_short_answer_that_slices_back_from_its_cited_article_is_valid() -> None:
    assert short_answer_valid(short("Lavrov", 2, 10, 16), SHORT_CITATIONS, SHORT_ARTICLES)


def test_a_short_answer_is_checked_against_the_article_of_the_citation_it_names() -> None:
    # Right offsets in d1, but citation 1 is of d2, where [10:16] is not "Lavrov".
    assert not short_answer_valid(short("Lavrov", 1, 10, 16), SHORT_CITATIONS, SHORT_ARTICLES)


def test_a_short_answer_naming_no_citation_of_the_answer_is_invalid() -> None:
    assert not short_answer_valid(short("Lavrov", 3, 10, 16), SHORT_CITATIONS, SHORT_ARTICLES)
    assert not short_answer_valid(short("Lavrov", None, 10, 16), SHORT_CITATIONS, SHORT_ARTICLES)
    assert not short_answer_valid(short("Lavrov", True, 10, 16), SHORT_CITATIONS, SHORT_ARTICLES)
    assert not short_answer_valid(short("Lavrov", 2, 10, 16), SHORT_CITATIONS, {})


def test_a_short_answer_needs_its_text_at_integer_offsets_inside_the_article() -> None:
    assert not short_answer_valid(short("Lavrov", 2, 11, 17), SHORT_CITATIONS, SHORT_ARTICLES)
    assert not short_answer_valid(short("Lavrov", 2, "10", 16), SHORT_CITATIONS, SHORT_ARTICLES)
    assert not short_answer_valid(short("", 2, 10, 10), SHORT_CITATIONS, SHORT_ARTICLES)
    assert not short_answer_valid(short("x", 2, 100, 101), SHORT_CITATIONS, SHORT_ARTICLES)


def outcome(
    answerable: bool, abstained: bool, contained: bool, grounding: str
) -> dict[str, object]:
    return {
        "answerable": answerable,
        "abstained": abstained,
        "gold_contained": contained,
        "grounding": grounding,
    }


def test_wrong_among_verified_counts_only_verified_answers() -> None:
    rows = [
        outcome(True, False, True, "verified"),  # right
        outcome(True, False, False, "verified"),  # wrong: no gold in it
        outcome(False, False, False, "verified"),  # wrong: nothing to answer
        outcome(True, False, True, "verified"),  # right
        outcome(True, False, False, "extractive"),  # not verified
        outcome(True, False, False, "metadata"),  # not verified
        outcome(False, True, False, "abstained"),  # abstained
    ]
    assert wrong_among_verified(rows) == 0.5


def test_wrong_among_verified_is_none_without_a_verified_answer() -> None:
    rows = [outcome(True, False, False, "extractive"), outcome(True, True, False, "abstained")]
    assert wrong_among_verified(rows) is None
    assert wrong_among_verified([]) is None


# --- percentiles ---


def test_percentile_interpolates_linearly_between_ranks() -> None:
    values = [4.0, 1.0, 3.0, 2.0]
    assert percentile(values, 50) == 2.5
    assert percentile(values, 95) == pytest.approx(3.85)
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 4.0
    assert percentile([7.0], 95) == 7.0


def test_percentile_of_nothing_is_none_and_out_of_range_p_is_refused() -> None:
    assert percentile([], 50) is None
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentile([1.0], 101)
