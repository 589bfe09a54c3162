"""Indexing through the CLI: incremental, idempotent, prunable, crash-safe, and never crashing."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from indexer.store import Store
from service.cli import SIGPIPE_STATUS
from tests.conftest import SAMPLE_NEWS, TEST_DATA

ARTICLE = """Home / Latest / Harbour council approves breakwater

Harbour council approves breakwater

(Last Updated On: March 3, 2023)

The harbour council of Port Lerrin approved a 310 million crown breakwater on Tuesday.

Engineers said construction would begin in May and take four years.

About admin
"""


def footnote(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the real `footnote` command in a subprocess."""
    result = subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    if check and result.returncode != 0:
        raise AssertionError(f"footnote {' '.join(args)} failed:\n{result.stderr}")
    return result


def index(corpus: Path, store: Path, *extra: str) -> dict[str, Any]:
    out = footnote("index", str(corpus), "--index-dir", str(store), "--json", *extra)
    summary: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return summary


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(SAMPLE_NEWS, folder)
    (folder / "extra").mkdir()
    (folder / "extra" / "breakwater.txt").write_text(ARTICLE, encoding="utf-8")
    return folder


def test_second_run_over_unchanged_files_changes_nothing(corpus: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = index(corpus, store)
    assert first["documents_added"] >= 10 and first["chunks_added"] >= first["documents_added"]
    version = Store.open(store).version
    second = index(corpus, store)
    assert second["documents_added"] == second["documents_updated"] == 0
    assert second["chunks_added"] == 0 and second["changed"] is False
    assert second["documents_unchanged"] == first["documents_added"]
    assert Store.open(store).version == version


def test_a_changed_file_replaces_its_old_chunks(corpus: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    index(corpus, store)
    path = corpus / "extra" / "breakwater.txt"
    path.write_text(ARTICLE.replace("four years", "eleven years"), encoding="utf-8")
    summary = index(corpus, store)
    assert summary["documents_updated"] == 1 and summary["documents_added"] == 0
    chunks = [
        json.loads(line)
        for line in footnote("chunks", "--index-dir", str(store)).stdout.splitlines()
    ]
    mine = [c for c in chunks if c["source"] == "extra/breakwater.txt"]
    assert mine and all("four years" not in c["text"] for c in mine)
    assert any("eleven years" in c["text"] for c in mine)


def test_prune_removes_documents_whose_files_are_gone(corpus: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    index(corpus, store)
    (corpus / "extra" / "breakwater.txt").unlink()
    kept = index(corpus, store)
    assert kept["documents_removed"] == 0
    assert any(d.source == "extra/breakwater.txt" for d in Store.open(store).list_documents())
    pruned = index(corpus, store, "--prune")
    assert pruned["documents_removed"] == 1
    assert all(d.source != "extra/breakwater.txt" for d in Store.open(store).list_documents())


def test_chunks_command_prints_every_chunk_with_its_provenance(
    corpus: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    index(corpus, store)
    rows = [
        json.loads(line)
        for line in footnote("chunks", "--index-dir", str(store)).stdout.splitlines()
    ]
    required = {
        "document_id",
        "source",
        "title",
        "published",
        "chunk_index",
        "start",
        "end",
        "tokens",
        "text",
    }
    assert rows and all(required <= row.keys() for row in rows)
    texts = {
        d.id: Store.open(store).get_document(d.id).text for d in Store.open(store).list_documents()
    }
    for row in rows:
        assert texts[row["document_id"]][row["start"] : row["end"]] == row["text"]
        assert row["tokens"] + 2 <= 256
    breakwater = [r for r in rows if r["source"] == "extra/breakwater.txt"]
    assert breakwater[0]["published"] == "2023-03-03"
    assert breakwater[0]["title"] == "Harbour council approves breakwater"


def test_every_kind_of_bad_file_is_skipped_with_a_reason(tmp_path: Path) -> None:
    store = tmp_path / "store"
    summary = index(TEST_DATA / "bad-files", store, "--max-file-bytes", "100000")
    reasons = {s["path"]: s["reason"] for s in summary["skipped"]}
    assert "empty" in reasons["empty.txt"]
    assert "empty" in reasons["whitespace.txt"] or "no article text" in reasons["whitespace.txt"]
    assert "binary" in reasons["binary.txt"]
    assert "invalid JSON" in reasons["malformed.json"]
    assert "nested too deeply" in reasons["nested.json"]  # once a RecursionError ended the run
    assert "unsupported file type" in reasons["image.png"]
    assert "unsupported file type" in reasons["notes.docx"]
    assert any(p.startswith("malformed.jsonl#") and "invalid JSON" in r for p, r in reasons.items())
    assert any(p.startswith("malformed.jsonl#") and "'text'" in r for p, r in reasons.items())
    sources = {d.source for d in Store.open(store).list_documents()}
    assert "good.md" in sources and "latin1.txt" in sources
    assert any(s.startswith("malformed.jsonl#") for s in sources)  # the good record survives
    latin = next(d for d in Store.open(store).list_documents() if d.source == "latin1.txt")
    assert "café" in Store.open(store).get_document(latin.id).text


def test_a_file_over_the_size_limit_is_skipped(corpus: Path, tmp_path: Path) -> None:
    summary = index(corpus, tmp_path / "store", "--max-file-bytes", "600")
    assert any("over the 600-byte limit" in s["reason"] for s in summary["skipped"])


def test_a_second_concurrent_writer_is_told_the_store_is_locked(
    corpus: Path, tmp_path: Path
) -> None:
    from indexer.store_writer import StoreWriter

    store = tmp_path / "store"
    index(corpus, store)
    manifest = json.loads((store / "manifest.json").read_text())
    with StoreWriter(store, model=manifest["model"], dim=manifest["dim"], chunk_tokens=160):
        result = footnote("index", str(corpus), "--index-dir", str(store), check=False)
    assert result.returncode == 1
    assert "locked" in result.stderr and "Traceback" not in result.stderr


def test_a_run_killed_mid_write_leaves_the_previous_store_usable(
    corpus: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    index(corpus, store)
    before = Store.open(store)
    version, documents = before.version, before.stats().documents
    bigger = tmp_path / "bigger"
    for i in range(40):  # enough work that the kill lands while the new version is being built
        shutil.copytree(corpus, bigger / f"copy{i}")
        for f in (bigger / f"copy{i}").rglob("*.txt"):
            f.write_text(f.read_text(encoding="utf-8") + f"\n\nEdition {i}.", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "index", str(bigger), "--index-dir", str(store)],
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not list((store / "versions").glob(".tmp-*")) and time.monotonic() < deadline:
        assert proc.poll() is None, "the indexer finished before it could be killed"
        time.sleep(0.05)  # polling for the work directory, with a deadline
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    after = Store.open(store)
    assert (after.version, after.stats().documents) == (version, documents)
    assert len(after.search(_any_vector(after), 3)) == 3  # and it still answers searches
    rerun = index(corpus, store)  # the lock died with the process; stale work is cleaned up
    assert rerun["changed"] is False
    assert not list((store / "versions").glob(".tmp-*"))


def _any_vector(store: Store) -> Any:
    import numpy as np

    v = np.zeros(store.manifest.dim, dtype=np.float32)
    v[0] = 1.0
    return v


def test_chunks_piped_into_a_reader_that_stops_early_ends_quietly(
    corpus: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    index(corpus, store)
    command = [sys.executable, "-m", "service.cli", "chunks", "--index-dir", str(store)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    read_end, write_end = os.pipe()
    # A one-page pipe, so the chunks cannot all be written before the reader goes away.
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)
    with subprocess.Popen(command, stdout=write_end, stderr=subprocess.PIPE, env=env) as process:
        os.close(write_end)
        with os.fdopen(read_end, "rb") as reader:
            first = reader.readline()  # the reader takes one line, then goes away
        assert process.stderr is not None
        errors = process.stderr.read().decode()
        status = process.wait(timeout=120)
    assert json.loads(first)["text"]
    assert "Traceback" not in errors and "BrokenPipeError" not in errors
    assert status == SIGPIPE_STATUS
