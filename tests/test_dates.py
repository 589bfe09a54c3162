"""Tests for indexer.dates: the date forms found on scraped news pages."""

from __future__ import annotations

import pytest

from indexer.dates import parse_published, read_date_only, read_dateline, split_date_label


@pytest.mark.parametrize(
    ("text", "iso", "raw"),
    [
        ("(Last Updated On: March 18, 2017)", "2017-03-18", "March 18, 2017"),
        ("Publish dateTuesday 14 May 2024 - 15:07", "2024-05-14", "Tuesday 14 May 2024"),
        ("2024-05-14", "2024-05-14", "2024-05-14"),
        ("2024-05-14T10:00:00Z", "2024-05-14", "2024-05-14T10:00:00Z"),
        ("2024-05-14T23:30:00+04:30", "2024-05-14", "2024-05-14T23:30:00+04:30"),
        ("May 14, 2024", "2024-05-14", "May 14, 2024"),
        ("14 May 2024", "2024-05-14", "14 May 2024"),
        ("Tuesday, 14 May 2024", "2024-05-14", "Tuesday, 14 May 2024"),
        ("Sept. 3rd, 2021", "2021-09-03", "Sept. 3rd, 2021"),
        ("posted 14th of May, 2024", "2024-05-14", "14th of May, 2024"),
        ("14/05/2024", "2024-05-14", "14/05/2024"),
        ("05/14/2024", "2024-05-14", "05/14/2024"),
    ],
)
def test_full_dates_are_read_in_every_common_form(text: str, iso: str, raw: str) -> None:
    assert parse_published(text) == (iso, raw)


def test_a_wire_dateline_without_a_year_gives_the_raw_date_but_no_iso_date() -> None:
    assert parse_published("Moscow [Russia], July 2 (ANI): talks were held") == (None, "July 2")


def test_an_all_numeric_date_with_both_numbers_up_to_twelve_is_left_unknown() -> None:
    # Day-first and month-first sites are mixed in the archive, so 05/06 could be May or June.
    assert parse_published("05/06/2024") == (None, "05/06/2024")


def test_an_impossible_date_keeps_its_raw_text_but_has_no_iso_date() -> None:
    assert parse_published("February 30, 2024") == (None, "February 30, 2024")


def test_the_leftmost_date_wins_and_the_longest_form_at_that_place() -> None:
    assert parse_published("March 18, 2017, revised August 20, 2019") == (
        "2017-03-18",
        "March 18, 2017",
    )


def test_text_without_a_date_gives_nothing() -> None:
    assert parse_published("Mayor meets marchers in Kabul") == (None, None)


def test_a_date_label_line_gives_its_date_and_leaves_no_text() -> None:
    assert split_date_label("Publish dateTuesday 14 May 2024 - 15:07") == (
        ("2024-05-14", "Tuesday 14 May 2024"),
        "",
    )
    assert split_date_label("Updated: May 2, 2021 at 3:45 pm GMT") == (
        ("2021-05-02", "May 2, 2021"),
        "",
    )


def test_a_bracketed_date_label_glued_to_the_article_gives_back_the_article_text() -> None:
    line = "(Last Updated On: August 20, 2019)If the United States does not pull out."
    assert split_date_label(line) == (
        ("2019-08-20", "August 20, 2019"),
        "If the United States does not pull out.",
    )


def test_a_sentence_that_starts_like_a_label_is_not_a_date_line() -> None:
    line = "Published figures show a rise of 12 percent since May 2, 2023."
    assert split_date_label(line) == (None, line)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("3 May 2024", ("2024-05-03", "3 May 2024")),
        ("September 2, 2024", ("2024-09-02", "September 2, 2024")),
        ("Published: 2024-02-16", ("2024-02-16", "2024-02-16")),
        ("May 3, 2024 at 10:00 GMT", ("2024-05-03", "May 3, 2024")),
        ("Thursday 14 May", (None, "Thursday 14 May")),
        ("Talks resume on May 3, 2024", None),
        ("(Last Updated On: May 2, 2019)The talks resumed.", None),
        ("admin", None),
    ],
)
def test_a_string_that_is_only_a_date_gives_it_and_any_other_gives_none(
    text: str, found: tuple[str | None, str] | None
) -> None:
    assert read_date_only(text) == found


@pytest.mark.parametrize(
    ("paragraph", "outlet", "found"),
    [
        ("Moscow [Russia], July 2 (ANI): Talks were held.", "ANI", (None, "July 2")),
        ("KABUL, March 3, 2021 (AP) - Roads reopened.", "AP", ("2021-03-03", "March 3, 2021")),
        ("Kabul Press Agency (KPA) - Domestic Service: Talks.", "Kabul Press Agency (KPA)", None),
        ("Kabul: The road reopened on Monday.", None, None),
    ],
)  # fmt: skip
def test_a_wire_dateline_gives_its_outlet_and_date(
    paragraph: str, outlet: str | None, found: tuple[str | None, str] | None
) -> None:
    assert read_dateline(paragraph) == (outlet, found)
