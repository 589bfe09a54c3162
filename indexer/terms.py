"""Words and the terms the lexical index holds: one tokenizer for indexing and for questions.

The indexer builds each segment's lexical index with `index_terms`; the service analyses
questions and checks answers with the same words, so a term means the same thing everywhere.
"""

from __future__ import annotations

import functools
import re

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
WORD_RE = re.compile(r"[A-Za-z0-9]+(?:[.,'’][A-Za-z0-9]+)*")
DIGIT_RE = re.compile(r"\d")
_INITIALS = re.compile(r"([a-z]\.)+[a-z]\.?")


def words(text: str) -> list[str]:
    """Word tokens in order, case kept; numbers like 4.2 or 50,000 stay whole."""
    return WORD_RE.findall(text)


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
    if DIGIT_RE.search(w):
        return w.replace(",", "")  # 50,000 and 50000 are the same number
    return str(_stemmer().stemWord(w))


def is_stopword(word: str) -> bool:
    """Function words; an all-capitals word ('US', 'IT') is an acronym, never a stopword."""
    return word.lower() in STOPWORDS and not (len(word) > 1 and word.isupper())


def index_terms(text: str) -> list[str]:
    """Terms BM25 indexes: normalized words without stopwords."""
    return [normalize_word(w) for w in words(text) if not is_stopword(w)]
