"""Which tokens answer a 'how many', 'when' or 'on what date' question."""

from __future__ import annotations

import pytest

from service.answer_types import expected_answer_type, expected_unit, has_answer_type, in_unit

HOW_MANY = "How many troops are still in Afghanistan?"


@pytest.mark.parametrize(
    "sentence",
    [
        "About 2,600 drivers took part in the walkout.",
        "The joint patrol force will have 600 officers.",
        "The bank kept its main rate at 4.25%.",
        "Historically recognized Muslim empires number in the dozens.",
        "Two countries signed it.",
    ],
)
def test_counts_and_amounts_answer_how_many(sentence: str) -> None:
    assert has_answer_type(sentence, HOW_MANY, "number")


@pytest.mark.parametrize(
    "sentence",
    [
        "The talks were held in Moscow in 2019.",  # a year
        "Moscow [Russia], July 2 (ANI): the advisers met.",  # a day of a month
        "The general said on May 7th that the attack was planned.",
        "The two sides conferred on the war against terrorism.",  # points back, counts nothing
        "Both countries agreed to cooperate.",
    ],
)
def test_years_days_and_referring_numbers_do_not(sentence: str) -> None:
    assert not has_answer_type(sentence, HOW_MANY, "number")


def test_a_number_the_question_already_states_is_not_an_answer() -> None:
    question = "How many of the 600 officers come from Calmora?"
    assert not has_answer_type("The force will have 600 officers.", question, "number")
    assert has_answer_type("The force has 600 officers, 300 from each country.", question, "number")


def test_a_day_needs_a_weekday_or_a_month_with_its_day() -> None:
    question = "On what date did they issue the statement?"
    assert has_answer_type("They issued it on Monday, May 13.", question, "day")
    assert has_answer_type("It was published on 2 February.", question, "day")
    assert not has_answer_type("It was published in February 2024.", question, "day")


def test_when_takes_a_year_or_a_month() -> None:
    question = "When will the tender open?"
    assert has_answer_type("A tender will open in September.", question, "date")
    assert has_answer_type("A tender will open in 2025.", question, "date")
    assert not has_answer_type("A tender will open soon.", question, "date")


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("What is the minimum age for users on TikTok?", "number"),
        ("What could soon be the minimum age for social media users in Australia?", "number"),
        ("What is the traditional retirement age in the US?", "number"),
        ("What age group was hit hardest?", "age"),
        ("How old is Quincy Wilson?", "age"),
        ("What is the Stone Age?", None),
        ("What was the final score of the game?", "number"),
        ("What is the starting price of the Cyberbeast?", "number"),
        ("What is the total value of the terminal agreement?", "number"),
        ("What pay increase did the tram drivers win?", "number"),
        ("What pay rise did the nurses accept?", "number"),
        ("Which company won the tender?", None),
    ],
)
def test_an_age_limit_a_score_or_a_price_is_asked_as_a_number(
    question: str, kind: str | None
) -> None:
    # "13", not "13-year-old": a limit is written as a bare number.
    assert expected_answer_type(question) == kind


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("How much was Donald Trump fined Tuesday for violating his gag order?", "money"),
        ("Insulin makers will sell their products at what price?", "money"),
        ("What is the average price for a 16-pound turkey this year?", "money"),
        ("How much is a gold bar worth in the US?", "money"),
        ("What percentage of voters backed the measure?", "percent"),
        ("What was the final score of the game?", "score"),
        ("The bill passed the House by how much?", None),  # a tally, not money
        ("How many electoral votes are needed to win?", None),
        ("Who set the price of insulin?", None),  # no number asked
    ],
)
def test_the_unit_a_number_is_asked_in(question: str, unit: str | None) -> None:
    assert expected_unit(question) == unit


def test_a_span_is_in_a_unit_only_when_written_so() -> None:
    assert in_unit("$9,000", "money") and in_unit("5 million dollars", "money")
    assert not in_unit("nine", "money") and not in_unit("70%", "money")
    assert in_unit("70%", "percent") and in_unit("12 percent", "percent")
    assert in_unit("84-82", "score") and not in_unit("21", "score")
