"""A running Footnote service as a system under evaluation, asked over its HTTP API.

POST /v1/ask gives the answer (the JSON of Answer.to_json()), GET /v1/search the ranking and
GET /v1/documents/{id} the text of each cited article. httpx errors and the service's
problem+json answers become eval errors here, at the border.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from eval.errors import ServiceCallFailed, ServiceRefused, ServiceUnreachable
from eval.runner import SystemReply

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5.0
# One answer may wait behind other users' generations before its own starts.
READ_TIMEOUT_S = 600.0
# The query of the readiness check: any word works, it only has to reach the store.
CHECK_QUERY = "news"
_NOT_FOUND = 404


class HttpSystem:
    """Asks the service at `url`; `api_key` is sent as a Bearer token when given."""

    def __init__(
        self,
        url: str,
        *,
        api_key: str | None = None,
        label: str = "service",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"{url!r} is not an http(s) URL; pass e.g. http://127.0.0.1:8000")
        self.url = url.rstrip("/")
        self.label = label
        self._api_key = api_key
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(
            base_url=self.url,
            headers=headers,
            timeout=httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
            transport=transport,
        )
        # Document ids are content hashes, so a text fetched once stays right for the run.
        self._texts: dict[str, str | None] = {}

    def check(self) -> None:
        """One search: proves the service is up, accepts the key and has a store."""
        self._call("GET", "/v1/search", params={"q": CHECK_QUERY, "k": 1})

    def reply(self, question: str, k: int) -> SystemReply:
        """The service's answer to `question` with `k` passages, and what scoring needs."""
        answer = self._call("POST", "/v1/ask", json={"question": question, "top_k": k})
        if not isinstance(answer.get("citations"), list):
            raise ServiceCallFailed(
                f"the answer from {self.url} has no citations list; run the same Footnote version"
            )
        found = self._call("GET", "/v1/search", params={"q": question, "k": k})
        cited = dict.fromkeys(str(c.get("document_id", "")) for c in answer["citations"])
        texts = {document_id: self._text(document_id) for document_id in cited}
        return SystemReply(
            answer=answer,
            retrieved_sources=_sources(found, self.url),
            articles={i: text for i, text in texts.items() if text is not None},
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def _text(self, document_id: str) -> str | None:
        if document_id not in self._texts:
            path = f"/v1/documents/{quote(document_id, safe='')}"
            try:
                text = self._call("GET", path).get("text")
            except ServiceRefused as exc:
                if exc.status != _NOT_FOUND:
                    raise
                text = None  # a citation of a missing document is scored invalid
            self._texts[document_id] = text if isinstance(text, str) else None
        return self._texts[document_id]

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise ServiceUnreachable(
                f"Footnote at {self.url} did not answer {path} in time; check the server's log"
            ) from exc
        except httpx.TransportError as exc:
            raise ServiceUnreachable(
                f"cannot reach Footnote at {self.url} ({exc.__class__.__name__}); "
                f"is 'footnote serve' running there?"
            ) from exc
        if response.status_code >= 400:
            raise self._refusal(path, response)
        try:
            body = response.json()
        except ValueError as exc:
            raise ServiceCallFailed(
                f"{self.url}{path} did not answer with JSON; is --url a Footnote service?"
            ) from exc
        if not isinstance(body, dict):
            raise ServiceCallFailed(f"{self.url}{path} answered {type(body).__name__}, not object")
        return body

    def _refusal(self, path: str, response: httpx.Response) -> ServiceRefused:
        status = response.status_code
        if status == httpx.codes.UNAUTHORIZED:
            hint = "check --api-key" if self._api_key else "pass --api-key"
            return ServiceRefused(f"{self.url} refused the request (401); {hint}", status)
        detail = _problem_detail(response)
        return ServiceRefused(f"{self.url}{path} answered {status}: {detail}", status)


def _problem_detail(response: httpx.Response) -> str:
    try:
        problem = response.json()
    except ValueError:
        problem = None
    if isinstance(problem, Mapping):
        text = problem.get("detail") or problem.get("title")
        if isinstance(text, str) and text:
            return text
    return response.reason_phrase or "no detail given"


def _sources(found: Mapping[str, Any], url: str) -> tuple[str, ...]:
    passages = found.get("passages")
    if not isinstance(passages, list) or not all(isinstance(p, Mapping) for p in passages):
        raise ServiceCallFailed(
            f"the search answer from {url} has no passages list; run the same Footnote version"
        )
    return tuple(str(p.get("source", "")) for p in passages)
