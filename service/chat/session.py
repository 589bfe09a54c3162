"""A conversation with the archive, independent of any terminal: history, filters, last answer.

The answers come from a Transport: the Engine in this process, or a running Footnote service.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from indexer.errors import DocumentNotFound
from service.answers import Answer, AnswerEvent, FinalEvent, TokenEvent
from service.backends.base import ChatMessage
from service.errors import BackendError, InvalidRequest
from service.retrieval import SearchFilters

logger = logging.getLogger(__name__)

# Messages kept for follow-ups: condensing reads the last 4 turns (service/condense.py), and a
# bounded history keeps remote request bodies small however long the chat runs.
HISTORY_MESSAGES = 16
FALLBACK_BACKEND = "extractive"


@dataclass(frozen=True)
class Notice:
    """Something to tell the person mid-answer; any text streamed before it is void."""

    text: str


ChatEvent = TokenEvent | FinalEvent | Notice


@dataclass(frozen=True)
class Article:
    """One whole cleaned article, as /open shows it."""

    document_id: str
    source: str
    title: str | None
    outlet: str | None
    published: str | None
    text: str


class Transport(Protocol):
    """Where answers come from: the Engine in this process, or a Footnote service over HTTP."""

    description: str
    """Where the archive is, for the banner: a store directory or a URL."""
    can_switch_backend: bool
    """Whether /backend NAME may switch the answer backend (only in-process)."""

    def check(self) -> None:
        """Raise a FootnoteError if the archive cannot be reached; BackendError if only the LLM."""
        ...

    def answer(
        self,
        history: Sequence[ChatMessage],
        question: str,
        *,
        top_k: int | None,
        filters: SearchFilters,
    ) -> Generator[AnswerEvent, None, None]:
        """Token events as the answer is written, then one FinalEvent; closing stops it."""
        ...

    def article(self, document_id: str) -> Article:
        """The whole article; DocumentNotFound if the archive no longer has it."""
        ...

    def backend_name(self) -> str:
        """The backend answering now ('llamacpp'...); '' if not known yet."""
        ...

    def backend_label(self) -> str:
        """The backend and model answering now, in words."""
        ...

    def use_backend(self, name: str) -> None:
        """Answer with another backend from now on; BackendError if it cannot answer."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...


class ChatSession:
    """One conversation: asks with the history and filters, remembers the last answer."""

    def __init__(self, transport: Transport, *, top_k: int | None = None) -> None:
        if top_k is not None and top_k < 1:
            raise InvalidRequest(f"top_k must be at least 1, not {top_k}")
        self.transport = transport
        self.top_k = top_k
        self.filters = SearchFilters()
        self.history: list[ChatMessage] = []
        self.last: Answer | None = None
        self._articles: dict[str, Article] = {}

    def start(self) -> Iterator[Notice]:
        """Check the archive (errors propagate); if only the LLM is down, fall back and say so."""
        try:
            self.transport.check()
        except BackendError as exc:
            yield self._fall_back(exc)

    def ask(self, question: str) -> Generator[ChatEvent, None, None]:
        """Stream the answer to `question`, in the light of the conversation so far."""
        try:
            yield from self._ask_once(question)
        except BackendError as exc:
            yield self._fall_back(exc)
            yield from self._ask_once(question)

    def reset(self) -> None:
        """Forget the conversation and the last answer; filters and backend stay."""
        self.history.clear()
        self.last = None
        self._articles.clear()

    def use_backend(self, name: str) -> None:
        """Switch the answer backend (in-process chats only)."""
        if not self.transport.can_switch_backend:
            raise InvalidRequest(
                "the server chooses the backend; set FOOTNOTE_LLM where 'footnote serve' runs"
            )
        self.transport.use_backend(name)

    def article(self, document_id: str) -> Article:
        """The whole article, fetched once per answer."""
        if document_id not in self._articles:
            self._articles[document_id] = self.transport.article(document_id)
        return self._articles[document_id]

    def source_article(self, n: int) -> Article:
        """The article behind source `n` of the last answer (its closest passage n if it
        abstained); InvalidRequest if there is no such source."""
        ids = self.source_document_ids()
        if not ids:
            raise InvalidRequest("there is no answer yet; ask a question first")
        if not 1 <= n <= len(ids):
            raise InvalidRequest(f"the last answer has sources 1 to {len(ids)}, not {n}")
        return self.article(ids[n - 1])

    def source_document_ids(self) -> list[str]:
        """Document ids of the last answer's numbered sources, in order."""
        if self.last is None:
            return []
        if self.last.citations:
            return [c.document_id for c in self.last.citations]
        return [p.document_id for p in self.last.related]

    def outlets(self, answer: Answer) -> dict[str, str | None]:
        """Outlet of each cited document (citations do not carry it); None where unknown."""
        found: dict[str, str | None] = {p.document_id: p.outlet for p in answer.related}
        for citation in answer.citations:
            if citation.document_id not in found:
                try:
                    found[citation.document_id] = self.article(citation.document_id).outlet
                except DocumentNotFound:  # re-indexed since it answered: show the rest anyway
                    found[citation.document_id] = None
        return found

    def _ask_once(self, question: str) -> Generator[ChatEvent, None, None]:
        events = self.transport.answer(
            self.history, question, top_k=self.top_k, filters=self.filters
        )
        with contextlib.closing(events):  # stopping the chat's stream stops the transport's
            for event in events:
                if isinstance(event, FinalEvent):
                    self._remember(event.answer)
                yield event

    def _remember(self, answer: Answer) -> None:
        self.last = answer
        self._articles.clear()
        self.history += [
            ChatMessage("user", answer.question),
            ChatMessage("assistant", answer.answer),
        ]
        del self.history[:-HISTORY_MESSAGES]

    def _fall_back(self, exc: BackendError) -> Notice:
        """Switch to quoting after an LLM failure, or re-raise where that is not possible.

        A failed LLM usually fails again (a server down, a model missing) and may first make
        the person wait out a timeout; quoting answers at once and is verified all the same.
        """
        failed = self.transport.backend_name()
        if not self.transport.can_switch_backend or failed == FALLBACK_BACKEND:
            raise exc
        logger.info("backend %s failed (%s); falling back to %s", failed, exc, FALLBACK_BACKEND)
        self.transport.use_backend(FALLBACK_BACKEND)
        return Notice(
            f"the {failed} backend failed: {exc}. Answering by quoting the articles instead; "
            f"type /backend {failed} to try it again."
        )
