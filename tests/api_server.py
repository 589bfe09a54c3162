"""Helpers for the API tests: the real app on uvicorn on a free loopback port, SSE parsing."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from indexer.embedding import Embedder
from service.api.app import create_app
from service.backends.base import Backend
from service.backends.extractive import ExtractiveBackend
from service.engine import Engine
from service.factory import engine_for
from service.settings import Settings

# Starting is quick (the models are loaded already); this only bounds a hung start.
STARTUP_S = 60.0
# Bounds every poll in these tests: a broken server fails the test instead of hanging it.
POLL_DEADLINE_S = 60.0
PROBLEM_FIELDS = {"type", "title", "status", "detail", "request_id"}
LOOR_QUESTION = "When did Matthis Loor take charge of the maritime ministry?"


def extractive_engine(settings: Settings, embedder: Embedder) -> Engine:
    """An engine over the settings' store with the real, fast extractive backend."""
    return engine_for(settings, backend=ExtractiveBackend(embedder))


def backend_engine(settings: Settings, backend: Backend) -> Engine:
    """An engine over the settings' store with the given (real) backend."""
    return engine_for(settings, backend=backend)


def serve(
    settings: Settings, engine: Engine | None = None
) -> contextlib.AbstractContextManager[str]:
    """Run create_app(settings) on uvicorn on 127.0.0.1:0; yields its base URL."""
    return serve_app(create_app(settings, engine=engine))


@contextlib.contextmanager
def serve_app(app: FastAPI) -> Iterator[str]:
    """Run `app` on uvicorn on 127.0.0.1:0; yields its base URL."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        ws="none",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="api-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the API did not start on loopback")
        thread.join(timeout=0.05)  # waits on the thread: returns early if the server dies
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)


def client(url: str, **headers: str) -> httpx.Client:
    """An httpx client for the server; LLM answers on CPU may take a while."""
    return httpx.Client(base_url=url, timeout=httpx.Timeout(300.0, connect=10.0), headers=headers)


@dataclass(frozen=True)
class Event:
    """One parsed Server-Sent Event."""

    name: str
    data: dict[str, Any]


def parse_events(lines: Iterator[str]) -> list[Event]:
    """Events from an SSE body; each data line must be a JSON object."""
    events: list[Event] = []
    name, data = "", list[str]()
    for line in lines:
        if not line:
            if data:
                events.append(Event(name or "message", json.loads("\n".join(data))))
            name, data = "", list[str]()
        elif line.startswith("event:"):
            name = line.removeprefix("event:").strip()
        elif line.startswith("data:"):
            data.append(line.removeprefix("data:").strip())
    return events


def stream_events(http: httpx.Client, path: str, body: dict[str, Any]) -> list[Event]:
    """POST `body` with stream=true and parse the whole event stream."""
    with http.stream("POST", path, json={**body, "stream": True}) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        return parse_events(response.iter_lines())


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body.keys() >= PROBLEM_FIELDS, body
    assert body["status"] == status
    assert body["request_id"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text
    return body


def poll(check: Callable[[], bool], what: str, deadline_s: float = POLL_DEADLINE_S) -> None:
    """Call `check` until it is true; fail after the deadline. Each call does real I/O."""
    deadline = time.monotonic() + deadline_s
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")


def metric_value(http: httpx.Client, name: str) -> float:
    """The value of an unlabelled sample on /metrics (0 if absent)."""
    for line in http.get("/metrics").text.splitlines():
        if line.startswith(f"{name} "):
            return float(line.split()[1])
    return 0.0
