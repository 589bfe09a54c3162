"""The OpenAI-compatible face's request and response models, and how an answer fills them.

Chat front-ends speak OpenAI's Chat Completions API; these models take the fields such
clients send (unknown ones are ignored, as OpenAI-compatible servers do) and answer in its
shapes. The content is the verified answer with a "Sources" block; the whole Footnote answer
rides along in the `footnote` extension field.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.answer_text import answer_lines
from service.answers import Answer
from service.api.models import MAX_CHAT_MESSAGES, AnswerResponse
from service.backends.base import ChatMessage
from service.errors import InvalidRequest

# The one model a Footnote server offers: its archive, answered by its configured backend.
MODEL_ID = "footnote"
# OpenAI paths answered in OpenAI's error shape instead of problem+json.
OPENAI_PATHS = ("/v1/chat/completions", "/v1/models")


class _Lenient(BaseModel):
    # Clients send fields Footnote has no use for (top_p, seed, tools...): ignore them.
    model_config = ConfigDict(extra="ignore")


class ContentPart(_Lenient):
    """One part of a message's content; Footnote reads the text parts."""

    type: str = Field(description="'text' parts are read; others (images...) are ignored.")
    text: str | None = Field(None, description="The text of a 'text' part.")


class CompletionMessage(_Lenient):
    """One message of the conversation."""

    role: Literal["system", "developer", "user", "assistant", "tool", "function"] = Field(
        description="Who wrote it; system, developer and tool messages are not used."
    )
    content: str | list[ContentPart] | None = Field(
        None, description="The text, or a list of content parts."
    )

    def text(self) -> str:
        """The message's text, its text parts joined."""
        if isinstance(self.content, str):
            return self.content
        parts = self.content or []
        return "\n".join(p.text for p in parts if p.type == "text" and p.text)


class ChatCompletionRequest(_Lenient):
    """An OpenAI Chat Completions request."""

    model: str = Field(min_length=1, description=f"The model: '{MODEL_ID}' (GET /v1/models).")
    messages: list[CompletionMessage] = Field(
        min_length=1,
        max_length=MAX_CHAT_MESSAGES,
        description="The conversation, oldest first; the last message must be the user's.",
    )
    stream: bool = Field(
        False, description="Send chat.completion.chunk events, then [DONE], as Server-Sent Events."
    )
    temperature: float | None = Field(
        None, ge=0, le=2, description="Accepted and ignored: answers are chosen, not sampled."
    )
    max_tokens: int | None = Field(None, ge=1, description="Accepted and ignored.")
    user: str | None = Field(None, description="Accepted and ignored.")

    def conversation(self) -> tuple[list[ChatMessage], str]:
        """(earlier user and assistant turns, the question) from the messages."""
        turns = [m for m in self.messages if m.role in ("user", "assistant")]
        if not turns or turns[-1].role != "user" or self.messages[-1].role != "user":
            raise InvalidRequest("the last message must be the user's question; add it and resend")
        *earlier, last = turns
        question = last.text()
        if not question.strip():
            raise InvalidRequest("the last user message has no text; Footnote answers text")
        history = [
            ChatMessage("user" if m.role == "user" else "assistant", m.text()) for m in earlier
        ]
        return history, question


class CompletionContent(BaseModel):
    """The assistant's message."""

    role: Literal["assistant"] = Field(description="Always 'assistant'.")
    content: str = Field(description="The verified answer with its numbered sources.")


class CompletionChoice(BaseModel):
    """The one choice Footnote returns."""

    index: int = Field(description="Always 0.")
    message: CompletionContent = Field(description="The answer.")
    finish_reason: Literal["stop"] = Field(description="Always 'stop'.")


class ChatCompletionResponse(BaseModel):
    """An OpenAI chat.completion object, with the Footnote answer in `footnote`."""

    id: str = Field(description="chatcmpl- and the request id.")
    object: Literal["chat.completion"] = Field(description="Always 'chat.completion'.")
    created: int = Field(description="Unix time of the answer.")
    model: str = Field(description=f"Always '{MODEL_ID}'.")
    choices: list[CompletionChoice] = Field(description="One choice.")
    footnote: AnswerResponse = Field(
        description="Footnote's full answer: short answer, citations with offsets, grounding."
    )


class ModelCard(BaseModel):
    """One model, as GET /v1/models lists it."""

    id: str = Field(description=f"'{MODEL_ID}'.")
    object: Literal["model"] = Field(description="Always 'model'.")
    created: int = Field(description="Unix time the server started.")
    owned_by: str = Field(description="Who serves it: the answer backend in use.")


class ModelList(BaseModel):
    """The models this server answers with."""

    object: Literal["list"] = Field(description="Always 'list'.")
    data: list[ModelCard] = Field(description="The models.")


class OpenAIErrorDetail(BaseModel):
    """What went wrong, as OpenAI describes errors."""

    message: str = Field(description="What went wrong, and what to do.")
    type: str = Field(description="invalid_request_error, authentication_error or server_error.")
    param: str | None = Field(None, description="The request field at fault, when one is.")
    code: str | None = Field(None, description="Footnote's problem type, e.g. queue-full.")


class OpenAIErrorResponse(BaseModel):
    """An error on the OpenAI-compatible routes."""

    error: OpenAIErrorDetail = Field(description="The error.")


def completion_content(answer: Answer) -> str:
    """The message content: the answer, who answered, and its numbered sources."""
    return "\n".join(answer_lines(answer)).strip()


def completion_json(answer: Answer, *, completion_id: str, created: int) -> dict[str, Any]:
    """A chat.completion object for `answer`."""
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": MODEL_ID,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": completion_content(answer)},
                "finish_reason": "stop",
            }
        ],
        "footnote": answer.to_json(),
    }


def chunk_json(
    delta: dict[str, Any],
    *,
    completion_id: str,
    created: int,
    finish_reason: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One chat.completion.chunk of a streamed answer."""
    chunk: dict[str, Any] = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": MODEL_ID,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
    if extra:
        chunk.update(extra)
    return chunk


def openai_error_json(problem: dict[str, Any]) -> dict[str, Any]:
    """A problem body (problems.py) in OpenAI's error shape, same message and kind."""
    status = int(problem["status"])
    if status == 401:
        kind = "authentication_error"
    elif status < 500:
        kind = "invalid_request_error"
    else:
        kind = "server_error"
    errors = problem.get("errors") or []
    param = ".".join(str(p) for p in errors[0]["loc"][1:]) if errors else None
    code = str(problem["type"]).rsplit(":", 1)[-1]
    return {"error": {"message": problem["detail"], "type": kind, "param": param, "code": code}}
