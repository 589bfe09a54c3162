"""GET /healthz (liveness, no key), GET /readyz (store and backend), GET /metrics."""

from __future__ import annotations

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from indexer.errors import FootnoteError
from service.api.deps import RuntimeDep
from service.api.models import HealthResponse, ReadyResponse, problem_responses
from service.api.problems import not_ready_problem, request_id_of
from service.archive import Archive

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=HealthResponse, summary="Is the process up?")
async def healthz() -> HealthResponse:
    """Always 200 while the process answers; needs no API key."""
    return HealthResponse(status="ok")


@router.get(
    "/readyz",
    response_model=ReadyResponse,
    responses=problem_responses(503),
    summary="Can the service answer questions?",
)
async def readyz(request: Request, runtime: RuntimeDep) -> ReadyResponse | JSONResponse:
    """200 when the store is open and the backend can answer; 503 with the reason otherwise."""
    engine = runtime.engine
    try:
        stats = await anyio.to_thread.run_sync(Archive(engine.snapshots).stats)
        await anyio.to_thread.run_sync(engine.backend.check)
    except FootnoteError as exc:
        return not_ready_problem(exc, request_id=request_id_of(request), instance="/readyz")
    return ReadyResponse(
        status="ready",
        store_version=stats.version,
        documents=stats.documents,
        chunks=stats.chunks,
        backend=engine.backend.name,
        model=engine.backend.model,
    )


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
    summary="Prometheus metrics",
)
async def metrics(runtime: RuntimeDep) -> Response:
    """Request counts and latencies, retrieval and generation latency, tokens, abstentions."""
    return Response(runtime.metrics.render(), media_type=CONTENT_TYPE_LATEST)
