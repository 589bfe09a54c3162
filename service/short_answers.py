"""Settle a short answer: the model's reply is kept only as a span the evidence states.

The model is shown the best evidence sentences and the candidate spans, and replies with a
short answer. Its reply is matched to a span of an evidence sentence; a name that merely occurs
somewhere in a cited passage is not enough, since a span is only a candidate where the kind of
answer, its place beside the question's words and its sentence fit the question. The reply is
taken only where that span scores within a margin of the best candidate chosen without the
model (MODEL_CHOICE_MARGIN, by default 0: the model's reply confirms the best candidate or
breaks an exact tie), so it never replaces a better-supported answer with a worse one;
otherwise the extractive choice stands. It is called "verified" only where the
evidence states it plainly (see MIN_SENTENCE_COVERAGE), its sentence does not deny what
the question asks or affirm what it denies (polarity.py), and it gives the answer in the role
asked about (roles.py). Where no reply could change the answer or verify it (the
best candidate not plainly stated, nothing tied with it, no margin), the engine does not ask
the model at all (reply_can_matter).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from service.evidence import Evidence
from service.passages import Passage
from service.polarity import affirms_denied, contradicts
from service.question import QuestionProfile
from service.roles import modifies_question_word, swaps_ends
from service.salience import leading_sentences
from service.span_scoring import (
    full_name_margin,
    score_span,
    sentences_about,
    whole_words,
    with_full_name_first,
)
from service.spans import (
    CANDIDATE_SENTENCES,
    SpanCandidate,
    is_function_word,
    kind_of,
    tokens_of,
)

# How far below the best candidate (after the reader) the model's span may score and still be
# taken; Settings.model_choice_margin sets it per deployment. Measured on 2026-12-07 with the
# reader on: at 0.1 the embedded SmolLM2 changed 8 rtqa-2024-dev short answers, losing a right
# one ("cocoa ingredients" -> "increase") and gaining none; on seed it swapped one wrong answer
# for another, on sample and SQuAD's first 100 it changed nothing (with the reader's earlier
# prompt it had lost "Shogun" too). At 0 its reply only confirms the best candidate, and an
# answer is "verified" where it does and the evidence states it plainly. A bigger model
# (Ollama) may earn a margin: measure it with `footnote eval` before raising it.
MODEL_CHOICE_MARGIN = 0.0
# "Verified" is kept for answers the evidence states plainly: the sentence holding the span
# must carry this share of the question's terms (with its article's title and date), and this
# many retrieved articles must state the span in a sentence about the question. On
# rtqa-2024-dev the extractive choice was right in 32% of all answers, and in about 65-75% of
# those meeting both (a 60% share, two articles) with a clear lead over the runner-up; a
# looser check let the model's agreement "verify" every other wrong answer.
MIN_SENTENCE_COVERAGE = 0.6
MIN_AGREEING_DOCUMENTS = 2
# The verified span must lead the runner-up candidate by this much (span_scoring scores).
MIN_LEAD = 1.0
# A reply longer than this is prose, not a short answer: only spans inside it are considered.
MAX_REPLY_WORDS = 10
_MARKER = re.compile(r"\[\d+(?:\s*[,;]\s*\d+)*\]")
_LEAD_IN = re.compile(
    r"^(the )?(short )?answer( is)?:?\s+|^(it|he|she|they) (is|was|were|are)\s+", re.IGNORECASE
)


@dataclass(frozen=True)
class SettledSpan:
    """The short answer an answer leads with, and whether the model's reply chose it."""

    candidate: SpanCandidate
    verified: bool
    rejected_reply: str | None


def clean_reply(reply: str) -> str:
    """The model's reply without citation markers, a lead-in or trailing punctuation."""
    text = _MARKER.sub(" ", reply).strip().split("\n")[0]
    text = _LEAD_IN.sub("", " ".join(text.split()))
    return text.strip(" .,;:!\"'“”‘’")


def settle_short_answer(
    reply: str,
    profile: QuestionProfile,
    candidates: Sequence[SpanCandidate],
    ranked: Sequence[Evidence],
    passages: Sequence[Passage],
    *,
    margin: float = MODEL_CHOICE_MARGIN,
) -> SettledSpan:
    """The model's span when the evidence about the question states it; else the best candidate.

    `candidates` must be non-empty and best first (spans.rank_candidates).
    """
    best = candidates[0]
    chosen = span_for_reply(reply, profile, candidates, ranked, passages)
    if chosen is not None and _same_answer(chosen, best):
        chosen = best  # "John Nicholson" for "General John Nicholson": the model agrees
    if chosen is None or chosen.score < best.score - margin:
        return SettledSpan(best, verified=False, rejected_reply=clean_reply(reply) or None)
    # "LeBron James" for the model's "James", as for the extractive best.
    others = [c for c in candidates if c is not chosen]
    chosen = with_full_name_first([chosen, *others], full_name_margin(profile))[0]
    # The model's choice stands either way; only a plainly stated one is called verified.
    return SettledSpan(
        chosen, verified=plainly_stated(chosen, candidates, profile), rejected_reply=None
    )


def plainly_stated(
    chosen: SpanCandidate, candidates: Sequence[SpanCandidate], profile: QuestionProfile
) -> bool:
    """Whether the evidence states `chosen` plainly enough for the model's choice of it to be
    called verified (MIN_SENTENCE_COVERAGE, MIN_AGREEING_DOCUMENTS, MIN_LEAD, polarity,
    roles)."""
    # The lead is measured without salience: a name the best sentences keep repeating is
    # likelier the answer, but only what the sentences state about it can verify it.
    runner_up = max((_stated(c) for c in candidates if not _same_answer(c, chosen)), default=0.0)
    return (
        chosen.evidence.coverage >= MIN_SENTENCE_COVERAGE
        and chosen.documents >= MIN_AGREEING_DOCUMENTS
        and _stated(chosen) - runner_up >= MIN_LEAD
        # "is unable to legislate" names the right thing for "who is able to", denied; "was
        # needed" affirms what "what was not needed" denies.
        and not contradicts(profile, chosen.evidence.text)
        and not affirms_denied(profile, chosen.evidence.text)
        # "from Kraków to Warsaw" for "from Warsaw to Krakow"; "European Union law" for
        # "the sources of primary law": the right words in another role.
        and not swaps_ends(profile, chosen.evidence.text)
        and not modifies_question_word(profile, chosen)
    )


def reply_can_matter(
    profile: QuestionProfile, candidates: Sequence[SpanCandidate], margin: float
) -> bool:
    """Whether a model's reply could change the settled answer or verify it.

    With a margin to choose within, any reply may. Without one (the default), the reply only
    confirms the best candidate or breaks an exact tie; where the evidence does not state the
    best one plainly and nothing ties with it, no reply changes the answer, and asking the
    model is time spent for nothing. `candidates` must be non-empty and best first.
    """
    if margin > 0:
        return True
    best = candidates[0]
    # A reply naming another span of the same answer ("General John Nicholson") settles on
    # the best one: only a different answer scoring as high is a tie.
    tied = any(c.score >= best.score and not _same_answer(c, best) for c in candidates[1:])
    return tied or plainly_stated(best, candidates, profile)


def span_for_reply(
    reply: str,
    profile: QuestionProfile,
    candidates: Sequence[SpanCandidate],
    ranked: Sequence[Evidence],
    passages: Sequence[Passage],
) -> SpanCandidate | None:
    """The candidate span the reply names, or its own span in an evidence sentence, or None."""
    text = clean_reply(reply)
    if not text:
        return None
    lowered = text.lower()
    for candidate in candidates:
        if candidate.text.lower() == lowered:
            return candidate
    # A reply that restates the question around its answer still names one candidate: the
    # candidates are never the question's own words.
    named = [c for c in candidates if _contains_words(lowered, c.text.lower())]
    if named:
        return max(named, key=lambda c: c.score)
    if len(text.split()) > MAX_REPLY_WORDS:
        return None
    return _span_in_evidence(text, profile, ranked, passages)


def _span_in_evidence(
    text: str,
    profile: QuestionProfile,
    ranked: Sequence[Evidence],
    passages: Sequence[Passage],
) -> SpanCandidate | None:
    # The reply is a span of its own: it must be verbatim in one of the best sentences, add
    # something to the question, and be of the kind asked for.
    words = [t for t in tokens_of(text) if not is_function_word(t.text)]
    if not words or all(t.norm in profile.asked for t in words):
        return None
    pattern = whole_words(text)
    about = sentences_about(profile, passages)
    leading = leading_sentences(ranked)
    for rank, evidence in enumerate(ranked[:CANDIDATE_SENTENCES]):
        match = pattern.search(evidence.text)
        if match is None:
            continue
        span = SpanCandidate(
            match.group(),
            evidence,
            evidence.start + match.start(),
            evidence.start + match.end(),
            kind_of(match.group()),
            0.0,
            0,
            rank,
        )
        scored = score_span(profile, span, about, leading)
        if scored is not None:
            return scored
    return None


def _stated(candidate: SpanCandidate) -> float:
    """A candidate's score without its salience: what its evidence states."""
    return candidate.score - candidate.prominence


def _same_answer(a: SpanCandidate, b: SpanCandidate) -> bool:
    """One span's words hold the other's ("General John Nicholson", "John Nicholson")."""
    x, y = a.text.lower(), b.text.lower()
    return _contains_words(x, y) or _contains_words(y, x)


def _contains_words(text: str, part: str) -> bool:
    return whole_words(part).search(text) is not None
