"""The HTTP transport: the chat as a client of a running `footnote serve`, streaming over SSE.

httpx errors and the service's problem+json answers are mapped to Footnote errors here, at the
border, so the rest of the chat handles one error tree whether it runs locally or remotely.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Generator, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from indexer.errors import DocumentNotFound, FootnoteError
from service.answers import AnswerEvent, FinalEvent, TokenEvent
from service.backends.base import ChatMessage
from service.chat.errors import ServiceFailed, ServiceUnreachable
from service.chat.session import Article
from service.chat.wire import ServerEvent, answer_from_json, read_events
from service.errors import (
    BackendUnavailable,
    InvalidRequest,
    PayloadTooLarge,
    QueueFull,
    Unauthorized,
)
from service.retrieval import SearchFilters

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5.0
# Between two streamed pieces: a queued question may wait behind others' generations first.
# Ctrl-C ends the wait sooner.
READ_TIMEOUT_S = 600.0

# Statuses the service uses for one error class each (service/api/problems.py).
_BY_STATUS: dict[int, type[FootnoteError]] = {
    400: InvalidRequest,
    404: DocumentNotFound,
    413: PayloadTooLarge,
    422: InvalidRequest,
}


class RemoteTransport:
    """Asks a Footnote service at `url`: POST /v1/chat with stream=true, read SSE."""

    can_switch_backend = False

    def __init__(
        self, url: str, *, api_key: str | None = None, client: httpx.Client | None = None
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise InvalidRequest(f"{url!r} is not an http(s) URL; pass e.g. http://127.0.0.1:8000")
        self.url = url.rstrip("/")
        self.description = self.url
        self._api_key = api_key
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = client or httpx.Client(
            headers=headers, timeout=httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
        )
        self._backend = ""
        self._model = ""

    def check(self) -> None:
        """Reach /healthz, which needs no key; ServiceUnreachable if nothing answers."""
        response = self._request("GET", "/healthz")
        if response.status_code >= 400:
            raise self._problem(response)

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
        if filters.active:
            body["filters"] = {
                "published_from": filters.published_from,
                "published_to": filters.published_to,
                "sources": list(filters.sources),
            }
        try:
            with self._client.stream("POST", self._at("/v1/chat"), json=body) as response:
                if response.status_code >= 400:
                    response.read()
                    raise self._problem(response)
                yield from self._answer_events(read_events(response.iter_lines()))
        except httpx.HTTPError as exc:
            raise self._unreachable(exc) from exc

    def article(self, document_id: str) -> Article:
        """GET /v1/documents/{id}: the whole cleaned article."""
        response = self._request("GET", f"/v1/documents/{quote(document_id, safe='')}")
        if response.status_code >= 400:
            raise self._problem(response)
        body = _json_object(response)
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
    def _at(self, path: str) -> str:
        return f"{self.url}{path}"

    def _request(self, method: str, path: str) -> httpx.Response:
        try:
            return self._client.request(method, self._at(path))
        except httpx.HTTPError as exc:
            raise self._unreachable(exc) from exc

    def _answer_events(self, events: Iterator[ServerEvent]) -> Iterator[AnswerEvent]:
        for event in events:
            if event.name == "token":
                yield TokenEvent(str(_json_data(event).get("text", "")))
            elif event.name == "final":
                answer = answer_from_json(_json_data(event))
                self._backend, self._model = answer.backend, answer.model
                yield FinalEvent(answer)
            elif event.name == "error":
                raise _problem_error(_json_data(event), status=None, retry_after=None)
            elif event.name == "done":
                return
        raise ServiceFailed(
            f"the answer stream from {self.url} ended before the answer; "
            f"the server may have restarted, ask again"
        )

    def _problem(self, response: httpx.Response) -> FootnoteError:
        try:
            body = response.json()
        except ValueError:
            body = {}
        problem = body if isinstance(body, dict) else {}
        if response.status_code == 401:
            return Unauthorized(
                "the server refused the API key; check --api-key"
                if self._api_key
                else "the server needs an API key; pass --api-key"
            )
        return _problem_error(
            problem, status=response.status_code, retry_after=response.headers.get("Retry-After")
        )

    def _unreachable(self, exc: httpx.HTTPError) -> FootnoteError:
        if isinstance(exc, httpx.TimeoutException):
            return ServiceUnreachable(
                f"Footnote at {self.url} did not answer in time ({exc.__class__.__name__}); "
                f"check the server's log, or ask again"
            )
        if isinstance(exc, httpx.TransportError):
            return ServiceUnreachable(
                f"cannot reach Footnote at {self.url}; is 'footnote serve' running?"
            )
        return ServiceFailed(f"talking to Footnote at {self.url} failed: {exc}")


def _problem_error(
    problem: Mapping[str, Any], *, status: int | None, retry_after: str | None
) -> FootnoteError:
    """The Footnote error an RFC 9457 problem stands for, with the server's own detail."""
    status = status or int(problem.get("status") or 500)
    detail = str(problem.get("detail") or problem.get("title") or f"HTTP {status}")
    if status == 401:
        return Unauthorized("the server needs an API key; pass --api-key")
    if status == 503 and retry_after:
        return QueueFull(f"the server is busy ({detail}); ask again in {retry_after}s")
    if status == 503:
        # The service answers 503 without Retry-After when its LLM backend is down.
        return BackendUnavailable(f"the server's answer backend is unavailable: {detail}")
    kind = _BY_STATUS.get(status, ServiceFailed)
    return kind(detail if kind is not ServiceFailed else f"the server failed: {detail}")


def _json_data(event: ServerEvent) -> dict[str, Any]:
    try:
        data = json.loads(event.data)
    except ValueError as exc:
        raise ServiceFailed(f"the server sent a {event.name!r} event that is not JSON") from exc
    if not isinstance(data, dict):
        raise ServiceFailed(f"the server sent a {event.name!r} event that is not a JSON object")
    return data


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise ServiceFailed(f"{response.url} did not answer with JSON") from exc
    if not isinstance(body, dict):
        raise ServiceFailed(f"{response.url} did not answer with a JSON object")
    return body
