"""Pure ASGI middleware: request ids and access logs, API keys, and body size limits.

They run outside the routes, so the errors they answer with are rendered by problems.py
directly rather than raised. Order, outermost first: RequestContext, ApiKeys, BodyLimit.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
import uuid
from collections.abc import Sequence

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from indexer.errors import FootnoteError
from service.api.metrics import ApiMetrics
from service.api.problems import error_response, unexpected_problem
from service.api.routes.page import PAGE_FILES
from service.errors import PayloadTooLarge, Unauthorized

logger = logging.getLogger(__name__)
access_logger = logging.getLogger("footnote.access")

REQUEST_ID_HEADER = "X-Request-ID"
# A client's id is echoed into logs and headers, so only short, plain ones are kept.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
# The liveness probe answers without a key, so a load balancer needs no secret.
# Answered without a key: liveness, and the page and its files (they hold no data).
OPEN_PATHS = frozenset({"/healthz", *PAGE_FILES})
# Label for requests that matched no route, so unknown paths cannot blow up metric cardinality.
UNMATCHED_ROUTE = "unmatched"


def _state(scope: Scope) -> dict[str, object]:
    state: dict[str, object] = scope.setdefault("state", {})
    return state


def scope_request_id(scope: Scope) -> str:
    """The request id RequestContextMiddleware stored in the scope."""
    return str(_state(scope).get("request_id", "unknown"))


class RequestContextMiddleware:
    """Gives each request an id, answers a 500 for bugs, logs one line and counts metrics."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(Headers(scope=scope).get(REQUEST_ID_HEADER))
        _state(scope)["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = int(message["status"])
                response_started = True
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.lower().encode(), request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            if response_started:
                # Too late for a problem response; the client sees a cut-off body.
                logger.error("error after the response started (request %s)", request_id,
                             exc_info=exc)  # fmt: skip
            else:
                response = unexpected_problem(exc, request_id=request_id, instance=scope["path"])
                await response(scope, receive, send_with_id)
        finally:
            self._record(scope, status, time.perf_counter() - started, request_id)

    def _record(self, scope: Scope, status: int, seconds: float, request_id: str) -> None:
        route = _route_template(scope)
        method = str(scope["method"])
        self.metrics.observe_request(route, method, status, seconds)
        access_logger.info(
            "method=%s route=%s status=%d latency_ms=%.1f request_id=%s",
            method,
            route,
            status,
            seconds * 1000,
            request_id,
        )


def _request_id(offered: str | None) -> str:
    if offered is not None and _SANE_REQUEST_ID.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED_ROUTE


class ApiKeyMiddleware:
    """Requires `Authorization: Bearer KEY` on every path but /healthz when keys are set."""

    def __init__(self, app: ASGIApp, keys: Sequence[str]) -> None:
        self.app = app
        self._keys = [k.encode() for k in keys]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._keys or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        problem = self._refusal(Headers(scope=scope).get("authorization"))
        if problem is None:
            await self.app(scope, receive, send)
            return
        response = error_response(
            problem, request_id=scope_request_id(scope), instance=scope["path"]
        )
        await response(scope, receive, send)

    def _refusal(self, header: str | None) -> Unauthorized | None:
        if not header:
            return Unauthorized(
                "this server needs an API key; send it as 'Authorization: Bearer KEY'"
            )
        scheme, _, token = header.partition(" ")
        offered = token.strip().encode()
        # Compare with every key, without stopping early, so timing reveals nothing.
        matched = False
        for key in self._keys:
            matched |= hmac.compare_digest(offered, key)
        if scheme.lower() != "bearer" or not matched:
            return Unauthorized(
                "the API key is not valid; check the key sent as 'Authorization: Bearer KEY'"
            )
        return None


class BodyLimitMiddleware:
    """Answers 413 for bodies over a limit: by Content-Length at once, else while they stream."""

    def __init__(self, app: ASGIApp, *, limit: int, upload_limit: int, upload_path: str) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit
        self.upload_path = upload_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_upload = scope["method"] == "POST" and scope["path"] == self.upload_path
        limit = self.upload_limit if is_upload else self.limit
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._too_large(scope, receive, send, limit)
            return
        received = 0
        rejected = False
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received, rejected, response_started
            message = await receive()
            if message["type"] == "http.request" and not rejected:
                received += len(message.get("body", b""))
                if received > limit:
                    rejected = True
                    if not response_started:
                        response_started = True
                        await self._too_large(scope, receive, send, limit)
                    # The app stops reading as if the client had gone; its answer is dropped.
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if rejected:
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        await self.app(scope, limited_receive, guarded_send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        error: FootnoteError = PayloadTooLarge(
            f"the request body is over this server's {limit}-byte limit; send less"
        )
        response = error_response(error, request_id=scope_request_id(scope), instance=scope["path"])
        await response(scope, receive, send)
