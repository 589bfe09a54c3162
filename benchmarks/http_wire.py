"""A lean HTTP/1.1 keep-alive client for the load test, on asyncio streams.

The load test runs on the same two cores as the service it measures, so every millisecond its
client spends per request is taken from the server. httpx's AsyncClient spent ~3 ms of CPU per
search request here; this client, which only frames requests and reads Content-Length or
chunked bodies, spends ~0.4 ms. It speaks just what the load test needs: one request at a time
per connection, reconnecting when the server closes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

# A response head longer than this is not one of ours; stop rather than buffer it.
MAX_HEAD_BYTES = 64 * 1024
# Responses without a body. Reading a 204 "to the end of the connection" waited for the
# server's keep-alive timeout (uvicorn: 5 s): the soak's deletes measured 5.3 s, not 40 ms.
NO_BODY_STATUSES = frozenset({204, 304, *range(100, 200)})


class WireError(Exception):
    """The connection failed or the server's reply was not well-formed HTTP/1.1."""


@dataclass(frozen=True)
class Reply:
    """Status and body of one response."""

    status: int
    body: bytes

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (undecodable bytes replaced)."""
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


class Connection:
    """One keep-alive connection to `url` (http://host:port only)."""

    def __init__(
        self, url: str, *, headers: dict[str, str] | None = None, timeout_s: float
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"{url!r} is not an http://host:port address")
        self._host = parts.hostname
        self._port = parts.port or 80
        self._extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        self._timeout_s = timeout_s
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, params: dict[str, object] | None = None) -> Reply:
        """GET `path` with `params` as its query string."""
        target = f"{path}?{urlencode(params, doseq=True)}" if params else path
        return await self.request("GET", target)

    async def post_json(self, path: str, payload: object) -> Reply:
        """POST `payload` as a JSON body."""
        return await self.request("POST", path, json.dumps(payload).encode(), "application/json")

    async def request(
        self, method: str, target: str, body: bytes = b"", content_type: str | None = None
    ) -> Reply:
        """Send one request and read its whole response."""
        try:
            return await asyncio.wait_for(
                self._exchange(method, target, body, content_type), self._timeout_s
            )
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            await self.close()
            raise WireError(f"{method} {target}: {type(exc).__name__}: {exc}") from exc
        except TimeoutError as exc:
            await self.close()
            raise WireError(f"{method} {target}: no reply in {self._timeout_s:.0f} s") from exc

    async def close(self) -> None:
        """Close the connection (the next request opens a new one)."""
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def _exchange(
        self, method: str, target: str, body: bytes, content_type: str | None
    ) -> Reply:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        assert self._reader is not None
        head = f"{method} {target} HTTP/1.1\r\nHost: {self._host}:{self._port}\r\n{self._extra}"
        if body or method == "POST":
            head += f"Content-Length: {len(body)}\r\n"
        if content_type:
            head += f"Content-Type: {content_type}\r\n"
        self._writer.write(head.encode("latin-1") + b"\r\n" + body)
        status, headers = _parse_head(await self._reader.readuntil(b"\r\n\r\n"))
        if status in NO_BODY_STATUSES or method == "HEAD":
            payload = b""  # RFC 9112 6.3: these never have a body, whatever the headers say
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            payload = await _read_chunked(self._reader)
        elif "content-length" in headers:
            payload = await self._reader.readexactly(int(headers["content-length"]))
        else:  # no framing: the body runs to the end of the connection
            payload = await self._reader.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return Reply(status, payload)


def _parse_head(raw: bytes) -> tuple[int, dict[str, str]]:
    if len(raw) > MAX_HEAD_BYTES:
        raise ValueError("response head too long")
    lines = raw.decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    if not version.startswith("HTTP/1.") or not rest[:3].isdigit():
        raise ValueError(f"not an HTTP/1.x status line: {lines[0][:80]!r}")
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return int(rest[:3]), headers


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";")[0].strip(), 16)
        if size == 0:
            await reader.readuntil(b"\r\n")  # the empty trailer section
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)  # the CRLF after each chunk
