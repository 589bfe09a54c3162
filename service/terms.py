"""Names, numbers and content words of questions and passages, for ranking and verification.

The tokenizer itself lives in indexer/terms.py, shared with the lexical index."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from indexer.terms import (
    DIGIT_RE,
    STOPWORDS,
    WORD_RE,
    index_terms,
    is_stopword,
    normalize_word,
    words,
)

__all__ = [
    "STOPWORDS",
    "KeyTerms",
    "as_written",
    "index_terms",
    "is_stopword",
    "key_terms",
    "normalize_word",
    "term_set",
    "words",
]


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
    for match in WORD_RE.finditer(text):
        word = match.group()
        norm = normalize_word(word)
        if DIGIT_RE.search(word):
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
