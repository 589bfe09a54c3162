"""HTTP load test of `footnote serve`: throughput and latency of /v1/search and /v1/ask.

Starts the service on a free loopback port over an existing store (or uses --url, which must be
loopback), then runs one phase per endpoint and concurrency. Every phase is bounded both by a
request count and by a time limit, so the run always ends by itself. 503s are counted apart:
they are the service refusing work on purpose (a full generation queue), not failures.

    .venv/bin/python benchmarks/load_http.py --index-dir DIR [--backend extractive]
    .venv/bin/python benchmarks/load_http.py --index-dir DIR --mode contention

`--mode contention` compares /v1/search p50 on an idle service with p50 while llama.cpp
generations run in parallel (backend llamacpp). Exit status 1 if any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import queue
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

if not __package__:  # run as a script: the repository root holds the benchmarks package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.http_wire import Connection, Reply, WireError  # noqa: E402
from service.api.command import wait_for_address  # noqa: E402

GOLD = Path(__file__).resolve().parents[1] / "eval" / "data" / "sample-news.gold.jsonl"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# Loading the embedding and chat models dominates start-up; this only bounds a hung start.
STARTUP_S = 180.0
REQUEST_TIMEOUT_S = 600.0
BUSY = 503
# Opens a connection for one worker.
Connect = Callable[[], Connection]


@dataclass
class Phase:
    """What one phase measured."""

    name: str
    concurrency: int
    latencies_ms: list[float] = field(default_factory=list)
    refused: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    client_cpu_s: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + self.refused + len(self.errors)

    def row(self) -> str:
        ok = self.latencies_ms
        rate = len(ok) / self.seconds if self.seconds else 0.0
        p50 = percentile(ok, 50)
        p95 = percentile(ok, 95)
        client_ms = 1000 * self.client_cpu_s / self.requests if self.requests else 0.0
        return (
            f"{self.name:<16} {self.concurrency:>4} {self.requests:>8} {len(ok):>6} "
            f"{self.refused:>5} {len(self.errors):>6} {rate:>8.2f} {p50:>9.1f} {p95:>9.1f} "
            f"{client_ms:>10.2f}"
        )


# client_cpu_ms: this script's own CPU per request; it shares the cores with the service.
HEADER = (
    f"{'endpoint':<16} {'conc':>4} {'requests':>8} {'ok':>6} {'503':>5} {'errors':>6} "
    f"{'req/s':>8} {'p50_ms':>9} {'p95_ms':>9} {'client_cpu':>10}"
)


def percentile(values: list[float], q: int) -> float:
    """The q-th percentile (inclusive method); 0 for no values."""
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


Call = Callable[[Connection, int], Awaitable[Reply]]


async def run_phase(
    http: Connect,
    phase: Phase,
    call: Call,
    *,
    max_requests: int,
    max_seconds: float,
    stop: asyncio.Event | None = None,
) -> Phase:
    """`phase.concurrency` workers issue `call` until `max_requests` or `max_seconds` is spent
    (or `stop` is set)."""
    issued = 0
    started = time.perf_counter()
    cpu_started = time.process_time()
    deadline = started + max_seconds

    async def worker() -> None:
        nonlocal issued
        connection = http()
        try:
            while issued < max_requests and time.perf_counter() < deadline:
                if stop is not None and stop.is_set():
                    break
                number = issued
                issued += 1
                sent = time.perf_counter()
                try:
                    response = await call(connection, number)
                except WireError as exc:
                    phase.errors.append(str(exc))
                    continue
                if response.status == BUSY:
                    phase.refused += 1
                elif response.status >= 400:
                    phase.errors.append(f"HTTP {response.status}: {response.text[:200]}")
                else:
                    phase.latencies_ms.append((time.perf_counter() - sent) * 1000)
        finally:
            await connection.close()

    await asyncio.gather(*(worker() for _ in range(phase.concurrency)))
    phase.seconds = time.perf_counter() - started
    phase.client_cpu_s = time.process_time() - cpu_started
    return phase


def search_call(questions: list[str], k: int) -> Call:
    async def call(http: Connection, n: int) -> Reply:
        return await http.get("/v1/search", params={"q": questions[n % len(questions)], "k": k})

    return call


def ask_call(questions: list[str]) -> Call:
    async def call(http: Connection, n: int) -> Reply:
        return await http.post_json("/v1/ask", {"question": questions[n % len(questions)]})

    return call


async def throughput(http: Connect, args: argparse.Namespace, qs: list[str]) -> bool:
    print(HEADER)
    clean = True
    for name, call, count in (
        ("/v1/search", search_call(qs, args.k), args.search_requests),
        ("/v1/ask", ask_call(qs), args.ask_requests),
    ):
        for concurrency in args.concurrency:
            phase = await run_phase(
                http,
                Phase(name, concurrency),
                call,
                max_requests=count,
                max_seconds=args.phase_seconds,
            )
            print(phase.row(), flush=True)
            clean = clean and report_errors(phase)
    return clean


async def contention(http: Connect, args: argparse.Namespace, qs: list[str]) -> bool:
    search = search_call(qs, args.k)
    idle = await run_phase(
        http, Phase("search idle", 1), search, max_requests=args.search_requests,
        max_seconds=args.phase_seconds,
    )  # fmt: skip
    stop = asyncio.Event()
    busy = Phase("ask (parallel)", args.generators)
    generating = asyncio.create_task(
        run_phase(
            http,
            busy,
            ask_call(qs),
            max_requests=10**6,
            max_seconds=4 * args.phase_seconds,
            stop=stop,
        )  # fmt: skip
    )
    await _wait_for_generation(http, stop)
    loaded = await run_phase(
        http, Phase("search + LLM", 1), search, max_requests=args.search_requests,
        max_seconds=args.phase_seconds,
    )  # fmt: skip
    stop.set()
    await generating
    print(HEADER)
    for phase in (idle, loaded, busy):
        print(phase.row())
    print(
        f"search p50 idle {percentile(idle.latencies_ms, 50):.1f} ms, while generating "
        f"{percentile(loaded.latencies_ms, 50):.1f} ms"
    )
    return all(report_errors(p) for p in (idle, loaded, busy))


async def _wait_for_generation(http: Connect, stop: asyncio.Event) -> None:
    # Measure only once an LLM generation holds its slot (the in-flight gauge says so).
    deadline = time.perf_counter() + STARTUP_S
    connection = http()
    try:
        while time.perf_counter() < deadline and not stop.is_set():
            for line in (await connection.get("/metrics")).text.splitlines():
                name, _, value = line.partition(" ")
                if name == "footnote_generations_in_flight" and float(value) >= 1:
                    return
            await asyncio.sleep(0.05)
    finally:
        await connection.close()
    raise SystemExit("no generation started; is the service's backend an LLM (llamacpp)?")


def report_errors(phase: Phase) -> bool:
    for error in phase.errors[:5]:
        print(f"  {phase.name} c={phase.concurrency}: {error}", file=sys.stderr)
    return not phase.errors


@contextmanager
def started_service(args: argparse.Namespace) -> Iterator[tuple[str, int]]:
    """`footnote serve --port 0` in a child process; yields its URL and process id, and stops
    it afterwards."""
    command = [sys.executable, "-m", "service.cli", "serve", "--index-dir", str(args.index_dir)]
    command += ["--host", "127.0.0.1", "--port", "0"]
    if args.backend:
        command += ["--backend", args.backend]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    child = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env)
    lines: queue.Queue[str] = queue.Queue()

    def drain() -> None:  # the server logs a line per request; a full pipe would stall it
        assert child.stderr is not None
        for line in child.stderr:
            lines.put(line)

    threading.Thread(target=drain, daemon=True).start()
    try:
        yield _announced_url(lines, child), child.pid
    finally:
        child.terminate()
        child.wait(timeout=30)


def _announced_url(lines: queue.Queue[str], child: subprocess.Popen[str]) -> str:
    def show_errors(line: str) -> None:
        if "footnote:" in line:
            print(line, end="", file=sys.stderr)

    address = wait_for_address(lines, child, STARTUP_S, on_line=show_errors)
    if address is None:
        raise SystemExit("the service did not start; run 'footnote serve' by hand to see why")
    return address


def questions(path: Path) -> list[str]:
    """The `question` of each JSON line of a gold file."""
    return [json.loads(line)["question"] for line in path.read_text().splitlines() if line.strip()]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, help="store to serve (when no --url)")
    parser.add_argument("--url", help="a running service on loopback instead of starting one")
    parser.add_argument("--backend", choices=["llamacpp", "ollama", "extractive"])
    parser.add_argument("--api-key", help="sent as Authorization: Bearer KEY")
    parser.add_argument("--mode", choices=["throughput", "contention"], default="throughput")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--search-requests", type=int, default=200, help="per phase")
    parser.add_argument("--ask-requests", type=int, default=24, help="per phase")
    parser.add_argument("--phase-seconds", type=float, default=60.0, help="time limit per phase")
    parser.add_argument("--generators", type=int, default=1, help="parallel asks (contention)")
    parser.add_argument("--k", type=int, default=5, help="passages per search")
    parser.add_argument("--questions", type=Path, default=GOLD, help="JSONL with 'question'")
    args = parser.parse_args()
    if (args.url is None) == (args.index_dir is None):
        parser.error("give either --index-dir (to start a service) or --url")
    if args.url and urlsplit(args.url).hostname not in LOOPBACK:
        parser.error("--url must be a loopback address; this tool never loads other machines")
    return args


async def measure(url: str, args: argparse.Namespace) -> bool:
    headers = {"Authorization": f"Bearer {args.api_key}"} if args.api_key else {}

    def http() -> Connection:  # each worker keeps its own keep-alive connection
        return Connection(url, headers=headers, timeout_s=REQUEST_TIMEOUT_S)

    probe = http()
    try:
        ready = await probe.get("/readyz")
    except WireError as exc:
        raise SystemExit(f"{url} does not answer: {exc}") from exc
    finally:
        await probe.close()
    if ready.status != 200:
        raise SystemExit(f"{url} is not ready: {ready.text}")
    print(f"service {url}: {ready.json()}")
    qs = questions(args.questions)
    if args.mode == "contention":
        return await contention(http, args, qs)
    return await throughput(http, args, qs)


def main() -> int:
    args = parse_args()
    if args.url:
        clean = asyncio.run(measure(args.url.rstrip("/"), args))
    else:
        with started_service(args) as (url, _):
            clean = asyncio.run(measure(url, args))
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
