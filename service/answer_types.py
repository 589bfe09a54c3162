"""What kind of answer a question asks for, and whether a sentence holds one.

"How many people were killed?" wants a count, not the "two countries" or the "July 2" that a
sentence about the same talks happens to contain. These checks let abstention tell a sentence
that answers apart from one that only shares the question's topic.
"""

from __future__ import annotations

import re

from service.terms import key_terms, words

MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CALENDAR = frozenset(MONTHS + WEEKDAYS)

NUMBER_WORDS = frozenset(
    """two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty
    hundred hundreds thousand thousands million millions billion dozen dozens""".split()  # noqa: SIM905
)
# "the two countries", "both sides": a small number after one of these points back at things
# already named; it does not count anything the question asks about.
_SMALL_NUMBERS = frozenset("two three four five six seven eight nine ten eleven twelve".split())  # noqa: SIM905
_REFERRING = frozenset("the these those its their his her our both".split())  # noqa: SIM905
_DIGITS = re.compile(r"[\d.,]*\d[\d.,]*")
_YEAR = re.compile(r"1\d{3}|20\d{2}")
_DAY = re.compile(r"\d{1,2}(st|nd|rd|th)?")
# "54-year-old", "aged 54", "54 years old", or an apposition like "Dascal, 54,".
_AGE = re.compile(r"\b\d{1,3}[- ]years?[- ]old\b|\baged \d{1,3}\b|, \d{2},")
# "When the talks failed, what did he say?": the question word comes after the clause.
LEADING_CLAUSE = re.compile(
    r"^\s*(when|where|while|if|after|before|once|as)\b[^,?]*,\s*(?=(what|who|whom|whose|which|"
    r"how|why|where|when)\b)",
    re.IGNORECASE,
)


def expected_answer_type(question: str) -> str | None:
    """'age', 'number', 'date', 'day', 'name' or None, from the question's wording.

    'day' is a date asked to the day ("on what date", "which day"); 'date' is any time
    ("when", "what year").
    """
    q = LEADING_CLAUSE.sub("", question).lower()
    if re.search(r"\bhow old\b|\bwhat age\b|\bat what age\b", q):
        return "age"
    # "What is the minimum age for users?": an age limit, written as a bare number ("13").
    # Lowercase words only between "the" and "age": "What is the Stone Age?" is no limit.
    unfolded = LEADING_CLAUSE.sub("", question)
    if re.search(
        r"\b[Ww](hat|hich) (is|was|will be|could [a-z]+ be) the ([a-z]+ ){0,2}age\b", unfolded
    ):
        return "number"
    if re.search(
        r"\bhow (many|much|long|far)\b"
        r"|\b(what|which) (percentage|number|amount|level|rate|share|sum|figure|price)\b"
        r"|\bwhat (is|was|are|were) the (average |total |new |current |final |starting )?"
        r"(price|cost|score|population|value)\b"
        # "What pay increase did the drivers win?": a rise in an amount is an amount.
        r"|\bwhat (pay|wage|salary|price|rent|fare|tax|rate) (increase|rise|raise|hike|cut)\b",
        q,
    ):
        return "number"
    if re.search(r"\b(what|which) (date|day)\b", q):
        return "day"
    if re.search(r"\bwhen\b|\bwhat (year|month)\b|\bwhich (year|month)\b", q):
        return "date"
    if re.search(r"\b(who|whom|whose|where)\b", q):
        return "name"
    return None


# The unit a number is asked in: money ("how much was he fined", "at what price"), a share
# ("what percentage") or a game's score ("what was the final score").
_MONEY_ASKED = re.compile(
    r"\bhow much\b.*\b(cost|costs|pay|pays|paid|fined?|worth|spend|spent|raised?|charged?|earn"
    r"|earns|earned|awarded|funding|budget|salary|money|dollars)\b"
    r"|\b(what|which|at what) (price|fee|fine|salary)\b"
    r"|\bthe (average |new |current |starting |total )?(price|cost|fee|fine|salary)\b"
)
_PERCENT_ASKED = re.compile(r"\b(what|which) (percentage|percent)\b|\bwhat share\b")
_SCORE_ASKED = re.compile(r"\b(final )?score\b")
_MONEY = re.compile(r"^[$£€]\s?\d|\d.*\b(dollars?|euros?|pounds?|cents?)\b", re.IGNORECASE)
_PERCENT = re.compile(r"\d\s?(%|percent\b|per cent\b)", re.IGNORECASE)
_SCORE = re.compile(r"^\d{1,3}[-–]\d{1,3}$")


def expected_unit(question: str) -> str | None:
    """'money', 'percent' or 'score' where a number is asked in that unit; else None."""
    q = LEADING_CLAUSE.sub("", question).lower()
    if expected_answer_type(question) != "number":
        return None
    asked = (("percent", _PERCENT_ASKED), ("score", _SCORE_ASKED), ("money", _MONEY_ASKED))
    return next((unit for unit, pattern in asked if pattern.search(q)), None)


def in_unit(text: str, unit: str) -> bool:
    """Whether a number span is written in `unit`: "$9,000", "40%", "84-82"."""
    pattern = {"money": _MONEY, "percent": _PERCENT, "score": _SCORE}[unit]
    return pattern.search(text.strip()) is not None


def has_answer_type(sentence: str, question: str, kind: str | None) -> bool:
    """Whether the sentence holds a token of the expected kind that the question lacks."""
    if kind is None:
        return True
    asked = {w.lower() for w in words(question)}
    tokens = words(sentence)
    fresh = [i for i, w in enumerate(tokens) if w.lower() not in asked]
    if kind == "number":
        return any(_is_quantity(tokens, i) for i in fresh)
    if kind == "age":
        return _AGE.search(sentence) is not None
    if kind == "day":
        return any(_is_day(tokens, i) for i in fresh)
    if kind == "date":
        return any(_YEAR.fullmatch(tokens[i]) or tokens[i].lower() in _CALENDAR for i in fresh)
    return bool(key_terms(" ".join(["x"] + [tokens[i] for i in fresh])).names)


def _is_quantity(tokens: list[str], i: int) -> bool:
    """A count or amount: not a year, not a day of a month, not 'the two sides'."""
    word = tokens[i].lower()
    if word in NUMBER_WORDS:
        return not (word in _SMALL_NUMBERS and i > 0 and tokens[i - 1].lower() in _REFERRING)
    if not _DIGITS.fullmatch(word) or _YEAR.fullmatch(word):
        return False
    return not any(t.lower() in MONTHS for t in tokens[max(0, i - 1) : i + 2])


def _is_day(tokens: list[str], i: int) -> bool:
    """A weekday, or a month with its day ("May 13", "2 February")."""
    word = tokens[i].lower()
    if word in WEEKDAYS:
        return True
    return word in MONTHS and any(_DAY.fullmatch(t) for t in tokens[max(0, i - 1) : i + 2])
