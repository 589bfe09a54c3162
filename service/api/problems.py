"""Every error the API answers with, as RFC 9457 problem+json, from one table.

`PROBLEMS` maps each FootnoteError class to its HTTP status; a raised error finds its row by
walking its class's MRO, so a subclass without a row of its own gets its parent's. Request
validation failures, unknown routes and anything unexpected are rendered here too. A contract
test fails if a FootnoteError class has no row.

Every error body has one shape:

    {"type": "tag:footnote...:queue-full", "title": "...", "status": 503, "detail": "...",
     "instance": "/v1/ask", "request_id": "..."}
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match

from indexer.errors import (
    ClusterError,
    DiskFull,
    DocumentNotFound,
    EmbeddingModelError,
    FileTooLarge,
    FootnoteError,
    IngestError,
    ModelMismatch,
    StoreCorrupt,
    StoreError,
    StoreLocked,
    StoreNotFound,
    StoreNotWritable,
    UnreadableFile,
    UnsupportedFileType,
)
from service.api.openai_models import OPENAI_PATHS, openai_error_json
from service.errors import (
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    GenerationFailed,
    InvalidRequest,
    ModelNotAvailable,
    PayloadTooLarge,
    PromptNotFound,
    QueueFull,
    Unauthorized,
)

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
# Problem types are tag: URIs (RFC 4151): unique names a client can switch on, that nobody
# expects to dereference.
TYPE_PREFIX = "tag:footnote.local,2024:problem:"

# Seconds a client should wait before retrying. A queue slot frees up within one generation;
# an unreachable LLM or a missing store needs an operator, so retrying sooner only adds load.
RETRY_BUSY_S = 5
RETRY_TIMEOUT_S = 15
RETRY_DOWN_S = 30


@dataclass(frozen=True)
class ProblemKind:
    """How one error class is answered."""

    status: int
    title: str
    retry_after_s: int | None = None
    # Server-side misconfiguration: the message names paths and settings the client cannot act
    # on, so it is logged and the client gets the title only.
    expose_detail: bool = True


PROBLEMS: Mapping[type[FootnoteError], ProblemKind] = {
    InvalidRequest: ProblemKind(422, "Invalid request"),
    Unauthorized: ProblemKind(401, "Unauthorized"),
    PayloadTooLarge: ProblemKind(413, "Payload too large"),
    QueueFull: ProblemKind(503, "Generation queue full", RETRY_BUSY_S),
    PromptNotFound: ProblemKind(500, "Server misconfigured", expose_detail=False),
    BackendError: ProblemKind(502, "LLM backend failed"),
    BackendUnavailable: ProblemKind(503, "LLM backend unavailable", RETRY_DOWN_S),
    ModelNotAvailable: ProblemKind(503, "LLM model not available", RETRY_DOWN_S),
    BackendTimeout: ProblemKind(503, "LLM backend timed out", RETRY_TIMEOUT_S),
    GenerationFailed: ProblemKind(502, "Generation failed"),
    StoreError: ProblemKind(500, "Store unusable", expose_detail=False),
    StoreNotFound: ProblemKind(503, "Store not found", RETRY_DOWN_S),
    # 409, not 503: the store is fine, another writer (an upload or 'footnote index') holds it.
    StoreLocked: ProblemKind(409, "Store locked by another writer"),
    StoreCorrupt: ProblemKind(500, "Store corrupt", expose_detail=False),
    ModelMismatch: ProblemKind(500, "Store built with another model", expose_detail=False),
    # The published version is untouched and still answers; only this change was refused.
    StoreNotWritable: ProblemKind(503, "Store not writable", RETRY_DOWN_S),
    DiskFull: ProblemKind(507, "Insufficient storage"),
    DocumentNotFound: ProblemKind(404, "Document not found"),
    IngestError: ProblemKind(422, "File cannot be indexed"),
    UnsupportedFileType: ProblemKind(415, "Unsupported file type"),
    FileTooLarge: ProblemKind(413, "File too large"),
    UnreadableFile: ProblemKind(422, "File unreadable"),
    EmbeddingModelError: ProblemKind(500, "Server misconfigured", expose_detail=False),
    # Only 'footnote index --ray' uses a cluster; listed so that no error class is unmapped.
    ClusterError: ProblemKind(503, "Indexing cluster unavailable", RETRY_DOWN_S),
}

_UNEXPECTED = ProblemKind(500, "Internal server error", expose_detail=False)
_HIDDEN_DETAIL = "the server cannot answer this right now; its operator can find why in its log"


def kind_for(error_class: type[BaseException]) -> ProblemKind | None:
    """The table row for an error class: its own, or its nearest ancestor's."""
    for cls in error_class.__mro__:
        kind = PROBLEMS.get(cls)
        if kind is not None:
            return kind
    return None


def slug(error_class: type[BaseException]) -> str:
    """`QueueFull` -> `queue-full`: the tail of a problem type URI."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", error_class.__name__).lower()


def problem_body(
    status: int,
    title: str,
    detail: str,
    *,
    kind_slug: str,
    request_id: str,
    instance: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The one JSON shape of an error; what the client sent is echoed only escaped."""
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + kind_slug,
        "title": title,
        "status": status,
        "detail": printable(detail),
        "request_id": request_id,
    }
    if instance:
        body["instance"] = printable(instance)
    if extra:
        body.update(extra)
    return body


def printable(text: str) -> str:
    """`text` with control and other invisible characters written as escapes (\\x1b, \\u202e).

    A path or id the client sent, echoed raw, could drive a terminal or a log viewer
    (ANSI colour codes, a fake new line, right-to-left overrides).
    """
    return "".join(c if c.isprintable() else _escape(c) for c in text)


def _escape(character: str) -> str:
    return character.encode("unicode_escape").decode("ascii")


def error_problem(
    exc: FootnoteError, *, request_id: str, instance: str | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The problem body and extra headers for one of our errors."""
    kind = kind_for(type(exc))
    if kind is None:
        logger.error("no problems row for %s; answering 500", type(exc).__name__, exc_info=exc)
        kind = _UNEXPECTED
    elif not kind.expose_detail:
        logger.error("%s: %s", type(exc).__name__, exc)
    detail = str(exc) if kind.expose_detail else _HIDDEN_DETAIL
    headers: dict[str, str] = {}
    if kind.retry_after_s is not None:
        headers["Retry-After"] = str(kind.retry_after_s)
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = 'Bearer realm="footnote"'
    body = problem_body(
        kind.status,
        kind.title,
        detail,
        kind_slug=slug(type(exc)),
        request_id=request_id,
        instance=instance,
    )
    return body, headers


def problem_response(
    body: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """A problem body as an application/problem+json response; on the OpenAI-compatible
    routes, the same error in OpenAI's shape, which their clients parse."""
    status = int(body["status"])
    if str(body.get("instance", "")) in OPENAI_PATHS:
        return JSONResponse(openai_error_json(dict(body)), status_code=status, headers=headers)
    return JSONResponse(dict(body), status_code=status, headers=headers, media_type=PROBLEM_JSON)


def error_response(exc: FootnoteError, *, request_id: str, instance: str | None) -> JSONResponse:
    """The response for one of our errors (also used by middleware, outside the routes)."""
    body, headers = error_problem(exc, request_id=request_id, instance=instance)
    return problem_response(body, headers)


def unexpected_problem(
    exc: BaseException, *, request_id: str, instance: str | None
) -> JSONResponse:
    """A 500 for a bug: the traceback goes to the log, nothing of it to the client."""
    logger.error("unhandled error in request %s", request_id, exc_info=exc)
    body = problem_body(
        500,
        _UNEXPECTED.title,
        f"{_HIDDEN_DETAIL} (request id {request_id})",
        kind_slug="internal-error",
        request_id=request_id,
        instance=instance,
    )
    return problem_response(body)


def not_ready_problem(exc: FootnoteError, *, request_id: str, instance: str) -> JSONResponse:
    """/readyz's 503: why the service cannot answer yet (an operator's view, so the reason)."""
    kind = kind_for(type(exc)) or _UNEXPECTED
    reason = str(exc) if kind.expose_detail else f"{kind.title.lower()}: {exc}"
    body = problem_body(
        503,
        "Not ready",
        reason,
        kind_slug="not-ready",
        request_id=request_id,
        instance=instance,
        extra={"reason": slug(type(exc))},
    )
    return problem_response(body, {"Retry-After": str(RETRY_DOWN_S)})


def request_id_of(request: Request) -> str:
    """The id the request-context middleware gave this request."""
    return str(getattr(request.state, "request_id", "") or "unknown")


# --- handlers ---------------------------------------------------------------------------------
async def _footnote_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FootnoteError)
    return error_response(exc, request_id=request_id_of(request), instance=request.url.path)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _public_errors(exc.errors())
    malformed = any(e["type"] == "json_invalid" for e in errors)
    if malformed:
        status, title, kind = 400, "Malformed request body", "malformed-body"
        detail = "the request body is not valid JSON; send a JSON object"
    else:
        status, title, kind = 422, "Invalid request", "invalid-request"
        detail = "; ".join(f"{_where(e['loc'])}: {e['msg']}" for e in errors)
    body = problem_body(
        status,
        title,
        detail,
        kind_slug=kind,
        request_id=request_id_of(request),
        instance=request.url.path,
        extra={"errors": errors},
    )
    return problem_response(body)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    phrase = HTTPStatus(exc.status_code).phrase
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else ""
    if exc.status_code == 404 and not detail:
        detail = f"no route {request.url.path}; see /docs for the API"
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(_allowed_methods(request))
        if not detail:
            detail = f"{request.method} is not allowed on {request.url.path}"
    body = problem_body(
        exc.status_code,
        phrase,
        detail or phrase,
        kind_slug=slug_of_status(exc.status_code),
        request_id=request_id_of(request),
        instance=request.url.path,
    )
    return problem_response(body, headers)


def _allowed_methods(request: Request) -> list[str]:
    # Starlette's 405 names the methods of the first route whose path matched; a path served
    # by two routes (GET and DELETE /v1/documents/{id}) has more. Ask every route, per method.
    routes = request.app.router.routes
    return [
        method
        for method in _METHODS
        if any(r.matches({**request.scope, "method": method})[0] == Match.FULL for r in routes)
    ]


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def slug_of_status(status: int) -> str:
    """`405` -> `method-not-allowed`."""
    return HTTPStatus(status).phrase.lower().replace(" ", "-")


def _public_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    # pydantic's `input` and `ctx` may echo a whole (large, or secret) body back; leave them out.
    return [{"loc": list(e["loc"]), "msg": str(e["msg"]), "type": str(e["type"])} for e in errors]


def _where(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc) or "request"


def install_problem_handlers(app: FastAPI) -> None:
    """Render our errors, validation failures and HTTP errors (404, 405) as problem+json."""
    app.add_exception_handler(FootnoteError, _footnote_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
