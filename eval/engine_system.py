"""The service's Engine in this process as a system under evaluation (its public interface only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eval.runner import SystemReply
from indexer.errors import DocumentNotFound
from service import SearchFilters

if TYPE_CHECKING:
    from service import Engine


class EngineSystem:
    """Asks an Engine: its answer, its search for the ranking, its store for cited articles.

    The ranking comes from `Engine.search` with the same question and k, which is the retrieval
    `ask` ran; an answer's citations alone would hide the passages it did not quote.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.label = str(engine.backend.name)
        # Document ids are content hashes, so a text fetched once stays right for the run.
        self._texts: dict[str, str | None] = {}

    def check(self) -> None:
        """Open the store (StoreNotFound...), then load the backend (BackendError)."""
        self.engine.snapshots.current()
        self.engine.backend.check()

    def reply(self, question: str, k: int, as_of: str | None = None) -> SystemReply:
        """The engine's answer to `question` with `k` passages, and what scoring needs."""
        filters = SearchFilters(as_of=as_of)
        answer: dict[str, Any] = self.engine.ask(question, top_k=k, filters=filters).to_json()
        passages = self.engine.search(question, top_k=k, filters=filters)
        cited = dict.fromkeys(str(c["document_id"]) for c in answer["citations"])
        texts = {document_id: self._text(document_id) for document_id in cited}
        return SystemReply(
            answer=answer,
            retrieved_sources=tuple(p.source for p in passages),
            articles={i: text for i, text in texts.items() if text is not None},
        )

    def close(self) -> None:
        """Nothing to release: the engine belongs to the caller."""

    def _text(self, document_id: str) -> str | None:
        if document_id not in self._texts:
            store = self.engine.snapshots.current().store
            try:
                self._texts[document_id] = store.get_document(document_id).text
            except DocumentNotFound:
                # A citation of a document the store lacks is scored invalid, not an error.
                self._texts[document_id] = None
        return self._texts[document_id]
