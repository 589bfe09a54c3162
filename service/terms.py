"""Words, names and numbers in text: the lexical view shared by BM25 and verification."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

import Stemmer

# Common English function words, plus question words: they carry no evidence of support.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in into
    is it its itself just me more most my myself no nor not now of off on once only or other our
    ours ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom whose why will with would you your yours yourself
    yourselves say said says according did does many much one two tell told according article
    articles news report reported reports""".split()  # noqa: SIM905 - a word list reads best as text
)
# Hyphens split words ("US-hosted" -> US, hosted) so each part can be matched on its own;
# dots, commas and apostrophes join them (4.2, 50,000, U.S, Pakistan's).
_WORD = re.compile(r"[A-Za-z0-9]+(?:[.,'’][A-Za-z0-9]+)*")
_NUMBER = re.compile(r"\d")
_INITIALS = re.compile(r"([a-z]\.)+[a-z]\.?")


def words(text: str) -> list[str]:
    """Word tokens in order, case kept; numbers like 4.2 or 50,000 stay whole."""
    return _WORD.findall(text)


@functools.cache
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


@functools.lru_cache(maxsize=65536)
def normalize_word(word: str) -> str:
    """Lowercase Snowball stem, possessive dropped: 'accused' and 'accuses' both give 'accus'."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    if _INITIALS.fullmatch(w):
        return w.replace(".", "")  # "U.S" is "US"
    if _NUMBER.search(w):
        return w.replace(",", "")  # 50,000 and 50000 are the same number
    return str(_stemmer().stemWord(w))


def is_stopword(word: str) -> bool:
    """Function words; an all-capitals word ('US', 'IT') is an acronym, never a stopword."""
    return word.lower() in STOPWORDS and not (len(word) > 1 and word.isupper())


def index_terms(text: str) -> list[str]:
    """Terms BM25 indexes: normalized words without stopwords."""
    return [normalize_word(w) for w in words(text) if not is_stopword(w)]


@dataclass(frozen=True)
class KeyTerms:
    """The terms a passage must contain to support a sentence or answer a question."""

    names: frozenset[str]
    numbers: frozenset[str]
    content: frozenset[str]

    @property
    def specific(self) -> frozenset[str]:
        """Names and numbers: the terms a wrong answer most often invents."""
        return self.names | self.numbers

    @property
    def every(self) -> frozenset[str]:
        """Names, numbers and content words together."""
        return self.names | self.numbers | self.content


def key_terms(text: str) -> KeyTerms:
    """Names (capitalized words not at a sentence start), numbers, and other content words."""
    names: set[str] = set()
    numbers: set[str] = set()
    content: set[str] = set()
    sentence_start = True
    for match in _WORD.finditer(text):
        word = match.group()
        norm = normalize_word(word)
        if _NUMBER.search(word):
            numbers.add(norm)
        elif not is_stopword(word):
            if word[0].isupper() and (not sentence_start or word.isupper()):
                names.add(norm)
            else:
                content.add(norm)
        end = match.end()
        sentence_start = bool(re.match(r"\s*[.!?:]", text[end : end + 3]))
    return KeyTerms(frozenset(names), frozenset(numbers), frozenset(content - names))


def as_written(terms: Iterable[str], text: str) -> list[str]:
    """The words of `text` that `terms` (normalized) came from, as and where the user wrote them.

    For messages: "olymp" is how a term is compared, "Olympics" is what was asked about.
    """
    wanted = set(terms)
    written: dict[str, str] = {}
    for word in words(text):
        norm = normalize_word(word)
        if norm in wanted:
            written.setdefault(norm, word)
    return [*written.values(), *sorted(wanted - written.keys())]


def term_set(text: str) -> frozenset[str]:
    """Every normalized word in `text`, stopwords included, for containment checks."""
    return frozenset(normalize_word(w) for w in words(text))
