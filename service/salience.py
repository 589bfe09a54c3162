"""How prominent a candidate is in the evidence that answers best.

News reports one event in a cluster of articles, and what a weekly question asks for is often
what they are all about: asked which platform Donald Trump joined, the best sentences are
"Trump joined TikTok ...", "Donald Trump joined TikTok with a UFC video", "For Trump, joining
TikTok ..." while a sentence naming "Truth Social" beside the question's own words ranks
higher on closeness alone. A candidate named in many of the best evidence sentences is that
subject. Only sentences scoring near the best count: lower ones are the background of the
articles (the country an article is set in is named everywhere), and counting them made a
five-article set's detail questions pick that background instead of the answer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from service.evidence import Evidence
from service.spans import SpanCandidate, states

# The best sentences looked at: at most this many, each within SALIENCE_WINDOW of the best
# score. Chosen on rtqa-2024-dev, seed and sample together (see the README).
SALIENCE_SENTENCES = 20
SALIENCE_WINDOW = 0.2
# More mentions than this add nothing: a name in five of the best sentences is the subject.
MAX_MENTIONS = 5


def leading_sentences(ranked: Sequence[Evidence]) -> list[str]:
    """The texts of the best evidence sentences: the first SALIENCE_SENTENCES of `ranked`
    (best first) that score within SALIENCE_WINDOW of the first."""
    if not ranked:
        return []
    floor = ranked[0].score - SALIENCE_WINDOW
    return [e.text for e in ranked[:SALIENCE_SENTENCES] if e.score >= floor]


def salience(candidate: SpanCandidate, leading: Sequence[str]) -> float:
    """log(1 + n) for the n leading sentences (its own included) that name the candidate:
    its words whole, in any case (a name not in lowercase: spans.states), or, for a person's
    full name, the surname alone ("Tyreek Hill ... Hill said"). Capped at MAX_MENTIONS."""
    pattern = _mentions(candidate)
    n = sum(1 for sentence in leading if states(pattern, candidate, sentence))
    return math.log1p(min(n, MAX_MENTIONS))


def _mentions(candidate: SpanCandidate) -> re.Pattern[str]:
    forms = [candidate.text]
    words = candidate.text.split()
    # Two or three capitalised words ("Tyreek Hill", "Sher Mohammad Karimi"): news names the
    # person in full once, then by the last word. Not "Veldria and Calmora".
    if (
        candidate.kind == "name"
        and 2 <= len(words) <= 3
        and all(w[:1].isupper() for w in words)
        and len(words[-1]) > 2
    ):
        forms.append(words[-1])
    alternatives = "|".join(re.escape(form) for form in forms)
    return re.compile(r"(?<!\w)(?:" + alternatives + r")(?!\w)", re.IGNORECASE)
