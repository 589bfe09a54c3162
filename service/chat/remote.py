"""The HTTP transport: the chat as a client of a running `footnote serve`, streaming over SSE.

It talks through the one service client (service/client.py), which maps httpx errors and the
service's problem+json answers to Footnote errors, so the rest of the chat handles one error
tree whether it runs locally or remotely.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterator, Sequence
from typing import Any
from urllib.parse import quote

from service.answers import AnswerEvent, FinalEvent, TokenEvent
from service.backends.base import ChatMessage
from service.chat.session import Article
from service.client import ServiceClient, json_data, problem_error
from service.errors import InvalidRequest, ServiceFailed
from service.retrieval import SearchFilters
from service.wire import ServerEvent, answer_from_json

logger = logging.getLogger(__name__)


class RemoteTransport:
    """Asks a Footnote service at `url`: POST /v1/chat with stream=true, read SSE."""

    can_switch_backend = False

    def __init__(self, url: str, *, api_key: str | None = None) -> None:
        self._client = ServiceClient(url, api_key=api_key)
        self.url = self._client.url
        self.description = self.url
        self._backend = ""
        self._model = ""

    def check(self) -> None:
        """Reach /healthz, which needs no key; ServiceUnreachable if nothing answers."""
        self._client.call("GET", "/healthz")

    def answer(
        self,
        history: Sequence[ChatMessage],
        question: str,
        *,
        top_k: int | None,
        filters: SearchFilters,
    ) -> Generator[AnswerEvent, None, None]:
        """The service's stream of token events, then its final answer (authoritative)."""
        messages = [{"role": m.role, "content": m.content} for m in history]
        messages.append({"role": "user", "content": question})
        body: dict[str, Any] = {"messages": messages, "stream": True}
        if top_k is not None:
            body["top_k"] = top_k
        if filters.given:
            body["filters"] = {
                "published_from": filters.published_from,
                "published_to": filters.published_to,
                "sources": list(filters.sources),
                "as_of": filters.as_of,
            }
        yield from self._answer_events(self._client.events("/v1/chat", body))

    def article(self, document_id: str) -> Article:
        """GET /v1/documents/{id}: the whole cleaned article."""
        body = self._client.call("GET", f"/v1/documents/{quote(document_id, safe='')}")
        try:
            return Article(
                document_id=str(body["id"]),
                source=str(body["source"]),
                title=body.get("title"),
                outlet=body.get("outlet"),
                published=body.get("published"),
                text=str(body["text"]),
            )
        except KeyError as exc:
            raise ServiceFailed(
                f"the server's document has no {exc} field; run the same Footnote version"
            ) from exc

    def backend_name(self) -> str:
        """The backend of the last answer ('' before the first one)."""
        return self._backend

    def backend_label(self) -> str:
        """The server's backend as its last answer reported it."""
        if not self._backend:
            return f"chosen by the server at {self.url} (shown after the first answer)"
        model = "" if self._model == self._backend else f" ({self._model})"
        return f"{self._backend}{model}, chosen by the server at {self.url}"

    def use_backend(self, name: str) -> None:
        """Refused: the server chooses its backend."""
        raise InvalidRequest(
            "the server chooses the backend; set FOOTNOTE_LLM where 'footnote serve' runs"
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    # --- internals ----------------------------------------------------------------------
    def _answer_events(self, events: Iterator[ServerEvent]) -> Iterator[AnswerEvent]:
        for event in events:
            if event.name == "token":
                yield TokenEvent(str(json_data(event).get("text", "")))
            elif event.name == "final":
                answer = answer_from_json(json_data(event))
                self._backend, self._model = answer.backend, answer.model
                yield FinalEvent(answer)
            elif event.name == "error":
                raise problem_error(json_data(event), status=None, retry_after=None)
            elif event.name == "done":
                return
        raise ServiceFailed(
            f"the answer stream from {self.url} ended before the answer; "
            f"the server may have restarted, ask again"
        )
