"""Check an answer's citations against the passages, and decide when to abstain.

Every sentence of a generated answer must be supported by the passage it cites: the names and
numbers it states must appear in that passage, and it must mean nearly what one of the
passage's sentences says. Unsupported sentences are removed; citations to passages that were
not given are dropped. What survives is an answer whose every citation can be shown as a
verbatim quote.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from indexer.embedding import Embedder
from service.answer_types import expected_answer_type, has_answer_type
from service.evidence import (
    Evidence,
    context_terms,
    coverage,
    evidence_terms,
    passage_sentences,
)
from service.passages import Passage
from service.sentences import split_sentences
from service.terms import KeyTerms, index_terms, key_terms, term_set

_MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
# Short fragments ("Yes.", "Sources: [1]") carry no claim worth checking or keeping.
MIN_CLAIM_WORDS = 3
# A kept sentence must be about the question, not just true somewhere in the passages.
MIN_QUESTION_SIMILARITY = 0.35
# Share of a claim's content words (beyond those it repeats from the question) that the
# supporting sentence and its neighbours must contain: paraphrase is allowed, embellishment
# ("two of the world's largest naval powers") is not.
MIN_CLAIM_COVERAGE = 0.7
# Abstain when the best evidence sentence scores below this (evidence.rank_evidence score).
# Chosen on the sample-news development gold set.
MIN_EVIDENCE_SCORE = 0.45
# Share of the question's content words that must appear somewhere in the passages. On the
# sample-news development set answerable questions go as low as 0.5 (paraphrase), so the floor
# sits well below that and only catches questions about something the articles never discuss.
MIN_CONTENT_COVERAGE = 0.34
# A question asking for a number, a date or a name is answered by a sentence that holds one
# *and* is about what was asked: at least this share of the question's terms must be in it (or
# in its article's title and date). Without it "how many people were killed in the attack"
# was answered from a sentence about other killings that happened to hold a number.
MIN_ANSWER_SENTENCE_COVERAGE = 0.4
# How far down the ranked evidence to look for that sentence.
ANSWER_SENTENCE_DEPTH = 5
_ABSTAIN_PHRASES = ("articles don't say", "articles do not say", "not mentioned", "no information")


@dataclass(frozen=True)
class SupportedSentence:
    """An answer sentence that survived verification, with the quote that supports it."""

    text: str
    evidence: Evidence
    support: float


@dataclass(frozen=True)
class Verification:
    """The result of checking a generated answer."""

    sentences: list[SupportedSentence]
    removed: list[str]
    model_abstained: bool

    @property
    def text(self) -> str:
        """The verified answer, each sentence followed by its citation marker."""
        return " ".join(f"{s.text} [{s.evidence.n}]" for s in self.sentences)


@dataclass(frozen=True)
class Answerability:
    """Whether the passages can answer the question, and if not, why not."""

    answerable: bool
    reason: str


def verify_answer(
    answer: str,
    question: str,
    passages: Sequence[Passage],
    embedder: Embedder,
    *,
    threshold: float,
) -> Verification:
    """Keep the sentences of `answer` that a given passage supports; cite that passage."""
    evidence = passage_sentences(passages)
    claims = _claims(answer)
    lowered = answer.lower()
    model_abstained = any(p in lowered for p in _ABSTAIN_PHRASES)
    if not claims or not evidence:
        return Verification([], [c for c, _ in claims], model_abstained)
    texts = [c for c, _ in claims]
    vectors = embedder.embed(texts + [question] + [e.text for e in evidence])
    claim_vecs, question_vec, evidence_vecs = (
        vectors[: len(texts)],
        vectors[len(texts)],
        vectors[len(texts) + 1 :],
    )
    kept: list[SupportedSentence] = []
    removed: list[str] = []
    windows = _window_terms(evidence)
    asked = key_terms(question)
    for (claim, cited), claim_vec in zip(claims, claim_vecs, strict=True):
        similarities = evidence_vecs @ claim_vec
        best = _best_support(claim, cited, evidence, windows, similarities, threshold, asked)
        relevant = float(claim_vec @ question_vec) >= MIN_QUESTION_SIMILARITY and _shares_terms(
            claim, best, asked
        )
        if best is None or not relevant or not adds_to_question(claim, question):
            removed.append(claim)
            continue
        kept.append(best)
    if kept and not answers_the_question(kept, question):
        # True sentences, but none holds what was asked (no number for "how many", no new
        # name for "who", or one about something else): not an answer, so the caller quotes
        # the evidence instead.
        return Verification([], removed + [s.text for s in kept], model_abstained)
    return Verification(kept, removed, model_abstained)


def adds_to_question(sentence: str, question: str) -> bool:
    """Whether `sentence` says something the question does not: it is not a restatement."""
    return bool(set(index_terms(sentence)) - term_set(question))


def _claims(answer: str) -> list[tuple[str, set[int]]]:
    claims = []
    for sentence in split_sentences(answer):
        cited = {int(n) for group in _MARKER.findall(sentence) for n in re.split(r"[,;]", group)}
        text = _MARKER.sub("", sentence).strip()
        text = re.sub(r"\s+([.,;:!?])", r"\1", text)
        if len(text.split()) >= MIN_CLAIM_WORDS and not _is_abstention(text):
            claims.append((text, cited))
    return claims


def _is_abstention(text: str) -> bool:
    lowered = text.lower()
    return any(p in lowered for p in _ABSTAIN_PHRASES)


def _shares_terms(claim: str, support: SupportedSentence | None, asked: KeyTerms) -> bool:
    # On topic: the claim or the sentence supporting it uses one of the question's terms.
    wanted = asked.every
    said = term_set(claim) | (term_set(support.evidence.text) if support else frozenset())
    return not wanted or bool(wanted & said)


def _window_terms(evidence: Sequence[Evidence]) -> list[frozenset[str]]:
    # A claim often merges a sentence with its neighbour; each sentence's window is itself and
    # the sentences either side of it in the same passage. The article's date is left out: a
    # publication date does not support a claim about when something happened.
    out = []
    for i, e in enumerate(evidence):
        terms = set(term_set(e.text)) | term_set(e.passage.title or "")
        for j in (i - 1, i + 1):
            if 0 <= j < len(evidence) and evidence[j].n == e.n:
                terms |= term_set(evidence[j].text)
        out.append(frozenset(terms))
    return out


def _best_support(
    claim: str,
    cited: set[int],
    evidence: Sequence[Evidence],
    windows: Sequence[frozenset[str]],
    similarities: Sequence[float],
    threshold: float,
    asked: KeyTerms,
) -> SupportedSentence | None:
    """The evidence sentence supporting `claim`, preferring the passages it cited.

    Supported means: close in meaning, every name and number of the claim in the sentence's
    window, and most of the claim's other content words there too. A claim that cites a
    passage which does not support it is re-attributed to one that does, if any: the citation
    shown to the reader is always one that was checked.
    """
    terms = key_terms(claim)
    novel = terms.content - asked.content - asked.names
    ranked = sorted(range(len(evidence)), key=lambda i: float(similarities[i]), reverse=True)
    ranked.sort(key=lambda i: evidence[i].n not in cited)  # cited passages first, stable
    for i in ranked:
        similarity = float(similarities[i])
        if similarity < threshold or not terms.specific <= windows[i]:
            continue
        if novel and len(novel & windows[i]) / len(novel) < MIN_CLAIM_COVERAGE:
            continue
        return SupportedSentence(claim, evidence[i], round(similarity, 4))
    return None


def answers_the_question(sentences: Sequence[SupportedSentence], question: str) -> bool:
    """Whether a kept sentence holds the kind of answer asked for (a number for 'how many'),
    in a sentence about what was asked (see MIN_ANSWER_SENTENCE_COVERAGE)."""
    kind = expected_answer_type(question)
    if kind is None:
        return True
    asked = key_terms(question).every
    return any(
        has_answer_type(s.text, question, kind)
        and _about(term_set(s.text) | evidence_terms(s.evidence), asked)
        for s in sentences
    )


def assess_answerability(
    question: str, passages: Sequence[Passage], ranked: Sequence[Evidence]
) -> Answerability:
    """Can these passages answer the question? Checked before any generation."""
    if not passages or not ranked:
        return Answerability(False, "no passage matches the question")
    wanted = key_terms(question)
    present: set[str] = set()
    for p in passages:
        present |= term_set(p.text) | context_terms(p)
    missing = sorted(wanted.specific - present)
    if missing:
        return Answerability(False, f"the articles never mention {', '.join(missing)}")
    if wanted.content and coverage(wanted.content, present) < MIN_CONTENT_COVERAGE:
        absent = ", ".join(sorted(wanted.content - present))
        return Answerability(False, f"the articles do not discuss {absent}")
    best = ranked[0]
    if best.score < MIN_EVIDENCE_SCORE:
        return Answerability(False, f"no sentence answers it (best evidence {best.score:.2f})")
    kind = expected_answer_type(question)
    if kind is not None:
        typed = [e for e in ranked[:ANSWER_SENTENCE_DEPTH] if e.has_answer_type]
        if not typed:
            return Answerability(False, f"no passage gives the {kind} the question asks for")
        # rank_evidence measured each sentence's share of the question's terms.
        if wanted.every and not any(e.coverage >= MIN_ANSWER_SENTENCE_COVERAGE for e in typed):
            return Answerability(
                False,
                f"no sentence that gives the {kind} asked for is about what the question asks",
            )
    return Answerability(True, "supported")


def _about(present: frozenset[str], asked: frozenset[str]) -> bool:
    return not asked or coverage(asked, present) >= MIN_ANSWER_SENTENCE_COVERAGE
