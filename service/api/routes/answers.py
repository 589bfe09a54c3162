"""POST /v1/ask and POST /v1/chat: verified answers, as JSON or as Server-Sent Events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from service.api.deps import ApiRuntime, RuntimeDep
from service.api.models import (
    AnswerResponse,
    AskRequest,
    ChatRequest,
    FiltersRequest,
    problem_responses,
)
from service.api.streaming import EVENT_STREAM, stream_answer, wants_stream
from service.backends.base import ChatMessage
from service.errors import InvalidRequest
from service.retrieval import SearchFilters

router = APIRouter(prefix="/v1", tags=["answers"])

_STREAM_DOC = (
    "With `stream: true` (or `Accept: text/event-stream`) the answer comes as Server-Sent "
    'Events: `token` events (`{"text": ...}`) as the model writes, then one `final` event '
    "with the verified answer (authoritative: verification may change the text), then `done`. "
    "An error after the stream started arrives as an `error` event carrying the problem JSON, "
    "followed by `done`."
)
_ANSWER_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The answer as JSON, or as an event stream.",
        "content": {EVENT_STREAM: {"schema": {"type": "string"}}},
    },
    **problem_responses(400, 413, 502, 503),
}


@router.post(
    "/ask",
    response_model=AnswerResponse,
    responses=_ANSWER_RESPONSES,
    summary="Answer a question with numbered, verified citations",
    description=_STREAM_DOC,
)
async def ask(body: AskRequest, request: Request, runtime: RuntimeDep) -> Response | AnswerResponse:
    """Answer one question over the current store version."""
    question = _Question(body.question, body.top_k, _filters(body.filters))
    return await _respond(question, body.stream, request, runtime)


@router.post(
    "/chat",
    response_model=AnswerResponse,
    responses=_ANSWER_RESPONSES,
    summary="Answer the last question of a conversation",
    description=(
        "The last user message is rewritten as a standalone question using the conversation "
        "(prompts/condense.txt); the answer's `standalone_question` says what was searched. "
        + _STREAM_DOC
    ),
)
async def chat(
    body: ChatRequest, request: Request, runtime: RuntimeDep
) -> Response | AnswerResponse:
    """Answer a follow-up in the context of the conversation so far."""
    *earlier, last = body.messages
    if last.role != "user":
        raise InvalidRequest("the last message must be the user's question; add it and resend")
    history = [ChatMessage(m.role, m.content) for m in earlier]
    engine = runtime.engine
    standalone = await runtime.in_answer_thread(lambda: engine.condense(history, last.content))
    question = _Question(last.content, body.top_k, _filters(body.filters), standalone)
    return await _respond(question, body.stream, request, runtime)


@dataclass(frozen=True)
class _Question:
    text: str
    top_k: int | None
    filters: SearchFilters | None
    standalone: str | None = None


async def _respond(
    question: _Question, stream: bool | None, request: Request, runtime: ApiRuntime
) -> Response | AnswerResponse:
    engine = runtime.engine
    if wants_stream(stream, request):
        events = engine.ask_stream(
            question.text,
            top_k=question.top_k,
            filters=question.filters,
            standalone_question=question.standalone,
        )
        return await stream_answer(
            events, request, limiter=runtime.answer_threads, on_answer=runtime.observe_answer
        )
    answer = await runtime.in_answer_thread(
        lambda: engine.ask(
            question.text,
            top_k=question.top_k,
            filters=question.filters,
            standalone_question=question.standalone,
        )
    )
    runtime.observe_answer(answer)
    return AnswerResponse.model_validate(answer.to_json())


def _filters(filters: FiltersRequest | None) -> SearchFilters | None:
    if filters is None:
        return None
    return filters.to_filters()
