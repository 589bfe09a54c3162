"""The answering pipeline: retrieve -> check answerability -> prompt -> generate -> verify."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from indexer.embedding import Embedder
from service.answers import (
    ABSTENTION_TEXT,
    Answer,
    AnswerEvent,
    Citation,
    FinalEvent,
    Grounding,
    TokenEvent,
)
from service.backends.base import Backend, ChatMessage, GenerationRequest
from service.backends.extractive import ExtractiveBackend, select_quotes
from service.errors import InvalidRequest
from service.evidence import Evidence, passages_for_prompt, rank_evidence
from service.passages import Passage
from service.prompting import PromptLibrary
from service.retrieval import SearchFilters
from service.snapshots import StoreSnapshots
from service.verification import (
    SupportedSentence,
    assess_answerability,
    verify_answer,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineLimits:
    """Bounds on what one question may ask for."""

    top_k: int = 5
    max_top_k: int = 50
    max_question_chars: int = 2000
    max_answer_tokens: int = 256
    support_threshold: float = 0.6
    llm_passages: int = 5


class Engine:
    """Answers questions over the current store version with a backend, verifying citations."""

    def __init__(
        self,
        snapshots: StoreSnapshots,
        backend: Backend,
        embedder: Embedder,
        prompts: PromptLibrary,
        limits: EngineLimits | None = None,
    ) -> None:
        self.snapshots = snapshots
        self.backend = backend
        self.embedder = embedder
        self.prompts = prompts
        self.limits = limits or EngineLimits()
        self._extractive = ExtractiveBackend(embedder)

    # --- public calls -------------------------------------------------------------------
    def search(
        self, query: str, *, top_k: int | None = None, filters: SearchFilters | None = None
    ) -> list[Passage]:
        """Passages only, no generation."""
        query = self._checked_question(query)
        return self._retrieve(query, top_k, filters)

    def ask(
        self,
        question: str,
        *,
        top_k: int | None = None,
        filters: SearchFilters | None = None,
        standalone_question: str | None = None,
    ) -> Answer:
        """The verified answer, without streaming."""
        for event in self.ask_stream(
            question, top_k=top_k, filters=filters, standalone_question=standalone_question
        ):
            if isinstance(event, FinalEvent):
                return event.answer
        raise AssertionError("ask_stream ended without a final answer")  # pragma: no cover

    def ask_stream(
        self,
        question: str,
        *,
        top_k: int | None = None,
        filters: SearchFilters | None = None,
        standalone_question: str | None = None,
    ) -> Iterator[AnswerEvent]:
        """Token events as the backend writes, then one FinalEvent with the verified answer."""
        question = self._checked_question(question)
        query = standalone_question or question
        clock = _Clock()
        # The question is embedded once, for both the passage search and the evidence ranking.
        query_vector = self.embedder.embed([query])[0]
        passages = self._retrieve(query, top_k, filters, query_vector)
        ranked = rank_evidence(query, passages, self.embedder, question_vector=query_vector)
        clock.mark("retrieval")
        verdict = assess_answerability(query, passages, ranked)
        if not verdict.answerable:
            yield FinalEvent(
                self._abstain(question, passages, clock, verdict.reason, standalone_question)
            )
            return
        # The model reads only the passages with the best evidence: on the embedded backend,
        # reading the prompt takes most of the answer's time.
        shown = passages_for_prompt(passages, ranked, self.limits.llm_passages)
        request = GenerationRequest(
            messages=self.prompts.answer_messages(query, shown),
            max_tokens=self.limits.max_answer_tokens,
            question=query,
            passages=shown,
            evidence=ranked,
        )
        pieces: list[str] = []
        for piece in self.backend.generate(request):
            clock.mark_once("first_token")
            pieces.append(piece)
            yield TokenEvent(piece)
        answer = self._settle(question, query, "".join(pieces), passages, shown, ranked, clock)
        if standalone_question is not None:
            answer = _with_standalone(answer, standalone_question)
        yield FinalEvent(answer)

    def _retrieve(
        self,
        query: str,
        top_k: int | None,
        filters: SearchFilters | None,
        query_vector: np.ndarray | None = None,
    ) -> list[Passage]:
        retriever = self.snapshots.current().retriever
        return retriever.search(
            query, top_k=top_k or self.limits.top_k, filters=filters, query_vector=query_vector
        )

    def condense(self, history: Sequence[ChatMessage], question: str) -> str:
        """A follow-up rewritten as a standalone question (the question itself if no history)."""
        question = self._checked_question(question)
        if not history:
            return question
        from service.condense import condense_question

        return condense_question(history, question, self.backend, self.prompts)

    # --- internals ----------------------------------------------------------------------
    def _checked_question(self, question: str) -> str:
        if not isinstance(question, str) or not question.strip():
            raise InvalidRequest("the question is empty; ask something about the articles")
        if len(question) > self.limits.max_question_chars:
            raise InvalidRequest(
                f"the question is {len(question)} characters long; the limit is "
                f"{self.limits.max_question_chars}"
            )
        return question.strip()

    def _settle(
        self,
        question: str,
        query: str,
        generated: str,
        passages: list[Passage],
        shown: list[Passage],
        ranked: list[Evidence],
        clock: _Clock,
    ) -> Answer:
        # `shown` are the passages the model read, numbered as its [n] markers count them.
        if self.backend.name == "extractive":
            kept = _as_supported(select_quotes(ranked, self._extractive.max_sentences))
            return self._answer(question, kept, "extractive", passages, clock, [])
        check = verify_answer(
            generated, query, shown, self.embedder, threshold=self.limits.support_threshold
        )
        if check.sentences:
            return self._answer(
                question, check.sentences, "verified", passages, clock, check.removed
            )
        # Nothing the model wrote could be verified: quote the evidence instead.
        logger.info("no generated sentence was supported; falling back to quoting")
        kept = _as_supported(select_quotes(ranked, self._extractive.max_sentences))
        return self._answer(question, kept, "extractive", passages, clock, check.removed)

    def _answer(
        self,
        question: str,
        kept: Sequence[SupportedSentence],
        grounding: Grounding,
        passages: list[Passage],
        clock: _Clock,
        removed: list[str],
    ) -> Answer:
        numbering: dict[tuple[str, int], int] = {}
        citations: list[Citation] = []
        parts: list[str] = []
        for sentence in kept:
            e = sentence.evidence
            # One citation per quoted span: overlapping chunks can hold the same sentence.
            key = (e.passage.document_id, e.start)
            if key not in numbering:
                numbering[key] = len(citations) + 1
                citations.append(_citation(numbering[key], e, sentence.support))
            parts.append(f"{sentence.text} [{numbering[key]}]")
        clock.mark("total")
        return Answer(
            question=question,
            answer=" ".join(parts),
            abstained=False,
            grounding=grounding,
            citations=citations,
            related=[] if citations else passages,
            backend=self.backend.name,
            model=self.backend.model,
            timings_ms=clock.timings(),
            removed_sentences=removed,
        )

    def _abstain(
        self,
        question: str,
        passages: list[Passage],
        clock: _Clock,
        reason: str,
        standalone: str | None,
    ) -> Answer:
        clock.mark("total")
        logger.info("abstaining on %r: %s", question, reason)
        return Answer(
            question=question,
            answer=ABSTENTION_TEXT,
            abstained=True,
            grounding="abstained",
            citations=[],
            related=passages,
            backend=self.backend.name,
            model=self.backend.model,
            timings_ms=clock.timings(),
            reason=reason,
            standalone_question=standalone,
        )


def _as_supported(evidence: Sequence[Evidence]) -> list[SupportedSentence]:
    # A quoted sentence is its own evidence; strip a trailing marker-like bracket if any.
    return [SupportedSentence(re.sub(r"\s+", " ", e.text), e, 1.0) for e in evidence]


def _citation(n: int, e: Evidence, support: float) -> Citation:
    p = e.passage
    return Citation(
        n=n,
        document_id=p.document_id,
        source=p.source,
        title=p.title,
        published=p.published,
        quote=e.text,
        start=e.start,
        end=e.end,
        score=support,
    )


def _with_standalone(answer: Answer, standalone: str) -> Answer:
    from dataclasses import replace

    return replace(answer, standalone_question=standalone)


class _Clock:
    """Milliseconds since the question arrived, at named moments."""

    def __init__(self) -> None:
        self._start = time.perf_counter()
        self._marks: dict[str, float | None] = {"retrieval": None, "first_token": None}

    def mark(self, name: str) -> None:
        self._marks[name] = round((time.perf_counter() - self._start) * 1000, 2)

    def mark_once(self, name: str) -> None:
        if self._marks.get(name) is None:
            self.mark(name)

    def timings(self) -> dict[str, float | None]:
        return dict(self._marks)
