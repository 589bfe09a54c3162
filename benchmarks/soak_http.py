"""Soak test of `footnote serve`: mixed traffic for minutes, then errors, drift and memory.

Starts the service on a free loopback port over a copy of an existing store (uploads and
deletes change it), then runs `--concurrency` workers for `--seconds`: one writer alternates
uploading a new small article and deleting the one it uploaded (writes are one at a time, as
an operator's client would send them), the others alternate searches and questions. Reports
requests and errors per kind (503s apart: the service refusing work on purpose), search and
ask p50 in the first and the last minute (latency drift), and the server's resident memory
after a warm-up of the same mix, each minute, and at the end (growth, and whether it levels
off).

    .venv/bin/python benchmarks/soak_http.py --index-dir DIR [--backend extractive]
        [--seconds 600] [--concurrency 8]

Exit status 1 if any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if not __package__:  # run as a script: the repository root holds the benchmarks package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.http_wire import Connection, Reply, WireError  # noqa: E402
from benchmarks.load_http import (  # noqa: E402
    BUSY,
    GOLD,
    REQUEST_TIMEOUT_S,
    questions,
    started_service,
)

WARM_UP_S = 30.0
WINDOW_S = 60.0  # the first and last windows compared for drift


@dataclass
class Tally:
    """What the soak saw, per kind of request."""

    started: float = field(default_factory=time.perf_counter)
    done: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    refused: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    errors: list[str] = field(default_factory=list)
    # (seconds since start, milliseconds) per kind
    latencies: dict[str, list[tuple[float, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def record(self, kind: str, sent: float, reply: Reply, ok: int = 200) -> None:
        if reply.status == BUSY:
            self.refused[kind] += 1
        elif reply.status != ok:
            self.errors.append(f"{kind}: HTTP {reply.status}: {reply.text[:200]}")
        else:
            self.done[kind] += 1
            now = time.perf_counter()
            self.latencies[kind].append((now - self.started, (now - sent) * 1000))

    def p50(self, kind: str, start: float, end: float) -> float | None:
        values = [ms for at, ms in self.latencies[kind] if start <= at < end]
        return round(statistics.median(values), 1) if values else None


def rss_kib(pid: int) -> int:
    """Resident memory of process `pid` (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


async def sample_rss(pid: int, deadline: float, samples: list[int]) -> None:
    """The server's resident memory once a window (a minute) until the deadline."""
    while time.perf_counter() + WINDOW_S <= deadline:
        await asyncio.sleep(WINDOW_S)
        samples.append(rss_kib(pid))


def article(n: int) -> bytes:
    """A small, unique article: every upload adds a document."""
    tag = uuid.uuid4().hex[:8]
    return (
        f"Soak bulletin {n} ({tag})\n\nThe harbour office issued bulletin {n}, reference {tag}, "
        f"on tide times and berth {n % 40} for the coming week.\n"
    ).encode()


def multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            f"Content-Type: text/plain\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


async def send(
    tally: Tally, kind: str, request: Coroutine[Any, Any, Reply], ok: int = 200
) -> Reply | None:
    """One request, recorded; None when it failed on the wire (the connection reopens)."""
    sent = time.perf_counter()
    try:
        reply = await request
    except WireError as exc:
        tally.errors.append(f"{kind}: {exc}")
        return None
    tally.record(kind, sent, reply, ok)
    return reply


async def writer(http: Connection, tally: Tally, deadline: float) -> None:
    n = 0
    while time.perf_counter() < deadline:
        n += 1
        body, content_type = multipart(f"soak-{n}.txt", article(n))
        reply = await send(
            tally, "upload", http.request("POST", "/v1/documents", body, content_type)
        )
        if reply is None or reply.status != 200:
            continue
        for document_id in reply.json()["files"][0]["document_ids"]:
            await send(tally, "delete", http.request("DELETE", f"/v1/documents/{document_id}"), 204)


async def reader(http: Connection, tally: Tally, deadline: float, qs: list[str], me: int) -> None:
    n = me
    while time.perf_counter() < deadline:
        n += 1
        question = qs[n % len(qs)]
        if n % 2:
            await send(tally, "search", http.get("/v1/search", params={"q": question}))
        else:
            await send(tally, "ask", http.post_json("/v1/ask", {"question": question}))


def mixed(
    connections: list[Connection], tally: Tally, deadline: float, qs: list[str]
) -> list[Coroutine[Any, Any, None]]:
    """One writer on the first connection, readers on the others."""
    jobs = [writer(connections[0], tally, deadline)]
    jobs += [reader(c, tally, deadline, qs, i) for i, c in enumerate(connections[1:], start=1)]
    return jobs


async def soak(url: str, pid: int, args: argparse.Namespace) -> bool:
    qs = questions(args.questions)
    connections = [Connection(url, timeout_s=REQUEST_TIMEOUT_S) for _ in range(args.concurrency)]
    # The warm-up is the same mix as the soak, so the first upload's allocations (the indexing
    # pipeline, the writer) are not counted as growth; before 2026-12-04 it only read.
    await asyncio.gather(*mixed(connections, Tally(), time.perf_counter() + WARM_UP_S, qs))
    rss_before = rss_kib(pid)
    tally = Tally()
    deadline = tally.started + args.seconds
    samples: list[int] = []
    await asyncio.gather(
        *mixed(connections, tally, deadline, qs), sample_rss(pid, deadline, samples)
    )
    rss_after = rss_kib(pid)
    for connection in connections:
        await connection.close()
    elapsed = time.perf_counter() - tally.started
    print(
        f"soak {url}: {args.seconds:.0f} s, concurrency {args.concurrency}, backend {args.backend}"
    )
    print("| kind | done | refused (503) | p50 first minute (ms) | p50 last minute (ms) |")
    print("|---|---|---|---|---|")
    for kind in ("search", "ask", "upload", "delete"):
        first = tally.p50(kind, 0, WINDOW_S)
        last = tally.p50(kind, elapsed - WINDOW_S, elapsed + 1)
        print(f"| {kind} | {tally.done[kind]} | {tally.refused[kind]} | {first} | {last} |")
    growth = (rss_after - rss_before) / rss_before * 100
    print(f"errors: {len(tally.errors)}")
    for error in tally.errors[:20]:
        print(f"  {error}", file=sys.stderr)
    print(f"server RSS after warm-up {rss_before / 1024:.0f} MiB, at the end "
          f"{rss_after / 1024:.0f} MiB ({growth:+.1f} %)")  # fmt: skip
    # Growth that levels off is caches warming; growth at the same rate to the end is a leak.
    print("server RSS each minute (MiB): " + ", ".join(f"{k / 1024:.0f}" for k in samples))
    return not tally.errors


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, required=True, help="store to copy and serve")
    parser.add_argument("--backend", choices=["llamacpp", "ollama", "extractive"])
    parser.add_argument("--seconds", type=float, default=600.0, help="how long to soak")
    parser.add_argument("--concurrency", type=int, default=8, help="workers (one writes)")
    parser.add_argument("--questions", type=Path, default=GOLD, help="JSONL with 'question'")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="footnote-soak-") as scratch:
        copy = Path(scratch) / "store"
        shutil.copytree(args.index_dir, copy)  # the soak's uploads and deletes stay in here
        args.index_dir = copy
        with started_service(args) as (url, pid):
            clean = asyncio.run(soak(url, pid, args))
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
