"""What one line typed into the chat means: a question or a /command. Pure parsing, no I/O."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, replace
from datetime import date
from typing import get_args

from service.errors import InvalidRequest
from service.retrieval import SearchFilters
from service.settings import LLMName

BACKEND_NAMES: tuple[str, ...] = get_args(LLMName)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_FILTER_USAGE = (
    "use from=YYYY-MM-DD, to=YYYY-MM-DD, source=FILE-OR-OUTLET, as_of=YYYY-MM-DD, or 'clear'"
)


@dataclass(frozen=True)
class Ask:
    """A question for the archive."""

    text: str


@dataclass(frozen=True)
class ShowHelp:
    """/help: list the commands."""


@dataclass(frozen=True)
class ShowSources:
    """/sources: the last answer's sources with their full passages."""


@dataclass(frozen=True)
class OpenSource:
    """/open N: the whole article behind source N of the last answer."""

    n: int


@dataclass(frozen=True)
class ShowFilters:
    """/filter with no arguments: show the filters in force."""


@dataclass(frozen=True)
class ClearFilters:
    """/filter clear: drop every filter."""


@dataclass(frozen=True)
class SetFilters:
    """/filter key=value...: None leaves a filter as it is; "" or () removes it.

    `as_of` is the day the questions are asked on (the articles of the week before it come
    first); "" goes back to today."""

    published_from: str | None = None
    published_to: str | None = None
    sources: tuple[str, ...] | None = None
    as_of: str | None = None


@dataclass(frozen=True)
class UseBackend:
    """/backend [NAME]: show the answer backend, or switch to NAME."""

    name: str | None = None


@dataclass(frozen=True)
class Reset:
    """/reset: forget the conversation."""


@dataclass(frozen=True)
class Quit:
    """/quit: leave the chat."""


@dataclass(frozen=True)
class Invalid:
    """A line that looks like a command but is not a valid one; `message` says what to type."""

    message: str


Command = (
    Ask
    | ShowHelp
    | ShowSources
    | OpenSource
    | ShowFilters
    | ClearFilters
    | SetFilters
    | UseBackend
    | Reset
    | Quit
    | Invalid
)


def parse_command(line: str) -> Command | None:
    """The meaning of one input line; None for a blank line."""
    text = line.strip()
    if not text:
        return None
    if not text.startswith("/"):
        return Ask(text)
    name, _, rest = text.partition(" ")
    rest = rest.strip()
    name = name.lower()
    if name in ("/help", "/?"):
        return ShowHelp()
    if name == "/sources":
        return ShowSources()
    if name == "/open":
        return _open(rest)
    if name in ("/filter", "/filters"):
        return _filter(rest)
    if name == "/backend":
        return _backend(rest)
    if name == "/reset":
        return Reset()
    if name in ("/quit", "/exit"):
        return Quit()
    return Invalid(f"unknown command {name}; type /help to see the commands")


def merged_filters(current: SearchFilters, change: SetFilters) -> SearchFilters:
    """`current` with the filters `change` names replaced; InvalidRequest if from > to."""
    result = current
    if change.published_from is not None:
        result = replace(result, published_from=change.published_from or None)
    if change.published_to is not None:
        result = replace(result, published_to=change.published_to or None)
    if change.sources is not None:
        result = replace(result, sources=change.sources)
    if change.as_of is not None:
        result = replace(result, as_of=change.as_of or None)
    start, stop = result.published_from, result.published_to
    if start and stop and start > stop:
        raise InvalidRequest(
            f"from={start} is after to={stop}; swap them or change one with /filter"
        )
    return result


def _open(rest: str) -> Command:
    if not rest.isdigit() or int(rest) < 1:
        return Invalid("usage: /open N, where N is a source number of the last answer")
    return OpenSource(int(rest))


def _backend(rest: str) -> Command:
    if not rest:
        return UseBackend()
    name = rest.lower()
    if name not in BACKEND_NAMES:
        return Invalid(f"unknown backend {rest!r}; choose one of {', '.join(BACKEND_NAMES)}")
    return UseBackend(name)


def _filter(rest: str) -> Command:
    if not rest:
        return ShowFilters()
    if rest.lower() == "clear":
        return ClearFilters()
    try:
        words = shlex.split(rest)
    except ValueError as exc:  # an unclosed quote
        return Invalid(f"cannot read the filter ({exc}); {_FILTER_USAGE}")
    dates: dict[str, str] = {}
    sources: list[str] | None = None
    for word in words:
        key, sep, value = word.partition("=")
        key = key.lower()
        if not sep:
            return Invalid(f"{word!r} is not key=value; {_FILTER_USAGE}")
        key = "as_of" if key in ("as-of", "asof") else key
        if key in ("from", "to", "as_of"):
            if value and not _is_date(value):
                return Invalid(f"{key}={value} is not a date; write it as YYYY-MM-DD")
            dates[key] = value
        elif key in ("source", "sources"):
            sources = (sources or []) + [s.strip() for s in value.split(",") if s.strip()]
        else:
            return Invalid(f"unknown filter {key!r}; {_FILTER_USAGE}")
    return SetFilters(
        published_from=dates.get("from"),
        published_to=dates.get("to"),
        sources=None if sources is None else tuple(sources),
        as_of=dates.get("as_of"),
    )


def _is_date(value: str) -> bool:
    if not _ISO_DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True
