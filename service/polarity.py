"""Whether a sentence denies what the question asks about.

"Who is able to legislate on reserved issues?" is not answered by "The Scottish Parliament is
unable to legislate on such issues": the sentence names the right thing in the right relation,
negated. A sentence contradicts the question where a negation the question does not have stands
just before one of the question's content words ("did not win the primary"), or where it writes
a question word with a negating prefix ("unable" for "able", "illegal" for "legal").
Word positions and lists, not a reader: it catches a plain denial, not a subtle one.
"""

from __future__ import annotations

from functools import lru_cache

from service.question import QuestionProfile
from service.spans import Token, tokens_of
from service.terms import STOPWORDS, normalize_word

NEGATIONS = frozenset(
    {"not", "no", "never", "cannot", "neither", "nor", "without", "none", "nobody", "nothing"}
)
# Verbs by which a question asks about a denial itself ("prevented from selling", "stop
# accepting"), normalized: a negation in the sentence may agree with them.
_NEGATIVE_VERBS = frozenset(
    normalize_word(w)
    for w in """prevent stop ban block refuse fail deny reject lack avoid halt bar forbid
    prohibit cancel quit end suspend""".split()  # noqa: SIM905
)
# A negation counts for the question's words this many tokens after it ("not yet been able").
NEGATION_REACH = 4
# Only prefixes that rarely open a word of their own: "in", "im" and "dis" would read
# "inform", "import" and "dispatch" as denials of "form", "port" and "patch".
_PREFIXES = ("un", "non", "il", "ir")
# The shortest word a prefix is read off: "until" is no negated "til".
_MIN_STEM = 4


def affirms_denied(profile: QuestionProfile, sentence: str) -> bool:
    """Whether `sentence` affirms a content word the question negates: "what was not needed"
    is not answered by "imperialism was needed". Read by verification only: such a sentence
    may still be the best evidence, but it cannot verify an answer."""
    return _affirms_denied(profile.text, profile.asked, sentence)


@lru_cache(maxsize=4096)
def _affirms_denied(question: str, asked: frozenset[str], sentence: str) -> bool:
    asking = tokens_of(question)
    negated = frozenset(asking[j].norm for j in _denied_positions(asking, asked))
    if not negated:
        return False
    tokens = tokens_of(sentence)
    denied = {tokens[j].norm for j in _denied_positions(tokens, negated)}
    affirmed = {t.norm for t in tokens if _content_asked(t, negated)}
    return bool(affirmed - denied)


def contradicts(profile: QuestionProfile, sentence: str) -> bool:
    """Whether `sentence` negates a content word of the question that the question affirms."""
    return _contradicts(profile.text, profile.asked, sentence)


# Span scoring asks this for every candidate, and a sentence holds several: each (question,
# sentence) pair is read once. The question's text determines `asked`.
@lru_cache(maxsize=4096)
def _contradicts(question: str, asked: frozenset[str], sentence: str) -> bool:
    own_denial, written = _question_side(question)
    if own_denial:
        return False  # "Which team has never won...", "...stop accepting checks": its own
    tokens = tokens_of(sentence)
    words = [t.text.lower() for t in tokens]
    if any(not _negating(w) and _prefix_negated(w, written) for w in words):
        return True
    denied = _denied_positions(tokens, asked)
    # "Haley did not win the primary; Trump won the primary": a word denied once and stated
    # elsewhere in the sentence is stated.
    norms_denied = {tokens[j].norm for j in denied}
    stated = {t.norm for j, t in enumerate(tokens) if j not in denied and _content_asked(t, asked)}
    return bool(norms_denied - stated)


@lru_cache(maxsize=256)
def _question_side(question: str) -> tuple[bool, frozenset[str]]:
    """Whether the question denies or stops something itself (then a sentence's negation may
    agree with it: "prevent classification" / "do not fit"), and its words as written."""
    tokens = tokens_of(question)
    own_denial = any(_negating(t.text.lower()) or t.norm in _NEGATIVE_VERBS for t in tokens)
    return own_denial, frozenset(t.text.lower() for t in tokens)


def _denied_positions(tokens: list[Token], asked: frozenset[str]) -> set[int]:
    """The positions of the asked content words that a negation among `tokens` reaches: the
    next NEGATION_REACH words, up to a comma or semicolon."""
    denied: set[int] = set()
    for i, token in enumerate(tokens):
        if not _negating(token.text.lower()):
            continue
        for j in range(i + 1, min(i + 1 + NEGATION_REACH, len(tokens))):
            if not tokens[j].joined:
                break
            if _content_asked(tokens[j], asked):
                denied.add(j)
    return denied


def _content_asked(token: Token, asked: frozenset[str]) -> bool:
    return token.text.lower() not in STOPWORDS and token.norm in asked


def _negating(word: str) -> bool:
    return word in NEGATIONS or word.endswith(("n't", "n’t"))


def _prefix_negated(word: str, written: frozenset[str]) -> bool:
    """Whether `word` is a question word with a negating prefix ("unable" for "able"), the
    word compared as written: stems would read "unlawful" as a denial of "law"."""
    for prefix in _PREFIXES:
        rest = word[len(prefix) :]
        if word.startswith(prefix) and len(rest) >= _MIN_STEM and rest in written:
            return True
    return False
