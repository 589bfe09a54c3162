"""Find publication dates in the free-form strings of scraped news pages, wire datelines too.

Only forms that name the day are recognised: a date without a year ("July 2", as in wire
datelines) is reported raw with no ISO value, because guessing the year would put an article in
the wrong place on a timeline. Times and time zones are ignored: the calendar date as written is
the one a reader saw on the page.
"""

from __future__ import annotations

import logging
import re
from datetime import date

logger = logging.getLogger(__name__)

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
# Full names and common abbreviations ("Sept.", "Mar"); the \b stops "Mayor" or "Marches".
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
# No \b before the weekday: scrapes glue labels to it ("Publish dateTuesday 14 May 2024").
_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
# Four-digit years from 1900 to 2099 only; two-digit years are too ambiguous to read.
_YEAR = r"(?P<year>(?:19|20)\d{2})"

_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        # 2024-05-14, 2024-05-14T10:00:00Z, 2024/05/14
        rf"\b{_YEAR}[-/](?P<mnum>\d{{1,2}})[-/](?P<day>\d{{1,2}})"
        r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?(?![\d/-])",
        # 14/05/2024, 14.05.2024 (which number is the month is settled in _numeric_order)
        r"\b(?P<first>\d{1,2})[/.](?P<second>\d{1,2})[/.](?P<year>(?:19|20)\d{2})\b",
        # May 14, 2024 / May 14 2024 / May 14 (no year)
        rf"{_WEEKDAY}\b{_MONTH}\s+{_DAY}\b(?:,?\s+{_YEAR}\b)?",
        # Tuesday, 14 May 2024 / 14th May, 2024 / 14 May (no year)
        rf"{_WEEKDAY}\b{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR}\b)?",
    )
)

_DATE_LABEL = (
    r"(?:last\s+updated(?:\s+on)?|(?:first\s+)?published(?:\s+on)?|publish(?:ed)?\s*date"
    r"|updated(?:\s+on)?|posted(?:\s+on)?|date(?:\s+published)?)"
)
_BRACKETED_DATE = re.compile(
    rf"^\(\s*{_DATE_LABEL}\s*:?\s*(?P<date>[^()]{{4,60}})\)\s*(?P<rest>.*)$", re.IGNORECASE
)
_DATE_LINE = re.compile(rf"^{_DATE_LABEL}\s*:?\s*(?P<date>.{{4,80}})$", re.IGNORECASE)
# What may stand beside the date on a date line: separators, a time, a zone; nothing else.
_DATE_SURROUND = re.compile(
    r"^[\s,|()\-–—]*(?:at\s+)?(?:\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?\s*"
    r"(?:[A-Z]{2,4}|[+-]\d{2}:?\d{2})?)?[\s)]*$",
    re.IGNORECASE,
)

# "Moscow [Russia], July 2 (ANI): ...", "KABUL, March 3, 2021 (Reuters) - ...".
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][^\s:(),]*(?:\s+[^\s:(),]+){0,5}?)(?:,\s*(?P<date>[^():]{3,30}?))?"
    r"\s*\((?P<paren>[A-Z][A-Za-z&.' ]{1,40})\)\s*(?:[-–—]\s*[^:]{0,40})?[:\-–—](?:\s|$)"
)

# Agency names in a dateline's brackets are short ("ANI", "Reuters", "AP"); longer is prose.
_MAX_AGENCY_WORDS = 4


def parse_published(raw: str) -> tuple[str | None, str | None]:
    """Find a publication date in a string: (iso_or_None, raw_match_or_None).

    The leftmost date wins, and of dates starting at one place the longest ("March 18, 2017"
    over "March 18"). The ISO value is None when the year is missing, the numeric order is
    ambiguous, or the date does not exist; the raw match is still returned then.
    """
    best: re.Match[str] | None = None
    for pattern in _PATTERNS:
        match = pattern.search(raw)
        if match is None:
            continue
        if best is None or (match.start(), -len(match.group())) < (
            best.start(),
            -len(best.group()),
        ):
            best = match
    if best is None:
        return None, None
    return _to_iso(best), best.group().strip()


def split_date_label(line: str) -> tuple[tuple[str | None, str] | None, str]:
    """The (iso, raw) date of a date-label line, and any text glued on after a closing bracket.

    "Publish dateTuesday 14 May 2024 - 15:07" gives its date and "". A bracketed label may run
    into the article, "(Last Updated On: May 2, 2019)The ...", and the text after it is kept.
    Anything else gives (None, line) unchanged, so sentences that merely mention a date stay.
    """
    bracketed = _BRACKETED_DATE.match(line)
    if bracketed:
        iso, raw = parse_published(bracketed["date"])
        if raw is not None:
            return (iso, raw), bracketed["rest"].strip()
    plain = _DATE_LINE.match(line)
    if plain:
        iso, raw = parse_published(plain["date"])
        if raw is not None:
            before, _, after = plain["date"].partition(raw)
            if _DATE_SURROUND.match(before) and _DATE_SURROUND.match(after):
                return (iso, raw), ""
    return None, line


def read_date_only(text: str) -> tuple[str | None, str] | None:
    """The (iso, raw) date of a string that holds a date and nothing else, or None.

    A label ("Published: 2024-02-16"), a weekday, a time and a zone may stand beside the date;
    "3 May 2024" and "September 2, 2024" qualify, "Talks resume on May 3, 2024" does not.
    """
    found, rest = split_date_label(text)
    if found is not None:
        return found if not rest else None
    iso, raw = parse_published(text)
    if raw is None:
        return None
    before, _, after = text.partition(raw)
    if _DATE_SURROUND.match(before) and _DATE_SURROUND.match(after):
        return iso, raw
    return None


def read_dateline(paragraph: str) -> tuple[str | None, tuple[str | None, str] | None]:
    """Outlet and (iso, raw) date of a wire dateline, "Moscow [Russia], July 2 (ANI): ...".

    Either is None when absent; an outlet in brackets longer than four words is not trusted.
    """
    match = _DATELINE.match(paragraph)
    if not match:
        return None, None
    place, paren = match["place"], match["paren"].strip()
    initials = "".join(w[0] for w in place.split() if w[0].isupper())
    # "Afghan Voice Agency (AVA) - ...:" names the outlet in full before its abbreviation.
    outlet = f"{place} ({paren})" if initials == paren.replace(".", "") else paren
    found = None
    if match["date"]:
        iso, raw = parse_published(match["date"])
        found = (iso, raw) if raw is not None else None
    return (outlet if len(paren.split()) <= _MAX_AGENCY_WORDS else None), found


def without_dateline(paragraph: str) -> str:
    """The paragraph after its wire dateline ("Moscow [Russia], July 2 (ANI): "), if any."""
    match = _DATELINE.match(paragraph)
    return paragraph[match.end() :].lstrip() if match else paragraph


def _to_iso(match: re.Match[str]) -> str | None:
    fields = match.groupdict()
    if fields.get("year") is None:
        return None
    year = int(fields["year"])
    if fields.get("first") is not None:
        order = _numeric_order(int(fields["first"]), int(fields["second"]))
        if order is None:
            return None
        month, day = order
    elif fields.get("mnum") is not None:
        month, day = int(fields["mnum"]), int(fields["day"])
    else:
        month, day = _MONTHS[fields["month"][:3].lower()], int(fields["day"])
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        logger.debug("ignoring impossible date %r", match.group())
        return None


def _numeric_order(first: int, second: int) -> tuple[int, int] | None:
    """(month, day) for an all-numeric date, or None when either order could be meant.

    Our sources mix day-first (South Asian, European) and month-first (US) sites, and a page
    rarely says which, so "05/06/2024" is left unknown rather than guessed. Only when one
    number exceeds 12 is the order certain.
    """
    if first > 12 >= second:
        return second, first
    if second > 12 >= first:
        return first, second
    if first == second:
        return first, second
    return None


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def calendar_date(value: str) -> str:
    """`value` if it is a real YYYY-MM-DD date; ValueError saying so otherwise."""
    try:
        if _ISO_DATE.fullmatch(value):
            date.fromisoformat(value)
            return value
    except ValueError:
        pass
    raise ValueError(f"{value!r} is not a calendar date (YYYY-MM-DD)")
