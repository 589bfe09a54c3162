"""OllamaBackend against a real HTTP server on loopback that speaks Ollama's wire format."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator

import httpx
import ollama
import pydantic
import pytest

from service.backends.base import ChatMessage, GenerationRequest
from service.backends.ollama import FOREIGN_ERRORS, OllamaBackend, map_ollama_error
from service.errors import (
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    GenerationFailed,
    ModelNotAvailable,
)
from tests.fake_ollama import FakeOllama

MODEL = "llama3.2"
QUESTION = [
    ChatMessage("system", "Answer only from the numbered passages and cite them like [1]."),
    ChatMessage("user", "[1] Showers are forecast for Tuesday.\n\nWill it rain on Tuesday?"),
]


@pytest.fixture
def fake() -> Iterator[FakeOllama]:
    """A fresh fake Ollama server with llama3.2 pulled."""
    with FakeOllama() as server:
        yield server


@pytest.fixture
def closed_port_url() -> str:
    """The address of a loopback port that was free a moment ago and has nothing listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def ask(max_tokens: int = 64, stop: tuple[str, ...] = ()) -> GenerationRequest:
    return GenerationRequest(messages=QUESTION, max_tokens=max_tokens, stop=stop)


def wait_until(condition: Callable[[], bool], timeout_s: float = 5.0) -> bool:
    """Poll `condition` until it holds or the deadline passes; whether it held."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def collect_until_error(
    backend: OllamaBackend, request: GenerationRequest
) -> tuple[list[str], BackendError]:
    """The pieces yielded before generation failed, and the error it failed with."""
    pieces: list[str] = []
    with pytest.raises(BackendError) as caught:
        for piece in backend.generate(request):
            pieces.append(piece)
    return pieces, caught.value


# --- answering ----------------------------------------------------------------------------


def test_streamed_reply_arrives_in_pieces_that_join_to_the_full_text(fake: FakeOllama) -> None:
    fake.script.reply = ["Showers ", "are ", "forecast ", "for Tuesday ", "[1]."]
    backend = OllamaBackend(model=MODEL, host=fake.url)

    pieces = list(backend.generate(ask()))

    assert pieces == ["Showers ", "are ", "forecast ", "for Tuesday ", "[1]."]
    assert "".join(pieces) == "Showers are forecast for Tuesday [1]."


def test_request_carries_the_model_the_messages_in_order_and_deterministic_options(
    fake: FakeOllama,
) -> None:
    backend = OllamaBackend(model=MODEL, host=fake.url)

    list(backend.generate(ask(max_tokens=48, stop=("\n\n",))))

    [body] = fake.bodies("/api/chat")
    assert body["model"] == MODEL
    assert body["stream"] is True
    assert body["messages"] == [
        {"role": "system", "content": QUESTION[0].content},
        {"role": "user", "content": QUESTION[1].content},
    ]
    assert body["options"] == {"temperature": 0.0, "seed": 0, "num_predict": 48, "stop": ["\n\n"]}


def test_no_stop_list_is_sent_when_the_request_has_none_so_the_models_own_stops_apply(
    fake: FakeOllama,
) -> None:
    backend = OllamaBackend(model=MODEL, host=fake.url)

    list(backend.generate(ask(stop=())))

    [body] = fake.bodies("/api/chat")
    assert "stop" not in body["options"]


def test_stopping_early_closes_the_connection_to_the_server(fake: FakeOllama) -> None:
    backend = OllamaBackend(model=MODEL, host=fake.url)
    answer = backend.generate(ask())

    first = next(answer)
    assert fake.open_connections == 1
    answer.close()  # type: ignore[attr-defined]  # generate() returns a generator

    assert first == fake.script.reply[0]
    assert wait_until(lambda: fake.open_connections == 0)


def test_ollama_host_from_the_environment_is_used_when_no_host_is_given(
    fake: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OLLAMA_HOST", fake.url)
    backend = OllamaBackend(model=MODEL)

    text = "".join(backend.generate(ask()))

    assert backend.host == fake.url
    assert text == "".join(fake.script.reply)
    assert len(fake.bodies("/api/chat")) == 1


def test_the_constructor_does_not_contact_the_server(fake: FakeOllama) -> None:
    OllamaBackend(model=MODEL, host=fake.url)

    assert fake.requests == []


@pytest.mark.parametrize("model", ["", "   "])
def test_the_constructor_rejects_an_empty_model_name(model: str) -> None:
    with pytest.raises(ValueError, match="model"):
        OllamaBackend(model=model)


def test_the_constructor_rejects_a_malformed_host() -> None:
    with pytest.raises(ValueError, match="OLLAMA_HOST"):
        OllamaBackend(model=MODEL, host="http://127.0.0.1:99999")


# --- check() -------------------------------------------------------------------------------


def test_check_passes_when_the_model_is_pulled(fake: FakeOllama) -> None:
    backend = OllamaBackend(model=MODEL, host=fake.url)

    backend.check()

    assert fake.bodies("/api/show") == [{"model": MODEL}]


def test_check_raises_model_not_available_naming_ollama_pull_when_the_model_is_absent(
    fake: FakeOllama,
) -> None:
    fake.script.models = ["mistral:latest"]
    backend = OllamaBackend(model=MODEL, host=fake.url)

    with pytest.raises(ModelNotAvailable, match=r"run 'ollama pull llama3\.2'"):
        backend.check()


# --- failures ------------------------------------------------------------------------------


def test_an_unreachable_server_raises_backend_unavailable_from_check_and_generate(
    closed_port_url: str,
) -> None:
    backend = OllamaBackend(model=MODEL, host=closed_port_url)

    # check() goes through the client's non-streaming path (builtin ConnectionError) and
    # generate() through its streaming path (httpx.ConnectError); both must map.
    with pytest.raises(BackendUnavailable, match="ollama serve") as from_check:
        backend.check()
    with pytest.raises(BackendUnavailable, match="ollama serve") as from_generate:
        list(backend.generate(ask()))

    assert closed_port_url in str(from_check.value)
    assert closed_port_url in str(from_generate.value)


def test_generating_with_a_model_that_is_not_pulled_raises_model_not_available(
    fake: FakeOllama,
) -> None:
    backend = OllamaBackend(model="qwen2.5:0.5b", host=fake.url)

    with pytest.raises(ModelNotAvailable, match=r"run 'ollama pull qwen2\.5:0\.5b'"):
        list(backend.generate(ask()))


def test_a_server_error_raises_generation_failed_with_the_servers_text(fake: FakeOllama) -> None:
    fake.script.status = 500
    fake.script.error = "model requires more system memory (5.6 GiB) than is available"
    backend = OllamaBackend(model=MODEL, host=fake.url)

    pieces, error = collect_until_error(backend, ask())

    assert pieces == []
    assert type(error) is GenerationFailed
    assert "HTTP 500" in str(error)
    assert "more system memory (5.6 GiB)" in str(error)


def test_an_error_line_mid_stream_raises_generation_failed_after_the_first_pieces(
    fake: FakeOllama,
) -> None:
    fake.script.fail_after = 2
    fake.script.failure = "error_line"
    backend = OllamaBackend(model=MODEL, host=fake.url)

    pieces, error = collect_until_error(backend, ask())

    assert pieces == fake.script.reply[:2]
    assert type(error) is GenerationFailed
    assert "mid-answer" in str(error)
    assert fake.script.error in str(error)


def test_a_connection_dropped_mid_stream_raises_generation_failed_after_the_first_pieces(
    fake: FakeOllama,
) -> None:
    # GenerationFailed, not BackendUnavailable: the server was reached and had begun answering,
    # so "start it with 'ollama serve'" would be wrong advice; the caller holds a partial
    # answer it must discard, which is what GenerationFailed means.
    fake.script.fail_after = 3
    fake.script.failure = "drop"
    backend = OllamaBackend(model=MODEL, host=fake.url)

    pieces, error = collect_until_error(backend, ask())

    assert pieces == fake.script.reply[:3]
    assert type(error) is GenerationFailed
    assert "mid-answer" in str(error)
    assert isinstance(error.__cause__, httpx.RemoteProtocolError)


def test_a_server_slower_than_the_timeout_raises_backend_timeout(fake: FakeOllama) -> None:
    fake.script.delay_s = 2.0  # cut short when the fixture stops the server
    backend = OllamaBackend(model=MODEL, host=fake.url, timeout_s=0.5)

    with pytest.raises(BackendTimeout, match="FOOTNOTE_LLM_TIMEOUT_S") as caught:
        list(backend.generate(ask()))

    assert "0.5 s" in str(caught.value)


# --- the error map -------------------------------------------------------------------------


def _validation_error() -> pydantic.ValidationError:
    try:
        ollama.ChatResponse.model_validate({"done": "not a bool"})
    except pydantic.ValidationError as exc:
        return exc
    raise AssertionError("ChatResponse accepted a reply without a message")


# One example of each foreign error, with the BackendError it must become before any piece.
EXAMPLES: list[tuple[Exception, type[BackendError]]] = [
    (ConnectionError("Failed to connect to Ollama."), BackendUnavailable),
    (httpx.ConnectError("[Errno 111] Connection refused"), BackendUnavailable),
    (httpx.ConnectTimeout("timed out"), BackendUnavailable),
    (
        httpx.UnsupportedProtocol("Request URL has an unsupported protocol 'ftp://'."),
        BackendUnavailable,
    ),
    (httpx.ReadTimeout("timed out"), BackendTimeout),
    (httpx.WriteTimeout("timed out"), BackendTimeout),
    (httpx.PoolTimeout("timed out"), BackendTimeout),
    (ollama.ResponseError(json.dumps({"error": "model 'x' not found"}), 404), ModelNotAvailable),
    (
        ollama.ResponseError('{"error":"model \\"x\\" not found, try pulling it first"}', 404),
        ModelNotAvailable,
    ),
    (ollama.ResponseError("404 page not found", 404), BackendUnavailable),
    (ollama.ResponseError('{"error":"unexpected server status"}', 500), GenerationFailed),
    (ollama.ResponseError("an error line inside the stream"), GenerationFailed),
    (httpx.RemoteProtocolError("incomplete chunked read"), GenerationFailed),
    (httpx.ReadError("[Errno 104] Connection reset by peer"), GenerationFailed),
    (json.JSONDecodeError("Expecting value", "<html>", 0), GenerationFailed),
    (_validation_error(), GenerationFailed),
]


EXAMPLE_IDS = [f"{index}-{type(exc).__name__}" for index, (exc, _) in enumerate(EXAMPLES)]


def test_every_foreign_error_the_backend_catches_has_an_example_in_the_map_table() -> None:
    for foreign in FOREIGN_ERRORS:
        assert any(isinstance(exc, foreign) for exc, _ in EXAMPLES), foreign


@pytest.mark.parametrize(("exc", "expected"), EXAMPLES, ids=EXAMPLE_IDS)
def test_each_foreign_error_maps_to_its_backend_error_before_the_answer_starts(
    exc: Exception, expected: type[BackendError]
) -> None:
    mapped = map_ollama_error(exc, host="http://ollama:11434", model="x", timeout_s=30)

    assert type(mapped) is expected
    assert str(mapped)


@pytest.mark.parametrize(("exc", "_before"), EXAMPLES, ids=EXAMPLE_IDS)
def test_each_foreign_error_after_the_first_piece_is_a_mid_answer_failure(
    exc: Exception, _before: type[BackendError]
) -> None:
    mapped = map_ollama_error(
        exc, host="http://ollama:11434", model="x", timeout_s=30, mid_answer=True
    )

    assert type(mapped) is GenerationFailed
    assert str(mapped).startswith("the Ollama server failed mid-answer: ")
