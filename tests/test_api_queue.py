"""The generation queue and a dead LLM, with the Ollama backend against the loopback fake.

The queue-full case is made deterministic by a fake Ollama that holds each chat reply until the
test releases it: with one generation slot and no queue places, the held request owns the
slot for as long as the test needs, and the next question must be refused at once. (The real
llama.cpp model answers in seconds, so with it "one is in flight" would be a race.)
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from service.backends.ollama import OllamaBackend
from service.settings import Settings
from tests.api_server import (
    LOOR_QUESTION,
    assert_problem,
    backend_engine,
    client,
    metric_value,
    poll,
    serve,
    stream_events,
)
from tests.conftest import SAMPLE_NEWS, build_store, make_settings
from tests.fake_ollama import FakeOllama, OllamaScript, RecordedRequest

MODEL = "llama3.2"
UNANSWERABLE = "What is the population of Mars in the year 3000?"
# The longest a held reply waits for release, so a failing test still ends.
HOLD_LIMIT_S = 60.0


class HeldOllama(FakeOllama):
    """The fake Ollama server, holding every chat reply until `release` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.chat_arrived = threading.Event()
        self._handler = threading.local()

    def record(self, request: RecordedRequest) -> None:
        super().record(request)
        self._handler.path = request.path  # each request is handled in its own thread

    def wait_scripted_delay(self) -> None:
        if getattr(self._handler, "path", None) == "/api/chat":
            self.chat_arrived.set()
            self.release.wait(HOLD_LIMIT_S)

    def stop(self) -> None:
        self.release.set()
        super().stop()


def ollama_settings(sample_settings: Settings, **overrides: object) -> Settings:
    """Ollama answers, asked on every question: these tests hold, kill and queue its replies
    (by default it is asked only where a reply can change the answer)."""
    return make_settings(
        sample_settings.index_dir, llm="ollama", ask_model_always=True, **overrides
    )


@pytest.fixture()
def held() -> Iterator[HeldOllama]:
    server = HeldOllama()
    with server:
        yield server


@pytest.fixture()
def held_url(held: HeldOllama, sample_settings: Settings) -> Iterator[str]:
    """The app with one generation slot, no queue places, answering through the held fake."""
    settings = ollama_settings(
        sample_settings, max_concurrent_generations=1, max_queued_generations=0
    )
    backend = OllamaBackend(model=MODEL, host=held.url, timeout_s=HOLD_LIMIT_S)
    with serve(settings, backend_engine(settings, backend)) as url:
        yield url


def ask_in_background(url: str, results: list[httpx.Response]) -> threading.Thread:
    """Ask LOOR_QUESTION on its own connection in a started thread; the reply goes to results."""

    def ask() -> None:
        with client(url) as http:
            results.append(http.post("/v1/ask", json={"question": LOOR_QUESTION}))

    asker = threading.Thread(target=ask)
    asker.start()
    return asker


def test_a_full_queue_is_503_with_retry_after_while_search_stays_open(
    held: HeldOllama, held_url: str
) -> None:
    results: list[httpx.Response] = []
    asker = ask_in_background(held_url, results)
    try:
        with client(held_url) as http:
            poll(
                lambda: metric_value(http, "footnote_generations_in_flight") == 1,
                "the first question to take the generation slot",
            )
            assert held.chat_arrived.wait(HOLD_LIMIT_S), "the held request never reached Ollama"
            refused = http.post("/v1/ask", json={"question": LOOR_QUESTION})
            body = assert_problem(refused, 503)
            assert body["type"].endswith(":queue-full")
            assert int(refused.headers["retry-after"]) > 0
            streamed = http.post("/v1/ask", json={"question": LOOR_QUESTION, "stream": True})
            assert_problem(streamed, 503)
            # Neither retrieval nor abstentions wait for the LLM.
            assert http.get("/v1/search", params={"q": "Sarvek"}).status_code == 200
            abstained = http.post("/v1/ask", json={"question": UNANSWERABLE})
            assert abstained.status_code == 200 and abstained.json()["abstained"]
            assert metric_value(http, "footnote_generations_in_flight") == 1
    finally:
        held.release.set()
        asker.join(timeout=HOLD_LIMIT_S)
    (answered,) = results
    assert answered.status_code == 200
    assert answered.json()["backend"] == "ollama"


def test_a_queued_question_waits_for_the_slot_and_is_answered(
    held: HeldOllama, sample_settings: Settings
) -> None:
    settings = ollama_settings(
        sample_settings, max_concurrent_generations=1, max_queued_generations=1
    )
    backend = OllamaBackend(model=MODEL, host=held.url, timeout_s=HOLD_LIMIT_S)
    with serve(settings, backend_engine(settings, backend)) as url, client(url) as http:
        results: list[int] = []

        def ask() -> None:
            with client(url) as own:
                results.append(own.post("/v1/ask", json={"question": LOOR_QUESTION}).status_code)

        askers = [threading.Thread(target=ask) for _ in range(2)]
        for asker in askers:
            asker.start()
        try:
            poll(
                lambda: (
                    metric_value(http, "footnote_generation_queue_depth") == 1
                    and metric_value(http, "footnote_generations_in_flight") == 1
                ),
                "one question running and one queued",
            )
            assert_problem(http.post("/v1/ask", json={"question": LOOR_QUESTION}), 503)
        finally:
            held.release.set()
            for asker in askers:
                asker.join(timeout=HOLD_LIMIT_S)
        assert results == [200, 200]
        assert metric_value(http, "footnote_generation_queue_depth") == 0


@pytest.fixture()
def dead_ollama_url() -> str:
    """A loopback address where nothing listens: a port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_a_dead_ollama_is_503_with_retry_after(
    dead_ollama_url: str, sample_settings: Settings
) -> None:
    settings = ollama_settings(sample_settings)
    backend = OllamaBackend(model=MODEL, host=dead_ollama_url, timeout_s=5)
    with serve(settings, backend_engine(settings, backend)) as url, client(url) as http:
        for body in ({"question": LOOR_QUESTION}, {"question": LOOR_QUESTION, "stream": True}):
            response = http.post("/v1/ask", json=body)
            problem = assert_problem(response, 503)
            assert problem["type"].endswith(":backend-unavailable")
            assert "ollama serve" in problem["detail"]
            assert int(response.headers["retry-after"]) > 0
        ready = http.get("/readyz")
        assert assert_problem(ready, 503)["reason"] == "backend-unavailable"
        # Questions the articles cannot answer never reach the LLM.
        assert http.post("/v1/ask", json={"question": UNANSWERABLE}).json()["abstained"]
        assert http.get("/healthz").status_code == 200


def test_a_dead_ollama_does_not_stop_answers_no_reply_could_change(
    dead_ollama_url: str, sample_settings: Settings
) -> None:
    # By default the model is asked only where its reply can change the answer. One article
    # states when Loor took charge, so no reply could verify that answer: it comes without
    # the model, over HTTP as in-process, says so, and streams no token; /readyz still tells.
    settings = make_settings(sample_settings.index_dir, llm="ollama")
    backend = OllamaBackend(model=MODEL, host=dead_ollama_url, timeout_s=5)
    with serve(settings, backend_engine(settings, backend)) as url, client(url) as http:
        answer = http.post("/v1/ask", json={"question": LOOR_QUESTION}).json()
        events = stream_events(http, "/v1/ask", {"question": LOOR_QUESTION})
        ready = http.get("/readyz")
    assert answer["model_asked"] is False and answer["grounding"] == "extractive"
    assert answer["short_answer"]["text"] == "November 2023"
    assert [e.name for e in events] == ["final", "done"]
    assert events[0].data["model_asked"] is False
    assert assert_problem(ready, 503)["reason"] == "backend-unavailable"


@pytest.mark.parametrize("failure", ["drop", "error_line"])
def test_ollama_dying_mid_answer_is_a_problem_then_the_service_answers_again(
    failure: str, sample_settings: Settings
) -> None:
    settings = ollama_settings(sample_settings)
    script = OllamaScript(reply=["Matthis Loor ", "took charge ", "[1]."], fail_after=1)
    script.failure = failure  # type: ignore[assignment]
    with FakeOllama(script) as fake:
        backend = OllamaBackend(model=MODEL, host=fake.url, timeout_s=30)
        with serve(settings, backend_engine(settings, backend)) as url, client(url) as http:
            # Streaming: the first piece went out, then an error event with the problem, done.
            events = stream_events(http, "/v1/ask", {"question": LOOR_QUESTION})
            assert [e.name for e in events] == ["token", "error", "done"]
            assert events[1].data["status"] == 502
            assert "Traceback" not in json.dumps(events[1].data)
            # Not streaming: a 502 problem, nothing half-written.
            assert_problem(http.post("/v1/ask", json={"question": LOOR_QUESTION}), 502)
            fake.script.fail_after = None  # the server is back
            answered = http.post("/v1/ask", json={"question": LOOR_QUESTION})
            assert answered.status_code == 200 and not answered.json()["abstained"]


def test_a_question_in_flight_finishes_on_the_store_version_it_started_with(
    held: HeldOllama, tmp_path: Path
) -> None:
    # A private store: the test deletes the article the held question is being answered from.
    built = build_store(SAMPLE_NEWS, tmp_path / "store")
    settings = make_settings(
        built.index_dir, llm="ollama", max_concurrent_generations=1, ask_model_always=True
    )
    held.script.reply = ["Loor took over the ministry ", "in November 2023 [1]."]
    backend = OllamaBackend(model=MODEL, host=held.url, timeout_s=HOLD_LIMIT_S)
    results: list[httpx.Response] = []
    with serve(settings, backend_engine(settings, backend)) as url, client(url) as http:
        asker = ask_in_background(url, results)
        try:
            assert held.chat_arrived.wait(HOLD_LIMIT_S), "the held request never reached Ollama"
            (top, *_) = http.get("/v1/search", params={"q": LOOR_QUESTION}).json()["passages"]
            deleted = top["document_id"]
            assert http.delete(f"/v1/documents/{deleted}").status_code == 204
            # New requests see the change at once...
            assert_problem(http.get(f"/v1/documents/{deleted}"), 404)
            passages = http.get("/v1/search", params={"q": LOOR_QUESTION}).json()["passages"]
            assert deleted not in {p["document_id"] for p in passages}
        finally:
            held.release.set()
            asker.join(timeout=HOLD_LIMIT_S)
    # ...while the question already running is answered, and cited, from its own version.
    (answered,) = results
    assert answered.status_code == 200, answered.text
    answer = answered.json()
    assert not answer["abstained"], answer
    assert deleted in {c["document_id"] for c in answer["citations"]}
    assert "November 2023" in answer["answer"]
