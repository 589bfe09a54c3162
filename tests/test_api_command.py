"""`footnote serve`: the real command, on a free loopback port."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import httpx
import pytest

from indexer.store import Store
from service.api.command import wait_for_address
from service.settings import Settings
from tests.conftest import REPO, SAMPLE_NEWS, build_store

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


def serve(store: Path) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    """`footnote serve` on a free port with the extractive backend, and its log lines."""
    child = footnote(
        "serve", "--index-dir", str(store), "--port", "0", "--backend", "extractive"
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    assert child.stderr is not None
    stderr = child.stderr
    threading.Thread(target=pass_lines, args=(stderr, lines), daemon=True).start()
    return child, lines


def pass_lines(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


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
    reader = threading.Thread(target=pass_lines, args=(stderr, lines), daemon=True)
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


def test_an_upload_killed_mid_indexing_leaves_no_orphan_file(tmp_path: Path) -> None:
    settings = build_store(SAMPLE_NEWS, tmp_path / "store")
    store = settings.index_dir
    version = Store.open(store).version
    uploads = store / "uploads"
    child, lines = serve(store)
    records = [  # ~1 MB of distinct articles: seconds of embedding, time enough to kill
        {"title": f"Tide table {i}", "text": f"Tide table {i} for the Orvane coast. " * 40}
        for i in range(700)
    ]
    body = "\n".join(json.dumps(r) for r in records).encode()
    with child:
        url = announced_url(child, lines)

        def post() -> None:
            try:
                with httpx.Client(base_url=url, timeout=120) as http:
                    http.post("/v1/documents", files=[("files", ("tides.jsonl", body))])
            except httpx.HTTPError:
                pass  # the server is killed under it

        threading.Thread(target=post, daemon=True).start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (
            (uploads / "tides.jsonl").exists() and list((store / "versions").glob(".tmp-*"))
        ):
            assert child.poll() is None
            time.sleep(0.02)  # polling for the claimed name and the work directory
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert (uploads / "tides.jsonl").exists()  # what the killed writer left: no store records it
    (uploads / ".upload-interrupted.part").write_bytes(b"half a file")  # a body cut off
    assert Store.open(store).version == version

    restarted, lines = serve(store)
    with restarted:
        try:
            announced_url(restarted, lines)
            assert not (uploads / ".upload-interrupted.part").exists()
        finally:
            restarted.terminate()
            restarted.wait(timeout=60)
    # The next writer (here 'footnote index' with nothing new) deletes the orphan.
    index = subprocess.run(
        [sys.executable, "-m", "service.cli", "index", str(SAMPLE_NEWS), "--index-dir", str(store)],
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert index.returncode == 0, index.stderr
    assert not (uploads / "tides.jsonl").exists()
    assert Store.open(store).version == version
