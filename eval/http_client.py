"""A running Footnote service as a system under evaluation, asked over its HTTP API.

POST /v1/ask gives the answer (the JSON of Answer.to_json()), GET /v1/search the ranking and
GET /v1/documents/{id} the text of each cited article. The calls go through the service's own
client (service/client.py), which maps transport errors and problem+json answers to Footnote
errors (ServiceUnreachable, Unauthorized, DocumentNotFound...).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from eval.runner import SystemReply
from indexer.errors import DocumentNotFound
from service import ServiceClient
from service.errors import ServiceFailed

logger = logging.getLogger(__name__)

# The query of the readiness check: any word works, it only has to reach the store.
CHECK_QUERY = "news"


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
        self._client = ServiceClient(url, api_key=api_key, transport=transport)
        self.url = self._client.url
        self.label = label
        # Document ids are content hashes, so a text fetched once stays right for the run.
        self._texts: dict[str, str | None] = {}

    def check(self) -> None:
        """One search: proves the service is up, accepts the key and has a store."""
        self._client.call("GET", "/v1/search", params={"q": CHECK_QUERY, "k": 1})

    def reply(self, question: str, k: int, as_of: str | None = None) -> SystemReply:
        """The service's answer to `question` with `k` passages, and what scoring needs."""
        body: dict[str, Any] = {"question": question, "top_k": k}
        params: dict[str, Any] = {"q": question, "k": k}
        if as_of is not None:
            body["filters"] = {"as_of": as_of}
            params["as_of"] = as_of
        answer = self._client.call("POST", "/v1/ask", json=body)
        if not isinstance(answer.get("citations"), list):
            raise _wrong_version(f"the answer from {self.url} has no citations list")
        found = self._client.call("GET", "/v1/search", params=params)
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
                text = self._client.call("GET", path).get("text")
            except DocumentNotFound:
                text = None  # a citation of a missing document is scored invalid
            self._texts[document_id] = text if isinstance(text, str) else None
        return self._texts[document_id]


def _wrong_version(what: str) -> ServiceFailed:
    return ServiceFailed(f"{what}; run the same Footnote version")


def _sources(found: Mapping[str, Any], url: str) -> tuple[str, ...]:
    passages = found.get("passages")
    if not isinstance(passages, list) or not all(isinstance(p, Mapping) for p in passages):
        raise _wrong_version(f"the search answer from {url} has no passages list")
    return tuple(str(p.get("source", "")) for p in passages)
