"""What routes depend on, declared once as typed Annotated aliases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import Depends, Request

from service.answers import Answer
from service.api.generation import GenerationGate
from service.api.metrics import ApiMetrics
from service.api.problems import request_id_of
from service.engine import Engine
from service.settings import Settings

T = TypeVar("T")


@dataclass(frozen=True)
class ApiRuntime:
    """Everything the routes share, built by the app's lifespan and kept on app.state."""

    settings: Settings
    engine: Engine
    gate: GenerationGate
    metrics: ApiMetrics
    # Threads for questions and chats: enough for every generation slot and queue place, plus
    # headroom so retrieval and abstentions do not wait behind queued generations.
    answer_threads: CapacityLimiter

    async def in_answer_thread(self, call: Callable[[], T]) -> T:
        """Run a blocking engine call in a question thread, keeping the event loop free."""
        return await anyio.to_thread.run_sync(call, limiter=self.answer_threads)

    def observe_answer(self, answer: Answer) -> None:
        """Count an answer in the retrieval and abstention metrics."""
        retrieval_ms = answer.timings_ms.get("retrieval")
        if retrieval_ms is not None:
            self.metrics.retrieval_seconds.observe(retrieval_ms / 1000)
        if answer.abstained:
            self.metrics.abstentions.inc()


def get_runtime(request: Request) -> ApiRuntime:
    """The runtime the lifespan built."""
    runtime = getattr(request.app.state, "runtime", None)
    if not isinstance(runtime, ApiRuntime):
        raise RuntimeError("the app was served without running its lifespan")
    return runtime


def get_engine(runtime: Annotated[ApiRuntime, Depends(get_runtime)]) -> Engine:
    """The answering engine (its backend behind the generation gate)."""
    return runtime.engine


def get_settings(runtime: Annotated[ApiRuntime, Depends(get_runtime)]) -> Settings:
    """The settings the app was created with."""
    return runtime.settings


def get_request_id(request: Request) -> str:
    """This request's id (also in the X-Request-ID response header)."""
    return request_id_of(request)


RuntimeDep = Annotated[ApiRuntime, Depends(get_runtime)]
EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
RequestIdDep = Annotated[str, Depends(get_request_id)]
