"""`footnote serve`: run the HTTP API with uvicorn."""

from __future__ import annotations

import argparse
import logging
import queue
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from service.settings import Settings

# uvicorn's start-up line: "Uvicorn running on http://127.0.0.1:PORT (Press CTRL+C to quit)".
_STARTED = "Uvicorn running on "


def announced_address(line: str) -> str | None:
    """The URL a log line of `footnote serve` says it listens on (the real port for --port 0)."""
    if _STARTED not in line:
        return None
    return line.split(_STARTED, 1)[1].split()[0]


def wait_for_address(
    lines: queue.Queue[str],
    child: subprocess.Popen[str],
    timeout_s: float,
    *,
    on_line: Callable[[str], None] | None = None,
) -> str | None:
    """The URL a `footnote serve` child announces, read from `lines` (its log, fed by a reader
    thread); None when the child exits or `timeout_s` passes first. Other lines go to `on_line`.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1.0)  # waits on the reader thread, not a sleep
        except queue.Empty:
            if child.poll() is not None:
                return None
            continue
        address = announced_address(line)
        if address is not None:
            return address
        if on_line is not None:
            on_line(line)
    return None


def register(sub: Any) -> None:
    """Add the `serve` subcommand."""
    p = sub.add_parser(
        "serve",
        help="run the HTTP API (answers, chat, search, documents, metrics)",
        description=(
            "Serve Footnote's HTTP API with uvicorn. Set FOOTNOTE_API_KEYS before exposing it "
            "beyond this machine; OpenAPI docs are at /docs."
        ),
    )
    p.add_argument(
        "--index-dir", dest="index_dir", type=Path, help="store directory (FOOTNOTE_INDEX_DIR)"
    )
    p.add_argument(
        "--host",
        dest="host",
        help=(
            "address to bind (FOOTNOTE_HOST); default 127.0.0.1, so only this machine can "
            "connect until you choose otherwise (e.g. 0.0.0.0, with FOOTNOTE_API_KEYS set)"
        ),
    )
    p.add_argument(
        "--port",
        dest="port",
        type=int,
        help="port (FOOTNOTE_PORT, default 8000); 0 picks a free one",
    )
    p.add_argument(
        "--backend",
        dest="llm",
        choices=["llamacpp", "ollama", "extractive"],
        help="answer backend (FOOTNOTE_LLM)",
    )
    p.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from service.memory import limit_malloc_arenas

    limit_malloc_arenas()  # before the models load and the server's threads start
    import uvicorn

    from service.api.app import create_app
    from service.factory import engine_for

    # Built before the server starts, so a missing model or package is one clear error line.
    app = create_app(settings, engine=engine_for(settings))
    # Our access lines and uvicorn's "running on" line (with the real port when --port 0) are
    # INFO; the CLI's root handler prints them. uvicorn's own access log would duplicate ours.
    for name in ("footnote.access", "uvicorn.error"):
        logging.getLogger(name).setLevel(logging.INFO)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        server_header=False,
        ws="none",
    )
    uvicorn.Server(config).run()
    return 0
