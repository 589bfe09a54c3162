"""The load test's lean HTTP client and one measured phase, against the real app on loopback."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from benchmarks.http_wire import Connection, WireError
from benchmarks.load_http import Phase, run_phase, search_call
from indexer.embedding import SentenceTransformerEmbedder
from service.settings import Settings
from tests.api_server import LOOR_QUESTION, client, extractive_engine, serve, stream_events


@pytest.fixture(scope="module")
def url(sample_settings: Settings, embedder: SentenceTransformerEmbedder) -> Iterator[str]:
    with serve(sample_settings, extractive_engine(sample_settings, embedder)) as base:
        yield base


def test_replies_match_httpx_on_one_kept_alive_connection(url: str) -> None:
    async def fetch() -> tuple[int, dict[str, Any], int, bytes]:
        connection = Connection(url, timeout_s=60)
        try:
            search = await connection.get("/v1/search", {"q": LOOR_QUESTION, "k": 3})
            missing = await connection.get("/v1/documents/no-such-document")
            # A streamed answer comes back in chunked transfer encoding.
            streamed = await connection.post_json(
                "/v1/ask", {"question": LOOR_QUESTION, "stream": True}
            )
        finally:
            await connection.close()
        assert streamed.status == 200
        return search.status, search.json(), missing.status, streamed.body

    status, body, missing_status, streamed = asyncio.run(fetch())
    with client(url) as http:
        expected = http.get("/v1/search", params={"q": LOOR_QUESTION, "k": 3}).json()
        events = stream_events(http, "/v1/ask", {"question": LOOR_QUESTION})
    assert status == 200 and body == expected and len(body["passages"]) == 3
    assert missing_status == 404
    final = [e for e in events if e.name == "final"]
    assert final and b"event: final" in streamed and b"event: done" in streamed


def test_a_phase_measures_every_request(url: str) -> None:
    def connect() -> Connection:
        return Connection(url, timeout_s=60)

    phase = asyncio.run(
        run_phase(
            connect,
            Phase("/v1/search", 2),
            search_call([LOOR_QUESTION, "Who runs the harbour?"], 3),
            max_requests=5,
            max_seconds=60,
        )
    )
    assert phase.errors == [] and phase.refused == 0
    assert len(phase.latencies_ms) == 5 and all(ms > 0 for ms in phase.latencies_ms)
    assert phase.seconds > 0 and phase.client_cpu_s > 0


def test_a_dead_address_is_a_wire_error_not_a_hang() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def fetch() -> None:
        await Connection(f"http://127.0.0.1:{port}", timeout_s=5).get("/healthz")

    with pytest.raises(WireError, match="GET /healthz"):
        asyncio.run(fetch())


def test_a_204_reply_ends_at_its_head_and_the_connection_stays_open() -> None:
    """A reply that has no body must not be read to the end of the connection: the soak's
    deletes once waited there for the server's keep-alive timeout."""

    async def exchange() -> list[tuple[int, bytes]]:
        handled = asyncio.Event()

        async def serve_two(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 204 No Content\r\nServer: test\r\n\r\n")
            await reader.readuntil(b"\r\n\r\n")  # the second request, on the same connection
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()
            await reader.read()  # held open until the client leaves
            writer.close()
            await writer.wait_closed()
            handled.set()

        server = await asyncio.start_server(serve_two, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        connection = Connection(f"http://127.0.0.1:{port}", timeout_s=30)
        try:
            first = await connection.request("DELETE", "/v1/documents/x")
            second = await connection.get("/v1/documents")
        finally:
            await connection.close()
            await asyncio.wait_for(handled.wait(), 30)
            server.close()
            await server.wait_closed()
        return [(first.status, first.body), (second.status, second.body)]

    assert asyncio.run(exchange()) == [(204, b""), (200, b"ok")]
