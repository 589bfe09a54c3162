"""Whether a sentence gives the answer in the role the question asks about.

A sentence can hold the question's words and a fitting name and still say something else:
"moved his court from Kraków to Warsaw" does not answer who moved it from Warsaw to Kraków,
and "European Union" in "the sources of European Union law" names whose law it is, not a
source. Verification (short_answers.plainly_stated) reads these: such a sentence may still be
the best evidence, and its span the best answer, but it cannot verify the answer. Word
positions, not a reader: they catch a plain swap or a plain modifier, not a subtle one.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from service.question import QuestionProfile
from service.spans import SpanCandidate, Token, tokens_of
from service.terms import STOPWORDS

# The two ends of a movement or a transfer: "from X to Y" asked is not "from Y to X" stated.
_ENDS = ("from", "to")


def swaps_ends(profile: QuestionProfile, sentence: str) -> bool:
    """Whether `sentence` states the question's "from X ... to Y" the other way round (from Y,
    to X) and not the way asked."""
    asked, stated = _ends(profile.text), _ends(sentence)
    reversed_ = asked["to"] & stated["from"] and asked["from"] & stated["to"]
    as_asked = asked["from"] & stated["from"] and asked["to"] & stated["to"]
    return bool(reversed_) and not as_asked


def modifies_question_word(profile: QuestionProfile, candidate: SpanCandidate) -> bool:
    """Whether the span stands before one of the question's own content words, as a modifier
    of what the question asks about: "European Union" in "European Union law" for "the
    sources of primary law" says whose law, not which source."""
    sentence = candidate.evidence.text
    end = candidate.end - candidate.evidence.start
    if sentence[end : end + 1] != " ":
        return False  # "Napoleon's army", "Warsaw, the capital": no modifier
    following = tokens_of(sentence[end:])
    if not following:
        return False
    word = following[0]
    if word.text.lower() in STOPWORDS or word.norm not in profile.terms.content:
        return False
    return not _questions_verb(profile, word.norm)


_WH_WORDS = frozenset({"who", "what", "which", "whom", "whose"})


def _questions_verb(profile: QuestionProfile, norm: str) -> bool:
    """Whether the question writes `norm` right after its wh-word or the word after it: the
    verb of "Who moved ...", "Which council drafts ...", which follows the answer too."""
    tokens = tokens_of(profile.text)
    return any(
        token.norm == norm and any(t.text.lower() in _WH_WORDS for t in tokens[max(0, i - 2) : i])
        for i, token in enumerate(tokens)
    )


@lru_cache(maxsize=4096)
def _ends(text: str) -> dict[str, frozenset[str]]:
    """The first content word after each "from" and each "to" in `text`, accents dropped
    ("Kraków" is "krakow")."""
    tokens = tokens_of(text)
    found: dict[str, set[str]] = {end: set() for end in _ENDS}
    for i, token in enumerate(tokens):
        word = token.text.lower()
        if word in found and (after := _next_content(tokens, i + 1)) is not None:
            found[word].add(after)
    return {end: frozenset(words) for end, words in found.items()}


def _next_content(tokens: list[Token], start: int) -> str | None:
    for token in tokens[start : start + 3]:
        if not token.joined:
            return None
        if token.text.lower() not in STOPWORDS:
            return _plain(token.norm)
    return None


def _plain(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
