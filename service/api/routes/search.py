"""GET /v1/search: the passages that best match a query; no LLM involved."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Query

from service.api.deps import RuntimeDep
from service.api.models import (
    AS_OF_DESCRIPTION,
    IsoDate,
    PassageResponse,
    SearchResponse,
    problem_responses,
    search_filters,
)

router = APIRouter(prefix="/v1", tags=["search"])


@router.get(
    "/search",
    response_model=SearchResponse,
    responses=problem_responses(503),
    summary="Find passages matching a query",
)
async def search(
    runtime: RuntimeDep,
    q: Annotated[str, Query(description="The query; must not be empty.")],
    k: Annotated[
        int | None,
        Query(ge=1, description="Passages to return; default and maximum are server settings."),
    ] = None,
    published_from: Annotated[
        IsoDate | None,
        Query(alias="from", description="Only articles published on or after (YYYY-MM-DD)."),
    ] = None,
    published_to: Annotated[
        IsoDate | None,
        Query(alias="to", description="Only articles published on or before (YYYY-MM-DD)."),
    ] = None,
    source: Annotated[
        list[str] | None,
        Query(description="Only this source (file name, folder prefix or outlet); repeatable."),
    ] = None,
    as_of: Annotated[IsoDate | None, Query(description=AS_OF_DESCRIPTION)] = None,
) -> SearchResponse:
    """Hybrid (dense + BM25) retrieval over the current store version."""
    filters = search_filters(published_from, published_to, source or [], as_of)
    engine = runtime.engine
    started = time.perf_counter()
    # Retrieval runs in the default thread pool, apart from question threads that may be
    # waiting for a generation slot, so searches stay fast while the LLM is busy.
    passages = await anyio.to_thread.run_sync(lambda: engine.search(q, top_k=k, filters=filters))
    runtime.metrics.retrieval_seconds.observe(time.perf_counter() - started)
    return SearchResponse(
        query=q, passages=[PassageResponse.model_validate(asdict(p)) for p in passages]
    )
