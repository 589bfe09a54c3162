"""The in-process transport: the chat asks an Engine over a local store directly."""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Sequence

from service.answers import AnswerEvent
from service.archive import Archive
from service.backends.base import Backend, ChatMessage
from service.chat.session import Article
from service.engine import Engine
from service.retrieval import SearchFilters

logger = logging.getLogger(__name__)

BackendMaker = Callable[[str], Backend]


class LocalTransport:
    """Answers with an Engine in this process: condense the follow-up, then stream."""

    can_switch_backend = True

    def __init__(self, engine: Engine, make_backend: BackendMaker) -> None:
        self._engine = engine
        self._make_backend = make_backend
        self.description = f"the store at {engine.snapshots.index_dir}"

    def check(self) -> None:
        """Open the store (StoreNotFound...), then load the backend (BackendError)."""
        self._engine.snapshots.current()
        self._engine.backend.check()

    def answer(
        self,
        history: Sequence[ChatMessage],
        question: str,
        *,
        top_k: int | None,
        filters: SearchFilters,
    ) -> Generator[AnswerEvent, None, None]:
        """The engine's stream, searching with the follow-up rewritten as a standalone question."""
        standalone = self._engine.condense(history, question)
        differs = standalone.strip() != question.strip()
        events = self._engine.ask_stream(
            question,
            top_k=top_k,
            filters=filters if filters.given else None,
            standalone_question=standalone if differs else None,
        )
        try:
            yield from events
        finally:
            # Closing at once releases the backend (llama.cpp holds a lock while it streams).
            if isinstance(events, Generator):
                events.close()

    def article(self, document_id: str) -> Article:
        """The cleaned article from the current store version."""
        document = Archive(self._engine.snapshots).document(document_id)
        info = document.info
        return Article(
            document_id=info.id,
            source=info.source,
            title=info.title,
            outlet=info.outlet,
            published=info.published,
            text=document.text,
        )

    def backend_name(self) -> str:
        """The engine's backend name."""
        return str(self._engine.backend.name)

    def backend_label(self) -> str:
        """Backend and model, e.g. 'llamacpp (SmolLM2-135M-Instruct.Q4_1.gguf)'."""
        backend = self._engine.backend
        if backend.name == backend.model:
            return str(backend.name)
        return f"{backend.name} ({backend.model})"

    def use_backend(self, name: str) -> None:
        """Build and load the named backend; keep the current one if that fails."""
        backend = self._make_backend(name)
        backend.check()
        old = self._engine
        # Share the store snapshots, embedder and prompts: only the backend changes.
        self._engine = Engine(old.snapshots, backend, old.embedder, old.prompts, old.limits)
        logger.info("answering with %s now", name)

    def close(self) -> None:
        """Nothing to release: the store is read-only and closed with the process."""
