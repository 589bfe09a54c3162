"""`footnote serve`: the real command, on a free loopback port."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading

import httpx
import pytest

from service.api.command import wait_for_address
from service.settings import Settings
from tests.conftest import REPO

# The child process loads the embedding model before it listens.
STARTUP_S = 120.0


def footnote(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "service.cli", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def announced_url(child: subprocess.Popen[str], lines: queue.Queue[str]) -> str:
    """The address uvicorn says it runs on (the real port, for --port 0)."""
    address = wait_for_address(lines, child, STARTUP_S)
    if address is None:
        pytest.fail("'footnote serve' did not announce its address")
    return address


def test_serve_binds_loopback_on_a_free_port_and_answers(sample_settings: Settings) -> None:
    child = footnote(
        "serve", "--index-dir", str(sample_settings.index_dir), "--port", "0",
        "--backend", "extractive",
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    assert child.stderr is not None
    stderr = child.stderr
    reader = threading.Thread(target=lambda: [lines.put(line) for line in stderr], daemon=True)
    reader.start()
    with child:
        try:
            url = announced_url(child, lines)
            assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
            with httpx.Client(base_url=url, timeout=60) as http:
                assert http.get("/healthz").json() == {"status": "ok"}
                ready = http.get("/readyz", headers={"X-Request-ID": "cli-check"}).json()
                assert ready["backend"] == "extractive" and ready["documents"] == 9
        finally:
            child.terminate()
            # uvicorn shuts down gracefully, then re-raises the signal it caught.
            assert child.wait(timeout=60) in (0, -signal.SIGTERM)
            reader.join(timeout=10)
    logged = []
    while not lines.empty():
        logged.append(lines.get())
    assert any("route=/readyz status=200" in line and "cli-check" in line for line in logged)
    assert any("Application shutdown complete" in line for line in logged)


def test_serve_help_says_why_it_binds_loopback() -> None:
    with footnote("serve", "--help") as child:
        out, _ = child.communicate(timeout=60)
    assert child.returncode == 0
    flat = " ".join(out.split())
    for flag in ("--index-dir", "--host", "--port", "--backend"):
        assert flag in flat
    assert "default 127.0.0.1, so only this machine can connect" in flat
    assert "0 picks a free one" in flat
