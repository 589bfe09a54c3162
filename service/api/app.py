"""The FastAPI app: `create_app(settings)` builds it; nothing is built at import time.

The engine (embedding model, backend) is built by the lifespan unless one is passed in, and
wrapped so its backend generates behind the bounded generation queue. The store is opened on
first use; /readyz says why when it cannot be.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from indexer.errors import FootnoteError
from service.api.deps import ApiRuntime
from service.api.generation import GatedBackend, GenerationGate
from service.api.metrics import ApiMetrics
from service.api.middleware import ApiKeyMiddleware, BodyLimitMiddleware, RequestContextMiddleware
from service.api.openapi import contract_openapi
from service.api.problems import install_problem_handlers
from service.api.routes import answers, documents, health, openai, page, search
from service.api.uploads import remove_interrupted_uploads
from service.engine import Engine
from service.settings import Settings

logger = logging.getLogger(__name__)

UPLOAD_PATH = "/v1/documents"
# Room for a multipart part's boundary and headers on top of the file's own bytes.
MULTIPART_PART_OVERHEAD = 4096
# Question threads beyond the generation slots and queue places: retrieval and abstentions
# of new questions run in these while every slot and queue place is taken.
ANSWER_THREAD_HEADROOM = 8
# How long a browser may reuse a preflight's answer.
CORS_MAX_AGE_S = 600

DESCRIPTION = """\
Answers questions over a news archive with numbered citations that are checked against the
articles, or abstains when the articles don't say.

Errors are `application/problem+json` (RFC 9457). When `FOOTNOTE_API_KEYS` is set, every route
except `/healthz` (these docs and `/openapi.json` included) needs `Authorization: Bearer KEY`.
"""


def create_app(settings: Settings, *, engine: Engine | None = None) -> FastAPI:
    """The API over `settings`' store; `engine` replaces the one built from the settings."""
    metrics = ApiMetrics()
    gate = GenerationGate(
        concurrent=settings.max_concurrent_generations,
        queued=settings.max_queued_generations,
        # A client still waiting after one LLM timeout has most likely given up.
        max_wait_s=settings.llm_timeout_s,
    )
    metrics.watch_gate(lambda: gate.waiting, lambda: gate.running)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(remove_interrupted_uploads, settings.index_dir)
        base = engine
        if base is None:
            from service.factory import engine_for

            base = await anyio.to_thread.run_sync(engine_for, settings)
        runtime = ApiRuntime(
            settings=settings,
            engine=_gated(base, gate, metrics),
            gate=gate,
            metrics=metrics,
            answer_threads=CapacityLimiter(gate.concurrent + gate.queued + ANSWER_THREAD_HEADROOM),
        )
        await anyio.to_thread.run_sync(_warm_up, runtime.engine)
        app.state.runtime = runtime
        yield

    app = FastAPI(
        title="Footnote",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.openapi = contract_openapi(app, settings)  # type: ignore[method-assign]
    install_problem_handlers(app)
    for module in (answers, search, documents, health, openai, page):
        app.include_router(module.router)
    # Added innermost first: the request context wraps everything, so even a refused key or
    # an oversized body gets a request id, a log line and a metric.
    app.add_middleware(
        BodyLimitMiddleware,
        limit=settings.max_body_bytes,
        upload_limit=settings.max_upload_files
        * (settings.max_upload_bytes + MULTIPART_PART_OVERHEAD),
        upload_path=UPLOAD_PATH,
    )
    app.add_middleware(ApiKeyMiddleware, keys=settings.api_key_list)
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    if settings.cors_origin_list:
        # Outermost: a browser's preflight carries no API key, and every answer, a refusal
        # included, needs the CORS headers for the page to read it.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=["Retry-After", "WWW-Authenticate", "Allow", "X-Request-ID"],
            max_age=CORS_MAX_AGE_S,
        )
    return app


def _gated(engine: Engine, gate: GenerationGate, metrics: ApiMetrics) -> Engine:
    # A new Engine over the same store and models: the caller's engine is left ungated.
    return Engine(
        engine.snapshots,
        GatedBackend(engine.backend, gate, metrics),
        engine.embedder,
        engine.prompts,
        engine.limits,
    )


def _warm_up(engine: Engine) -> None:
    # Load the store, the models and the ONNX encoder (indexer/onnx_encoder.py) now so the
    # first question is not slow; failures are reported by /readyz (and by each request)
    # rather than stopping the server.
    steps: list[Callable[[], object]] = [
        engine.snapshots.current,
        engine.backend.check,
        lambda: engine.embedder.embed(["warm up"]),
    ]
    for step in steps:
        try:
            step()
        except FootnoteError as exc:
            logger.warning("not ready yet: %s", exc)
