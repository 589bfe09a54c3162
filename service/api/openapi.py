"""The OpenAPI document as a contract: what FastAPI generates, corrected to what the service does.

FastAPI cannot know five things the service does, so they are written in here, once:

- errors are sent as `application/problem+json`, not `application/json`;
- with API keys configured, every route but /healthz needs `Authorization: Bearer KEY`
  (a 401 otherwise), declared as an HTTP bearer security scheme;
- the limits that are server settings (longest question, most passages) are bounds in the
  request schemas, so a generated client knows them;
- a streamed answer is a sequence of Server-Sent Events whose `final` event carries the same
  object as the JSON answer (declared with OpenAPI 3.2's `itemSchema`);
- the OpenAI-compatible routes answer errors in OpenAI's shape as application/json.

A schema-driven fuzz in the tests holds the service to this document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from service.api.middleware import OPEN_PATHS
from service.api.openai_models import OPENAI_PATHS
from service.api.problems import PROBLEM_JSON
from service.api.streaming import EVENT_STREAM
from service.settings import Settings

BEARER = "bearer"
_JSON = "application/json"
_REF = "#/components/schemas/"


def contract_openapi(app: FastAPI, settings: Settings) -> Callable[[], dict[str, Any]]:
    """A replacement for `app.openapi`: the generated document, corrected and cached."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            _problem_media_type(spec)
            _security(spec, keys=bool(settings.api_key_list))
            _setting_bounds(spec, settings)
            _event_stream(spec)
            app.openapi_schema = spec
        return app.openapi_schema

    return openapi


def _operations(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(path, op) for path, ops in spec["paths"].items() for op in ops.values()]


def _problem_media_type(spec: dict[str, Any]) -> None:
    for path, op in _operations(spec):
        if path in OPENAI_PATHS:
            continue  # OpenAI's clients parse its error shape, sent as application/json
        for status, response in op["responses"].items():
            content = response.get("content", {})
            if int(status) >= 400 and _JSON in content:
                content[PROBLEM_JSON] = content.pop(_JSON)


def _security(spec: dict[str, Any], *, keys: bool) -> None:
    spec.setdefault("components", {})["securitySchemes"] = {
        BEARER: {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key from the server's FOOTNOTE_API_KEYS, when it sets any.",
        }
    }
    for path, op in _operations(spec):
        if path in OPEN_PATHS:
            op["security"] = []
            op["responses"].pop("401", None)
            continue
        op["security"] = [{BEARER: []}] if keys else []
        error = (
            (_JSON, "OpenAIErrorResponse")
            if path in OPENAI_PATHS
            else (PROBLEM_JSON, "ProblemResponse")
        )
        op["responses"].setdefault(
            "401",
            {
                "description": "Unauthorized",
                "content": {error[0]: {"schema": {"$ref": _REF + error[1]}}},
            },
        )


def _error_shape(path: str) -> tuple[str, str]:
    if path in OPENAI_PATHS:
        return _JSON, "OpenAIErrorResponse"
    return PROBLEM_JSON, "ProblemResponse"


def _setting_bounds(spec: dict[str, Any], settings: Settings) -> None:
    schemas = spec["components"]["schemas"]
    question = {"minLength": 1, "maxLength": settings.max_question_chars, "pattern": NOT_BLANK}
    schemas["AskRequest"]["properties"]["question"].update(question)
    for name in ("AskRequest", "ChatRequest"):
        _integer_maximum(schemas[name]["properties"]["top_k"], settings.max_top_k)
    for _, op in _operations(spec):
        for parameter in op.get("parameters", []):
            if parameter["name"] == "k":
                _integer_maximum(parameter["schema"], settings.max_top_k)
            elif parameter["name"] == "q":
                parameter["schema"].update(question)


# JSON Schema patterns are unanchored: this one asks for one character that is not a space.
NOT_BLANK = r"\S"


def _integer_maximum(schema: dict[str, Any], maximum: int) -> None:
    for choice in schema.get("anyOf", [schema]):
        if choice.get("type") == "integer":
            choice["maximum"] = maximum


def _event_stream(spec: dict[str, Any]) -> None:
    events = {
        "description": (
            'One Server-Sent Event: token ({"text": ...}, as the model writes), then one '
            "final (the answer, the same object as the JSON response), or an error (a "
            "problem), then done ({}), after which the stream ends."
        ),
        "oneOf": [
            _event("token", _TOKEN),
            _event("final", {"$ref": _REF + "AnswerResponse"}),
            _event("error", {"$ref": _REF + "ProblemResponse"}),
            _event("done", {"type": "object", "maxProperties": 0}),
        ],
    }
    for path, op in _operations(spec):
        stream = op["responses"].get("200", {}).get("content", {}).get(EVENT_STREAM)
        if stream is not None:
            stream.pop("schema", None)  # `schema` would describe the whole stream at once
            stream["itemSchema"] = _COMPLETION_CHUNK if path in OPENAI_PATHS else events


# OpenAI's stream: unnamed events whose data is a chunk, an error, or the closing [DONE].
_COMPLETION_CHUNK = {
    "description": (
        "One Server-Sent Event: its data is a chat.completion.chunk (the last one carries the "
        'Footnote answer in `footnote`), or an error ({"error": ...}), then [DONE].'
    ),
    "type": "object",
    "required": ["data"],
    "properties": {
        "data": {"type": "string", "description": "A JSON object on one line, or [DONE]."}
    },
}

_TOKEN = {
    "type": "object",
    "required": ["text"],
    "properties": {"text": {"type": "string", "description": "Text the model just wrote."}},
    "additionalProperties": False,
}


def _event(name: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["event", "data"],
        "properties": {
            "event": {"const": name, "description": "The event's name."},
            "data": {
                "type": "string",
                "contentMediaType": _JSON,
                "contentSchema": data,
                "description": "The event's JSON object, on one line.",
            },
        },
    }
