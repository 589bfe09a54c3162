"""One HTTP client for a running Footnote service, shared by the remote chat and eval.

It sends the API key, bounds every call with timeouts, and is the border: httpx errors and
the service's problem+json answers become Footnote's own errors here (404 DocumentNotFound,
422 InvalidRequest, 503 QueueFull or BackendUnavailable...), so a caller handles one error
tree whether it runs in-process or against a server.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from indexer.errors import DocumentNotFound, FootnoteError
from service.errors import (
    BackendUnavailable,
    InvalidRequest,
    PayloadTooLarge,
    QueueFull,
    ServiceFailed,
    ServiceUnreachable,
    Unauthorized,
)
from service.wire import ServerEvent, read_events

CONNECT_TIMEOUT_S = 5.0
# Between two pieces of an answer: a question may wait behind others' generations first.
READ_TIMEOUT_S = 600.0

# Statuses the service uses for one error class each (service/api/problems.py).
_BY_STATUS: dict[int, type[FootnoteError]] = {
    400: InvalidRequest,
    404: DocumentNotFound,
    413: PayloadTooLarge,
    422: InvalidRequest,
}


class ServiceClient:
    """Calls the Footnote service at `url`, sending `api_key` as a Bearer token when given."""

    def __init__(
        self,
        url: str,
        *,
        api_key: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise InvalidRequest(f"{url!r} is not an http(s) URL; pass e.g. http://127.0.0.1:8000")
        self.url = url.rstrip("/")
        self._api_key = api_key
        self._client = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {api_key}"} if api_key else {},
            timeout=httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
            transport=transport,
        )

    def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """One request; its JSON object, or the Footnote error the service's answer stands for."""
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise self._unreachable(exc, path) from exc
        if response.status_code >= 400:
            raise self._problem(response)
        try:
            body = response.json()
        except ValueError as exc:
            raise ServiceFailed(
                f"{self.url}{path} did not answer with JSON; is this a Footnote service?"
            ) from exc
        if not isinstance(body, dict):
            raise ServiceFailed(f"{self.url}{path} answered {type(body).__name__}, not an object")
        return body

    def events(self, path: str, body: Mapping[str, Any]) -> Iterator[ServerEvent]:
        """POST `body` and read the answer as Server-Sent Events; errors as from call()."""
        try:
            with self._client.stream("POST", path, json=dict(body)) as response:
                if response.status_code >= 400:
                    response.read()
                    raise self._problem(response)
                yield from read_events(response.iter_lines())
        except httpx.HTTPError as exc:
            raise self._unreachable(exc, path) from exc

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def _problem(self, response: httpx.Response) -> FootnoteError:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code == httpx.codes.UNAUTHORIZED:
            return Unauthorized(
                f"the server at {self.url} refused the API key; check --api-key"
                if self._api_key
                else f"the server at {self.url} needs an API key; pass --api-key"
            )
        problem = body if isinstance(body, dict) else {}
        return problem_error(
            problem, status=response.status_code, retry_after=response.headers.get("Retry-After")
        )

    def _unreachable(self, exc: httpx.HTTPError, path: str) -> FootnoteError:
        if isinstance(exc, httpx.TimeoutException):
            return ServiceUnreachable(
                f"Footnote at {self.url} did not answer {path} in time "
                f"({exc.__class__.__name__}); check the server's log, or ask again"
            )
        if isinstance(exc, httpx.TransportError):
            return ServiceUnreachable(
                f"cannot reach Footnote at {self.url}; is 'footnote serve' running there?"
            )
        return ServiceFailed(f"talking to Footnote at {self.url} failed: {exc}")


def problem_error(
    problem: Mapping[str, Any], *, status: int | None, retry_after: str | None
) -> FootnoteError:
    """The Footnote error an RFC 9457 problem stands for, with the server's own detail."""
    status = status or int(problem.get("status") or 500)
    detail = str(problem.get("detail") or problem.get("title") or f"HTTP {status}")
    if status == httpx.codes.UNAUTHORIZED:
        return Unauthorized("the server needs an API key; pass --api-key")
    if status == httpx.codes.SERVICE_UNAVAILABLE and retry_after:
        return QueueFull(f"the server is busy ({detail}); ask again in {retry_after}s")
    if status == httpx.codes.SERVICE_UNAVAILABLE:
        return BackendUnavailable(f"the server's answer backend is unavailable: {detail}")
    kind = _BY_STATUS.get(status, ServiceFailed)
    return kind(detail if kind is not ServiceFailed else f"the server failed: {detail}")


def json_data(event: ServerEvent) -> dict[str, Any]:
    """An event's data as a JSON object; ServiceFailed if it is not one."""
    try:
        data = json.loads(event.data)
    except ValueError as exc:
        raise ServiceFailed(f"the server sent a {event.name!r} event that is not JSON") from exc
    if not isinstance(data, dict):
        raise ServiceFailed(f"the server sent a {event.name!r} event that is not a JSON object")
    return data
