"""Headlines of the week asked: a candidate they name is likelier what the news is about.

Evidence scores are set by hand here, so each case tests the rule, not the embedding model."""

from __future__ import annotations

from service.evidence import Evidence
from service.headlines import HEADLINE_WEIGHT, week_headlines, with_headline_bonus
from service.passages import Passage
from service.question import profile_question
from service.span_scoring import rank_candidates
from service.spans import SpanCandidate

WEEK = ("2024-08-02", "2024-08-09")
QUESTION = "Which streaming service raised its prices this week?"


def evidence(text: str, score: float, n: int, title: str, published: str) -> Evidence:
    found = Passage(n, f"d{n}", f"{n}.txt", title, published, None, text, 0, len(text), 1)
    return Evidence(n, found, text, 0, len(text), score=score, has_answer_type=True)


def prices_case() -> tuple[list[Evidence], list[Passage]]:
    # Two sentences alike; the better one is from an older article.
    ranked = [
        evidence(
            "Hulu raised the prices of its ad-free plans, the company said.",
            1.0,
            1,
            "Hulu raises prices for ad-free plans",
            "2023-10-12",
        ),
        evidence(
            "Disney+ raised the prices of its ad-free plans, the company said.",
            0.95,
            2,
            "Disney+ raises prices again",
            "2024-08-06",
        ),
    ]
    return ranked, [e.passage for e in ranked]


def test_the_weeks_headline_name_beats_a_slightly_better_older_sentence() -> None:
    ranked, passages = prices_case()
    profile = profile_question(QUESTION)
    # Without the week asked, the older article's sentence wins: the case is real.
    assert rank_candidates(profile, ranked, passages)[0].text == "Hulu"
    best = rank_candidates(profile, ranked, passages, week=WEEK)[0]
    assert best.text == "Disney+"
    # The bonus is prominence, not evidence of the relation: verification leaves it out.
    unnamed = rank_candidates(profile, ranked, passages)
    before = next(c for c in unnamed if c.text == "Disney+")
    assert best.prominence == round(before.prominence + HEADLINE_WEIGHT, 4)


def test_only_headlines_of_the_week_asked_count() -> None:
    _, passages = prices_case()
    assert week_headlines(passages, WEEK) == ["Disney+ raises prices again"]
    assert week_headlines(passages, ("2023-10-06", "2023-10-13")) == [
        "Hulu raises prices for ad-free plans"
    ]
    assert week_headlines(passages, None) == []


def test_a_sites_name_after_a_bar_is_no_part_of_the_headline() -> None:
    site = evidence("CNN reported it.", 1.0, 1, "Disney+ raises prices | CNN Business", WEEK[1])
    assert week_headlines([site.passage], WEEK) == ["Disney+ raises prices"]
    scored = with_headline_bonus([candidate("CNN"), candidate("Disney+")], [site.passage], WEEK)
    assert [c.score for c in scored] == [1.0, 1.2]


def candidate(text: str) -> SpanCandidate:
    sentence = evidence(f"{text} was named.", 1.0, 1, "Title", "2024-08-06")
    return SpanCandidate(text, sentence, 0, len(text), "name", 1.0, 1)


def test_a_longer_name_holding_the_headlines_name_whole_gets_the_bonus_too() -> None:
    headline = evidence("Tests are free.", 1.0, 1, "COVID tests are free again", "2024-08-06")
    texts = ["COVID-19", "COVID", "tests", "CDC", "COVIDs"]
    scored = with_headline_bonus([candidate(t) for t in texts], [headline.passage], WEEK)
    bonus = {c.text: round(c.score - 1.0, 4) for c in scored}
    # Whole words as written: "COVIDs" holds no whole "COVID"; "CDC" is in no headline.
    assert bonus == {"COVID-19": 0.2, "COVID": 0.2, "tests": 0.2, "CDC": 0.0, "COVIDs": 0.0}
    assert [c.text for c in scored] == texts  # the order is the caller's to change
