"""Answers as Server-Sent Events: `token` events, one authoritative `final`, then `done`.

The engine's stream is a synchronous generator; each next event is pulled in a worker thread
so the event loop stays free. The first event is pulled before the response starts, so an
error before any text (a full queue, a dead LLM, an empty question) still gets its own HTTP
status. A later error becomes an `error` event carrying the problem JSON, then `done`. When the
client goes away, the pull in progress finishes and the generator is closed, which releases
the generation slot and the backend.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Mapping
from typing import Any

import anyio
import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import Request
from fastapi.responses import StreamingResponse

from indexer.errors import FootnoteError
from service.answers import Answer, AnswerEvent, FinalEvent, TokenEvent
from service.api.models import AnswerResponse
from service.api.problems import error_problem, problem_body, request_id_of

logger = logging.getLogger(__name__)

EVENT_STREAM = "text/event-stream"


def wants_stream(stream: bool | None, request: Request) -> bool:
    """An explicit `stream` wins; otherwise stream when the client accepts an event stream."""
    if stream is not None:
        return stream
    return EVENT_STREAM in request.headers.get("accept", "")


def sse(event: str, data: Mapping[str, Any]) -> bytes:
    """One Server-Sent Event (json.dumps writes no newlines, so one data line)."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def answer_json(answer: Answer) -> dict[str, Any]:
    """The answer as the API's response model dumps it."""
    return AnswerResponse.model_validate(answer.to_json()).model_dump(mode="json")


class EventPump:
    """Pulls a synchronous event stream from worker threads, one event per thread hop."""

    def __init__(self, events: Iterator[AnswerEvent], limiter: CapacityLimiter) -> None:
        self._events = events
        self._limiter = limiter

    async def pull(self) -> AnswerEvent | None:
        """The next event, or None at the end."""
        return await anyio.to_thread.run_sync(_next_or_none, self._events, limiter=self._limiter)

    async def close(self) -> None:
        """Close the stream in a thread, shielded: it must run even when the client left."""
        events = self._events
        if isinstance(events, Generator):
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(events.close, limiter=self._limiter)


def _next_or_none(events: Iterator[AnswerEvent]) -> AnswerEvent | None:
    # The engine never yields None, so None can mark the end.
    return next(events, None)


async def stream_answer(
    events: Iterator[AnswerEvent],
    request: Request,
    *,
    limiter: CapacityLimiter,
    on_answer: Callable[[Answer], None],
) -> StreamingResponse:
    """The SSE response; errors before the first event propagate (and get their status)."""
    pump = EventPump(events, limiter)
    try:
        first = await pump.pull()
    except BaseException:
        await pump.close()
        raise
    body = _event_bytes(first, pump, request, on_answer)
    return StreamingResponse(
        body,
        media_type=EVENT_STREAM,
        # Proxies must pass each event on at once rather than buffer the stream.
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _event_bytes(
    first: AnswerEvent | None,
    pump: EventPump,
    request: Request,
    on_answer: Callable[[Answer], None],
) -> AsyncIterator[bytes]:
    request_id = request_id_of(request)
    instance = request.url.path
    try:
        try:
            event = first
            while event is not None:
                if isinstance(event, TokenEvent):
                    yield sse("token", {"text": event.text})
                elif isinstance(event, FinalEvent):
                    on_answer(event.answer)
                    yield sse("final", answer_json(event.answer))
                event = await pump.pull()
        except FootnoteError as exc:
            problem, _ = error_problem(exc, request_id=request_id, instance=instance)
            yield sse("error", problem)
        except Exception as exc:
            logger.error("answer stream failed (request %s)", request_id, exc_info=exc)
            yield sse("error", _stream_failure(request_id, instance))
        yield sse("done", {})
    finally:
        await pump.close()


def _stream_failure(request_id: str, instance: str) -> dict[str, Any]:
    return problem_body(
        500,
        "Internal server error",
        f"the answer failed midway; ask again (request id {request_id})",
        kind_slug="internal-error",
        request_id=request_id,
        instance=instance,
    )
