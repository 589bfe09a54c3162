"""Find the sentences in retrieved passages that best answer a question.

Used by the extractive backend (which quotes them), by verification (to find the exact span a
cited passage supports) and by abstention (no good evidence: no answer).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import numpy as np

from indexer.embedding import Embedder
from service.answer_types import MONTHS, expected_answer_type, has_answer_type
from service.passages import Passage
from service.sentences import sentence_spans
from service.terms import key_terms, term_set

# Weights of the evidence score: meaning (embedding cosine) and the question's terms present.
# Chosen on the sample-news development gold set, not on the seed-news evaluation set.
SEMANTIC_WEIGHT = 0.8
LEXICAL_WEIGHT = 0.4
# An answer-shaped token (a number for "how many", a name for "who") is strong evidence.
ANSWER_TYPE_BONUS = 0.15
PASSAGE_RANK_BONUS = 0.05
# A sentence from an article of the week the question is asked in (retrieval.recent_range):
# news questions ask what happened "this week". Chosen on rtqa-2024-dev.
RECENT_BONUS = 0.15
# Sentences embedded per question (the rest are ranked out by the cheap terms-and-rank score).
MAX_EMBEDDED_SENTENCES = 24


@dataclass(frozen=True)
class Evidence:
    """One sentence of a numbered passage; `start`/`end` are offsets into the article."""

    n: int
    passage: Passage
    text: str
    start: int
    end: int
    score: float = 0.0
    similarity: float = 0.0
    has_answer_type: bool = False
    # Share of the question's terms in the sentence or its article's title and date.
    coverage: float = 0.0


# Text addressed to a language model rather than to readers (prompt injection planted in an
# article). Such sentences, and the quoted sentence that continues one, are never evidence:
# an answer must not repeat what an article tells the model to say.
_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|prompts?|rules|context)\b"
    r"|\b(reply|respond|answer|say|output)\b.{0,20}\bonly\b"
    r"|\b(system|developer) (prompt|message)\b"
    r"|\b(as an? (ai|language model)|you are now)\b",
    re.IGNORECASE,
)


def is_instruction(sentence: str) -> bool:
    """Whether a sentence reads as an instruction to an AI model (prompt injection)."""
    return _INSTRUCTION.search(sentence) is not None


def passage_sentences(passages: Sequence[Passage]) -> list[Evidence]:
    """Every citable sentence of the passages, numbered 1.. like the prompt's sources."""
    out = []
    for n, passage in enumerate(passages, start=1):
        tainted = False
        for s, e in sentence_spans(passage.text):
            text = passage.text[s:e]
            continues_quote = tainted and text[:1] in "\"'“‘" or (tainted and _open_quote(text))
            tainted = is_instruction(text) or continues_quote
            if not tainted:
                out.append(Evidence(n, passage, text, passage.start + s, passage.start + e))
    return out


def _open_quote(text: str) -> bool:
    # A sentence that closes a quotation opened in the sentence before it.
    return text.count('"') % 2 == 1 or text.count("'") % 2 == 1 or ("”" in text and "“" not in text)


def context_terms(passage: Passage) -> frozenset[str]:
    """Terms a passage's article states outside its text: title words and the publish date."""
    terms = term_set(passage.title or "")
    if passage.published:
        year, month, day = (passage.published.split("-") + ["", ""])[:3]
        month_name = MONTHS[int(month) - 1] if month.isdigit() and 1 <= int(month) <= 12 else ""
        terms |= term_set(f"{year} {month_name} {day.lstrip('0')}")
    return terms


def evidence_terms(evidence: Evidence) -> frozenset[str]:
    """The terms of a sentence, with those its article states in its title and date."""
    return term_set(evidence.text) | context_terms(evidence.passage)


def coverage(asked: AbstractSet[str], present: AbstractSet[str]) -> float:
    """The share of `asked` terms that are `present` (0 when nothing is asked)."""
    return len(asked & present) / len(asked) if asked else 0.0


def rank_evidence(
    question: str,
    passages: Sequence[Passage],
    embedder: Embedder,
    *,
    question_vector: np.ndarray | None = None,
    recent: tuple[str, str] | None = None,
) -> list[Evidence]:
    """Sentences of the passages, best evidence for answering `question` first.

    `question_vector` is the question's embedding when the caller already has it; `recent`
    the first and last ISO day of the week the question is asked in.

    Embedding sentences is the costly part of answering, so only the MAX_EMBEDDED_SENTENCES
    sentences with the best cheap score (the question's terms, an answer-shaped token, the
    passage's rank) are embedded and ranked; the rest cannot come first anyway.
    """
    candidates = passage_sentences(passages)
    if not candidates:
        return []
    asked = key_terms(question).every
    kind = expected_answer_type(question)
    scored = []
    for candidate in candidates:
        lexical = coverage(asked, evidence_terms(candidate))
        typed = has_answer_type(candidate.text, question, kind)
        # Retrieval already weighed the whole passage; its rank breaks near-ties.
        prior = LEXICAL_WEIGHT * lexical + PASSAGE_RANK_BONUS / candidate.n
        prior += ANSWER_TYPE_BONUS if (typed and kind is not None) else 0.0
        prior += RECENT_BONUS if candidate.passage.published_in(recent) else 0.0
        scored.append((prior, candidate, typed, lexical))
    # Stable: among equal priors, earlier passages and sentences go first.
    shortlist = sorted(scored, key=lambda item: item[0], reverse=True)[:MAX_EMBEDDED_SENTENCES]
    texts = [c.text for _, c, _, _ in shortlist]
    if question_vector is None:
        vectors = embedder.embed([question] + texts)
        question_vector, vectors = vectors[0], vectors[1:]
    else:
        vectors = embedder.embed(texts)
    similarities = vectors @ question_vector
    ranked = []
    for (prior, candidate, typed, lexical), similarity in zip(shortlist, similarities, strict=True):
        score = SEMANTIC_WEIGHT * float(similarity) + prior
        ranked.append(
            Evidence(
                candidate.n,
                candidate.passage,
                candidate.text,
                candidate.start,
                candidate.end,
                round(score, 4),
                round(float(similarity), 4),
                typed,
                lexical,
            )
        )
    return sorted(ranked, key=lambda e: e.score, reverse=True)
