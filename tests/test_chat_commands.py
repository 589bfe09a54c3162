"""parse_command: what each typed line means; merged_filters: how /filter changes the filters."""

from __future__ import annotations

import pytest

from service.chat.commands import (
    Ask,
    ClearFilters,
    Invalid,
    OpenSource,
    Quit,
    Reset,
    SetFilters,
    ShowFilters,
    ShowHelp,
    ShowSources,
    UseBackend,
    merged_filters,
    parse_command,
)
from service.errors import InvalidRequest
from service.retrieval import SearchFilters


@pytest.mark.parametrize("line", ["", "   ", "\n", "\t \n"])
def test_a_blank_line_means_nothing(line: str) -> None:
    assert parse_command(line) is None


def test_a_line_without_a_slash_is_a_question_without_its_surrounding_space() -> None:
    assert parse_command("  Who is Matthis Loor? \n") == Ask("Who is Matthis Loor?")


@pytest.mark.parametrize(
    ("line", "command"),
    [
        ("/help", ShowHelp()),
        ("/?", ShowHelp()),
        ("/sources", ShowSources()),
        ("/SOURCES", ShowSources()),
        ("/open 2", OpenSource(2)),
        ("/open   12 ", OpenSource(12)),
        ("/filter", ShowFilters()),
        ("/filter clear", ClearFilters()),
        ("/filter CLEAR", ClearFilters()),
        ("/backend", UseBackend()),
        ("/backend extractive", UseBackend("extractive")),
        ("/backend LlamaCpp", UseBackend("llamacpp")),
        ("/backend ollama", UseBackend("ollama")),
        ("/reset", Reset()),
        ("/quit", Quit()),
        ("/exit", Quit()),
    ],
)
def test_each_command_parses_to_its_meaning(line: str, command: object) -> None:
    assert parse_command(line) == command


def test_a_filter_line_sets_dates_and_sources() -> None:
    assert parse_command("/filter from=2017-01-01 to=2024-12-31 source=a.txt") == SetFilters(
        published_from="2017-01-01", published_to="2024-12-31", sources=("a.txt",)
    )


def test_a_filter_line_sets_the_day_asked_on_and_clears_it_back_to_today() -> None:
    assert parse_command("/filter as_of=2024-02-18") == SetFilters(as_of="2024-02-18")
    assert parse_command("/filter as-of=2024-02-18") == SetFilters(as_of="2024-02-18")
    current = SearchFilters(sources=("a.txt",))
    asked = merged_filters(current, SetFilters(as_of="2024-02-18"))
    assert asked == SearchFilters(sources=("a.txt",), as_of="2024-02-18")
    assert merged_filters(asked, SetFilters(as_of="")) == current
    assert merged_filters(asked, SetFilters(published_to="2025-01-01")).as_of == "2024-02-18"


def test_sources_may_repeat_be_comma_separated_or_quoted_with_spaces() -> None:
    parsed = parse_command('/filter source=a.txt,b.md source="Veldria Times"')
    assert parsed == SetFilters(sources=("a.txt", "b.md", "Veldria Times"))


def test_a_filter_left_out_is_unchanged_and_an_empty_one_is_removed() -> None:
    assert parse_command("/filter to=") == SetFilters(published_to="")
    assert parse_command("/filter source=") == SetFilters(sources=())


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("/open", "usage: /open N"),
        ("/open two", "usage: /open N"),
        ("/open 0", "usage: /open N"),
        ("/open -1", "usage: /open N"),
        ("/backend gpt-9", "choose one of llamacpp, ollama, extractive"),
        ("/filter from=2017", "from=2017 is not a date; write it as YYYY-MM-DD"),
        ("/filter to=2017-02-30", "to=2017-02-30 is not a date"),
        ("/filter as_of=18/02/2024", "as_of=18/02/2024 is not a date"),
        ("/filter after=2017-01-01", "unknown filter 'after'"),
        ("/filter 2017-01-01", "is not key=value"),
        ('/filter source="Veldria', "cannot read the filter"),
        ("/frobnicate", "unknown command /frobnicate; type /help"),
    ],
)
def test_a_malformed_command_says_what_to_type_instead(line: str, says: str) -> None:
    parsed = parse_command(line)
    assert isinstance(parsed, Invalid)
    assert says in parsed.message


def test_merging_replaces_only_the_filters_named() -> None:
    current = SearchFilters("2017-01-01", "2018-01-01", ("a.txt",))
    assert merged_filters(current, SetFilters(published_to="2019-06-30")) == SearchFilters(
        "2017-01-01", "2019-06-30", ("a.txt",)
    )
    assert merged_filters(current, SetFilters(published_from="", sources=())) == SearchFilters(
        None, "2018-01-01", ()
    )


def test_merging_refuses_a_start_after_the_end() -> None:
    current = SearchFilters(published_to="2018-01-01")
    with pytest.raises(InvalidRequest, match="from=2019-01-01 is after to=2018-01-01"):
        merged_filters(current, SetFilters(published_from="2019-01-01"))
