"""A fake Ollama server for tests: real HTTP on 127.0.0.1, Ollama's wire format, scripted failures.

It speaks the parts of https://github.com/ollama/ollama/blob/main/docs/api.md that Footnote uses:

    POST /api/chat     NDJSON stream (chunked, application/x-ndjson) or one JSON object
    POST /api/show     details of a pulled model; 404 {"error": "model 'x' not found"}
    GET  /api/tags     the pulled models
    GET  /api/version  the server version

Each test scripts it through `FakeOllama.script` (models, reply pieces, delays, error status,
mid-stream failure) and reads back what the client sent from `FakeOllama.requests`. With
`OllamaScript.respond` a real model writes the replies instead (benchmarks/ollama_stand_in.py),
so the Ollama backend can be measured end to end where no Ollama server can be installed.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal

logger = logging.getLogger(__name__)

# A scripted delay never holds a server thread longer than this, so every test ends promptly.
MAX_DELAY_S = 2.0
# How often serve_forever looks for a shutdown request; the stdlib default of 0.5 s would add
# half a second to every test.
POLL_INTERVAL_S = 0.02
# A handler thread waits at most this long for the next request on a kept-alive connection.
IDLE_CONNECTION_S = 5.0
SERVER_VERSION = "0.6.5"

MidStreamFailure = Literal["error_line", "drop"]


@dataclass
class OllamaScript:
    """How the fake answers; tests change the fields before calling the backend."""

    models: list[str] = field(default_factory=lambda: ["llama3.2:latest"])
    reply: list[str] = field(default_factory=lambda: ["Rain ", "is ", "expected ", "[1]."])
    # Writes the reply pieces for a /api/chat body (its messages and options) in place of
    # `reply`: a real model behind the wire. num_predict and stop are then its to honour.
    respond: Callable[[dict[str, Any]], Iterable[str]] | None = None
    # Seconds to wait before answering any request (bounded by MAX_DELAY_S).
    delay_s: float = 0.0
    # Seconds to wait before each streamed piece after the first (each bounded by MAX_DELAY_S),
    # so a client can act while an answer is still being written.
    piece_delay_s: float = 0.0
    # Answer /api/chat with this HTTP status and `{"error": error}` instead of a reply.
    status: int | None = None
    error: str = "llama runner process has terminated: signal: killed"
    # After this many pieces, fail: an `{"error": ...}` line, or drop the connection.
    fail_after: int | None = None
    failure: MidStreamFailure = "error_line"


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received."""

    method: str
    path: str
    body: dict[str, Any]


def canonical_name(name: str) -> str:
    """Ollama's name for a model: a name without a tag means the `latest` tag."""
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class FakeOllama:
    """A running fake Ollama server on 127.0.0.1 at a free port; use it as a context manager."""

    def __init__(self, script: OllamaScript | None = None) -> None:
        self.script = script or OllamaScript()
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._open_connections = 0
        self._server = _Server(self)
        host, port = self._server.server_address[:2]
        self.url = f"http://{host!s}:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL_S},
            name="fake-ollama",
        )

    def __enter__(self) -> FakeOllama:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """Cut scripted delays short, stop serving, and wait for every handler thread."""
        self._released.set()
        self._server.shutdown()
        self._server.server_close()  # joins the handler threads (daemon_threads is off)
        self._thread.join()

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def open_connections(self) -> int:
        """Client connections the server holds open right now."""
        with self._lock:
            return self._open_connections

    def count_connection(self, change: int) -> None:
        with self._lock:
            self._open_connections += change

    def bodies(self, path: str) -> list[dict[str, Any]]:
        """The JSON bodies received on `path`, oldest first."""
        return [r.body for r in self.requests if r.path == path]

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def wait_scripted_delay(self) -> None:
        self._wait(self.script.delay_s)

    def wait_between_pieces(self) -> None:
        self._wait(self.script.piece_delay_s)

    def _wait(self, seconds: float) -> None:
        delay = min(seconds, MAX_DELAY_S)
        if delay > 0:
            self._released.wait(delay)

    def has_model(self, name: str) -> bool:
        return canonical_name(name) in {canonical_name(m) for m in self.script.models}


class _Server(ThreadingHTTPServer):
    # Handler threads are joined on close, so none outlives its test.
    daemon_threads = False

    def __init__(self, fake: FakeOllama) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("fake Ollama: error while serving %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # chunked streaming and keep-alive, as Ollama's Go server
    timeout = IDLE_CONNECTION_S
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.fake.count_connection(+1)

    def finish(self) -> None:
        self.server.fake.count_connection(-1)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("fake Ollama: %s", format % args)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        body = self._read_body()
        fake = self.server.fake
        fake.record(RecordedRequest(method, self.path, body))
        fake.wait_scripted_delay()
        routes = {
            ("POST", "/api/chat"): self._chat,
            ("POST", "/api/show"): self._show,
            ("GET", "/api/tags"): self._tags,
            ("GET", "/api/version"): self._version,
        }
        route = routes.get((method, self.path))
        try:
            if route is None:
                self._send_text(404, "404 page not found")  # what Go's router answers
            else:
                route(body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (a timeout test); there is nobody left to answer.
            self.close_connection = True

    def _read_body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parsed = json.loads(raw) if raw else {}
        return parsed if isinstance(parsed, dict) else {"_body": parsed}

    # --- endpoints ----------------------------------------------------------------------

    def _chat(self, body: dict[str, Any]) -> None:
        script = self.server.fake.script
        model = str(body.get("model", ""))
        if not self.server.fake.has_model(model):
            self._send_json(404, {"error": f'model "{model}" not found, try pulling it first'})
            return
        if script.status is not None:
            self._send_json(script.status, {"error": script.error})
            return
        pieces, done_reason = self._pieces(body)
        if not body.get("stream", True):  # Ollama streams unless told not to
            if script.fail_after is not None:
                self._send_json(500, {"error": script.error})
                return
            reply = _chat_chunk(model, "".join(pieces))
            self._send_json(200, reply | _final_fields(done_reason, len(pieces)))
            return
        self._stream_chat(model, pieces, done_reason)

    def _stream_chat(self, model: str, pieces: list[str], done_reason: str) -> None:
        script = self.server.fake.script
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for index, piece in enumerate(pieces):
            if index == script.fail_after:
                self._fail_mid_stream(script)
                return
            if index > 0:
                self.server.fake.wait_between_pieces()
            self._send_line(_chat_chunk(model, piece))
        final = _chat_chunk(model, "") | _final_fields(done_reason, len(pieces))
        self._send_line(final)
        self._send_chunk(b"")  # the zero-length chunk that ends the body

    def _fail_mid_stream(self, script: OllamaScript) -> None:
        if script.failure == "error_line":
            self._send_line({"error": script.error})
            self._send_chunk(b"")
        else:
            # Close without the terminating chunk, as a server that crashed mid-answer would.
            self.close_connection = True

    def _pieces(self, body: dict[str, Any]) -> tuple[list[str], str]:
        respond = self.server.fake.script.respond
        if respond is not None:
            return list(respond(body)), "stop"
        pieces = list(self.server.fake.script.reply)
        options = body.get("options") or {}
        limit = options.get("num_predict")
        # Each piece stands for one token, so num_predict cuts the reply as Ollama would.
        if isinstance(limit, int) and 0 <= limit < len(pieces):
            return pieces[:limit], "length"
        return pieces, "stop"

    def _show(self, body: dict[str, Any]) -> None:
        model = str(body.get("model") or body.get("name") or "")
        if not self.server.fake.has_model(model):
            self._send_json(404, {"error": f"model '{model}' not found"})
            return
        self._send_json(
            200,
            {
                "license": "LLAMA 3.2 COMMUNITY LICENSE AGREEMENT",
                "modelfile": f"# Modelfile generated by the fake\nFROM {canonical_name(model)}\n",
                "parameters": 'stop                           "<|eot_id|>"',
                "template": "{{ .Prompt }}",
                "details": _details(),
                "model_info": {"general.architecture": "llama", "llama.context_length": 131072},
                "capabilities": ["completion", "tools"],
                "modified_at": "2025-01-01T00:00:00Z",
            },
        )

    def _tags(self, body: dict[str, Any]) -> None:
        models = [
            {
                "name": canonical_name(name),
                "model": canonical_name(name),
                "modified_at": "2025-01-01T00:00:00Z",
                "size": 2019393189,
                "digest": "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
                "details": _details(),
            }
            for name in self.server.fake.script.models
        ]
        self._send_json(200, {"models": models})

    def _version(self, body: dict[str, Any]) -> None:
        self._send_json(200, {"version": SERVER_VERSION})

    # --- wire helpers -------------------------------------------------------------------

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_text(self, status: int, text: str) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_line(self, payload: dict[str, Any]) -> None:
        self._send_chunk(json.dumps(payload).encode() + b"\n")

    def _send_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()


def _chat_chunk(model: str, content: str) -> dict[str, Any]:
    return {
        "model": model,
        "created_at": _now(),
        "message": {"role": "assistant", "content": content},
        "done": False,
    }


def _final_fields(done_reason: str, tokens: int) -> dict[str, Any]:
    # Durations are in nanoseconds, as Ollama reports them.
    return {
        "done": True,
        "done_reason": done_reason,
        "total_duration": 5_000_000 * (tokens + 1),
        "load_duration": 1_000_000,
        "prompt_eval_count": 26,
        "prompt_eval_duration": 2_000_000,
        "eval_count": tokens,
        "eval_duration": 5_000_000 * tokens,
    }


def _details() -> dict[str, Any]:
    return {
        "parent_model": "",
        "format": "gguf",
        "family": "llama",
        "families": ["llama"],
        "parameter_size": "3.2B",
        "quantization_level": "Q4_K_M",
    }
