"""The answering pipeline: retrieve -> check answerability -> rank candidate spans -> reread
them (reader) -> prompt -> generate -> verify; the model is asked only where its reply can
change the answer or verify it (short_answers.reply_can_matter)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from indexer.embedding import Embedder
from indexer.store import StoredDocument
from service.answerability import (
    MIN_PASSAGE_SIMILARITY,
    MIN_TOPIC_SIMILARITY,
    assess_answerability,
    assess_recency,
)
from service.answers import (
    ABSTENTION_TEXT,
    Answer,
    AnswerEvent,
    Citation,
    FinalEvent,
    Grounding,
    ShortAnswer,
    TokenEvent,
)
from service.backends.base import Backend, ChatMessage, GenerationRequest
from service.errors import InvalidRequest
from service.evidence import Evidence, rank_evidence
from service.metadata_answers import metadata_fact, missing_reason, opening_span
from service.passages import Passage
from service.prompting import PromptLibrary
from service.question import QuestionProfile, profile_question
from service.reader import LikelihoodReader, reread
from service.retrieval import Retriever, SearchFilters
from service.short_answers import (
    MODEL_CHOICE_MARGIN,
    SettledSpan,
    reply_can_matter,
    settle_short_answer,
)
from service.snapshots import StoreSnapshots
from service.span_scoring import rank_candidates
from service.spans import sentences_to_show, supporting_sentence

logger = logging.getLogger(__name__)


# What to send instead of an empty question or search query.
_ASK_FOR = {
    "question": "ask something about the articles",
    "query": "give some words to search the articles for",
}


@dataclass(frozen=True)
class EngineLimits:
    """Bounds on what one question may ask for."""

    top_k: int = 10
    max_top_k: int = 50
    max_question_chars: int = 2000
    # A short answer is a few words; a reply longer than this is cut off.
    max_answer_tokens: int = 24
    # Candidate spans listed in the prompt for the model to choose among, and at most as many
    # evidence sentences (theirs first): reading the prompt is most of a small model's time.
    shown_candidates: int = 5
    # On a question asked on a given day (as_of), answer what no second article states only
    # where a headline of its week names it or it is strongly supported
    # (answerability.assess_recency; by default only a weakly supported answer from other
    # weeks' articles is refused).
    week_required: bool = False
    # On a question asked on a given day, a weakly supported answer that no second article
    # states is refused where no passage is this similar to the question (answerability.
    # MIN_PASSAGE_SIMILARITY; 0 turns it off).
    min_passage_similarity: float = MIN_PASSAGE_SIMILARITY
    # Any question is refused where no passage or evidence sentence is even this similar to
    # it: nothing found is about it (answerability.MIN_TOPIC_SIMILARITY; 0 turns it off).
    min_topic_similarity: float = MIN_TOPIC_SIMILARITY
    # How far below the best candidate the model's chosen span may score and still answer.
    model_choice_margin: float = MODEL_CHOICE_MARGIN
    # Ask the model even where its reply cannot change the answer (short_answers.
    # reply_can_matter): to watch it stream, or to measure it.
    ask_model_always: bool = False


@dataclass(frozen=True)
class Reading:
    """A question as the engine reads it before answering: its profile, the passages found
    and their sentences ranked as evidence, best first."""

    profile: QuestionProfile
    passages: list[Passage]
    ranked: list[Evidence]
    # The first and last ISO day of the week asked (retrieval.recent_range), or None.
    week: tuple[str, str] | None = None


class Engine:
    """Answers questions over the current store version with a backend, verifying citations."""

    def __init__(
        self,
        snapshots: StoreSnapshots,
        backend: Backend,
        embedder: Embedder,
        prompts: PromptLibrary,
        limits: EngineLimits | None = None,
        reader: LikelihoodReader | None = None,
    ) -> None:
        self.snapshots = snapshots
        self.backend = backend
        self.embedder = embedder
        self.prompts = prompts
        self.limits = limits or EngineLimits()
        # Rescores the best candidates by a base model's likelihood (service/reader.py).
        self.reader = reader

    # --- public calls -------------------------------------------------------------------
    def search(
        self, query: str, *, top_k: int | None = None, filters: SearchFilters | None = None
    ) -> list[Passage]:
        """Passages only, no generation."""
        query = self._checked_question(query, what="query")
        return self._retrieve(self.snapshots.current().retriever, query, top_k, filters)

    def read(
        self, question: str, *, top_k: int | None = None, filters: SearchFilters | None = None
    ) -> Reading:
        """What `ask` reads for a question, without answering it: the question's profile, the
        passages found and their sentences ranked as evidence (to study answer selection)."""
        query = self._checked_question(question)
        vector = self.embedder.embed([query])[0]
        snapshot = self.snapshots.current()
        passages = self._retrieve(snapshot.retriever, query, top_k, filters, vector)
        week = snapshot.retriever.week_asked(filters)
        ranked = self._rank(query, passages, week, vector)
        return Reading(profile_question(query), passages, ranked, week)

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
        snapshot = self.snapshots.current()
        passages = self._retrieve(snapshot.retriever, query, top_k, filters, query_vector)
        profile = profile_question(query)
        if profile.metadata is not None and passages:
            # "Who wrote the article about ...": the byline of the article the question finds.
            clock.mark("retrieval")
            document = snapshot.store.get_document(passages[0].document_id)
            answer = self._from_metadata(question, profile.metadata, document, passages, clock)
            if standalone_question is not None:
                answer = _with_standalone(answer, standalone_question)
            yield FinalEvent(answer)
            return
        # The week asked about (today's without a date): its articles' sentences count for
        # more as evidence, and their headlines for the candidates they name.
        week = snapshot.retriever.week_asked(filters)
        ranked = self._rank(query, passages, week, query_vector)
        clock.mark("retrieval")
        verdict = assess_answerability(
            profile, passages, ranked, min_similarity=self.limits.min_topic_similarity
        )
        if not verdict.answerable:
            yield FinalEvent(
                self._abstain(question, passages, clock, verdict.reason, standalone_question)
            )
            return
        candidates = rank_candidates(profile, ranked, passages, week=week)
        if not candidates:
            reason = (
                f"no sentence about the question gives the {profile.kind or 'answer'} it asks for"
            )
            yield FinalEvent(self._abstain(question, passages, clock, reason, standalone_question))
            return
        if filters is not None and filters.as_of is not None:
            best = candidates[0]
            recency = assess_recency(
                passages,
                week,
                best.text,
                best.documents,
                best.score,
                required=self.limits.week_required,
                min_similarity=self.limits.min_passage_similarity,
            )
            if not recency.answerable:
                yield FinalEvent(
                    self._abstain(question, passages, clock, recency.reason, standalone_question)
                )
                return
        # The reader's name goes on the answer only where it did rescore the candidates.
        read_by = None
        if self.reader is not None:
            rescored = reread(self.reader, self.prompts, profile, candidates)
            if rescored is not None:
                candidates, read_by = rescored, self.reader.name
                clock.mark("reading")
        llm = self.backend.name != "extractive"
        margin = self.limits.model_choice_margin
        asked = self.limits.ask_model_always or reply_can_matter(profile, candidates, margin)
        if llm and not asked:
            # No reply could change this answer or verify it: the model is not asked.
            unasked = SettledSpan(candidates[0], verified=False, rejected_reply=None)
            answer = self._answer(question, unasked, ranked, clock, read_by, model_asked=False)
            if standalone_question is not None:
                answer = _with_standalone(answer, standalone_question)
            yield FinalEvent(answer)
            return
        # The model reads only the best evidence sentences and the candidate spans: a short
        # prompt, and a job a small model can do (choose the span that answers).
        listed = candidates[: self.limits.shown_candidates]
        shown = sentences_to_show(listed, ranked, self.limits.shown_candidates)
        request = GenerationRequest(
            messages=self.prompts.short_answer_messages(query, shown, [c.text for c in listed]),
            max_tokens=self.limits.max_answer_tokens,
            question=query,
            passages=passages,
            stop=("\n",),
            evidence=ranked,
            candidates=candidates,
        )
        pieces: list[str] = []
        for piece in self.backend.generate(request):
            clock.mark_once("first_token")
            pieces.append(piece)
            yield TokenEvent(piece)
        settled = settle_short_answer(
            "".join(pieces),
            profile,
            candidates,
            ranked,
            passages,
            margin=margin,
        )
        answer = self._answer(question, settled, ranked, clock, read_by)
        if standalone_question is not None:
            answer = _with_standalone(answer, standalone_question)
        yield FinalEvent(answer)

    def _retrieve(
        self,
        retriever: Retriever,
        query: str,
        top_k: int | None,
        filters: SearchFilters | None,
        query_vector: np.ndarray | None = None,
    ) -> list[Passage]:
        return retriever.search(
            query, top_k=top_k or self.limits.top_k, filters=filters, query_vector=query_vector
        )

    def _rank(
        self,
        query: str,
        passages: list[Passage],
        week: tuple[str, str] | None,
        query_vector: np.ndarray,
    ) -> list[Evidence]:
        return rank_evidence(
            query, passages, self.embedder, question_vector=query_vector, recent=week
        )

    def condense(self, history: Sequence[ChatMessage], question: str) -> str:
        """A follow-up rewritten as a standalone question (the question itself if no history)."""
        question = self._checked_question(question)
        if not history:
            return question
        from service.condense import condense_question

        return condense_question(history, question, self.backend, self.prompts)

    # --- internals ----------------------------------------------------------------------
    def _checked_question(self, question: str, what: str = "question") -> str:
        if not isinstance(question, str) or not question.strip():
            raise InvalidRequest(f"the {what} is empty; {_ASK_FOR[what]}")
        if len(question) > self.limits.max_question_chars:
            raise InvalidRequest(
                f"the {what} is {len(question)} characters long; the limit is "
                f"{self.limits.max_question_chars}"
            )
        return question.strip()

    def _answer(
        self,
        question: str,
        settled: SettledSpan,
        ranked: list[Evidence],
        clock: _Clock,
        read_by: str | None,
        model_asked: bool = True,
    ) -> Answer:
        # The short answer leads; then the best evidence sentence on the question, which is
        # the span's own sentence or the one the reader most needs beside it.
        span = settled.candidate
        llm = self.backend.name != "extractive"
        grounding: Grounding = "verified" if settled.verified and llm else "extractive"
        citations = [_citation(1, span.evidence, span.score)]
        best = ranked[0] if ranked else span.evidence
        if (best.passage.document_id, best.start) != (
            span.evidence.passage.document_id,
            span.evidence.start,
        ):
            citations.append(_citation(2, best, best.score))
        support = supporting_sentence(citations[-1].quote)
        text = f"{span.text} [1]"
        if support.strip() != span.text:
            text += f". {support} [{citations[-1].n}]"
        removed = [settled.rejected_reply] if llm and settled.rejected_reply else []
        clock.mark("total")
        return Answer(
            question=question,
            answer=text,
            abstained=False,
            grounding=grounding,
            citations=citations,
            related=[],
            backend=self.backend.name,
            model=self.backend.model,
            timings_ms=clock.timings(),
            removed_sentences=removed,
            short_answer=ShortAnswer(span.text, 1, span.start, span.end),
            reader=read_by,
            model_asked=model_asked,
        )

    def _from_metadata(
        self,
        question: str,
        field: str,
        document: StoredDocument,
        passages: list[Passage],
        clock: _Clock,
    ) -> Answer:
        info = document.info
        fact = metadata_fact(info, field)
        if fact is None:
            return self._abstain(question, passages, clock, missing_reason(field, info.title), None)
        start, end = opening_span(document.text)
        top = passages[0]
        citation = Citation(
            n=1,
            document_id=info.id,
            source=info.source,
            title=info.title,
            published=info.published,
            quote=document.text[start:end],
            start=start,
            end=end,
            score=top.score,
        )
        clock.mark("total")
        return Answer(
            question=question,
            answer=f"{fact.value} [1] ({fact.provenance}).",
            abstained=False,
            grounding="metadata",
            citations=[citation],
            related=[],
            backend=self.backend.name,
            model=self.backend.model,
            timings_ms=clock.timings(),
            short_answer=ShortAnswer(fact.value, 1, None, None, field),
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
