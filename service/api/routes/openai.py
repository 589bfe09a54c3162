"""GET /v1/models and POST /v1/chat/completions: Footnote behind OpenAI's Chat Completions API.

A conversation is answered as POST /v1/chat answers it (the follow-up condensed, then the
verified answer). Streamed, it sends only verified text: the model's provisional words cannot
be taken back from an OpenAI client once sent, so the stream opens with the assistant role at
once and carries the answer when verification is done. Errors on these routes are in OpenAI's
shape (problems.py renders them).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from indexer.errors import FootnoteError
from service.answers import Answer, AnswerEvent, FinalEvent
from service.api.deps import ApiRuntime, RuntimeDep
from service.api.openai_models import (
    MODEL_ID,
    ChatCompletionRequest,
    ChatCompletionResponse,
    ModelList,
    OpenAIErrorResponse,
    chunk_json,
    completion_content,
    completion_json,
    openai_error_json,
)
from service.api.problems import error_problem, request_id_of
from service.api.streaming import EVENT_STREAM, EventPump, answer_json

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["openai"])
_STARTED = int(time.time())
_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": OpenAIErrorResponse, "description": description}
    for status, description in {
        400: "Malformed JSON",
        401: "Unauthorized",
        413: "Body too large",
        422: "Invalid request",
        500: "Internal server error",
        502: "LLM backend failed",
        503: "LLM backend unavailable or queue full",
    }.items()
}


@router.get(
    "/models",
    response_model=ModelList,
    responses={k: v for k, v in _ERRORS.items() if k in (401, 500)},
    summary="The model OpenAI clients can ask (OpenAI-compatible)",
)
async def models(runtime: RuntimeDep) -> ModelList:
    """One model, `footnote`: the archive, answered by the server's backend."""
    card = {
        "id": MODEL_ID,
        "object": "model",
        "created": _STARTED,
        "owned_by": f"footnote ({runtime.engine.backend.name})",
    }
    return ModelList.model_validate({"object": "list", "data": [card]})


@router.post(
    "/chat/completions",
    response_model=ChatCompletionResponse,
    responses={
        200: {
            "description": "A chat.completion, or with `stream: true` an event stream of "
            "chat.completion.chunk objects ending in `data: [DONE]`.",
            "content": {EVENT_STREAM: {"schema": {"type": "string"}}},
        },
        **_ERRORS,
    },
    summary="Answer the last message with verified citations (OpenAI-compatible)",
    description=(
        "Any `model` is answered by Footnote. The content is the verified answer with a "
        '"Sources" block of numbered citations; the full answer (short answer, citations '
        "with character offsets, grounding) is in the `footnote` field, and in the last "
        "chunk of a stream. A stream sends only verified text, never the model's provisional "
        "words."
    ),
)
async def chat_completions(
    body: ChatCompletionRequest, request: Request, runtime: RuntimeDep
) -> Response | ChatCompletionResponse:
    """An OpenAI client's question, answered as POST /v1/chat answers it."""
    history, question = body.conversation()
    engine = runtime.engine
    standalone = await runtime.in_answer_thread(lambda: engine.condense(history, question))
    differs = standalone.strip() != question.strip()
    completion_id = f"chatcmpl-{request_id_of(request)}"
    created = int(time.time())
    searched = standalone if differs else None
    if not body.stream:
        answer = await runtime.in_answer_thread(
            lambda: engine.ask(question, standalone_question=searched)
        )
        runtime.observe_answer(answer)
        return ChatCompletionResponse.model_validate(
            completion_json(answer, completion_id=completion_id, created=created)
        )
    pump = EventPump(
        engine.ask_stream(question, standalone_question=searched), runtime.answer_threads
    )
    try:
        # Pulled before the response starts, so an error before any text (a full queue, a
        # dead LLM) still gets its own HTTP status.
        first = await pump.pull()
    except BaseException:
        await pump.close()
        raise
    return StreamingResponse(
        _chunks(first, pump, request, runtime, completion_id=completion_id, created=created),
        media_type=EVENT_STREAM,
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _final(event: AnswerEvent | None, pump: EventPump) -> Answer:
    """The verified answer; the model's provisional tokens before it are passed over."""
    while event is not None:
        if isinstance(event, FinalEvent):
            return event.answer
        event = await pump.pull()
    raise RuntimeError("the answer stream ended without a final answer")


async def _chunks(
    first: AnswerEvent | None,
    pump: EventPump,
    request: Request,
    runtime: ApiRuntime,
    *,
    completion_id: str,
    created: int,
) -> AsyncIterator[bytes]:
    def chunk(delta: dict[str, Any], **more: Any) -> bytes:
        return _data(chunk_json(delta, completion_id=completion_id, created=created, **more))

    request_id = request_id_of(request)
    try:
        yield chunk({"role": "assistant", "content": ""})
        try:
            answer = await _final(first, pump)
        except FootnoteError as exc:
            problem, _ = error_problem(exc, request_id=request_id, instance=request.url.path)
            yield _data(openai_error_json(problem))
            yield _DONE
            return
        except Exception as exc:
            logger.error("answer stream failed (request %s)", request_id, exc_info=exc)
            yield _data(_failure(request_id))
            yield _DONE
            return
        runtime.observe_answer(answer)
        yield chunk({"content": completion_content(answer)})
        yield chunk({}, finish_reason="stop", extra={"footnote": answer_json(answer)})
        yield _DONE
    finally:
        await pump.close()


_DONE = b"data: [DONE]\n\n"


def _failure(request_id: str) -> dict[str, Any]:
    message = f"the answer failed midway; ask again (request id {request_id})"
    return {"error": {"message": message, "type": "server_error", "param": None, "code": None}}


def _data(payload: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()
