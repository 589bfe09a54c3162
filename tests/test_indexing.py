"""Indexing through the CLI: incremental, idempotent, prunable, crash-safe, and never crashing."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from indexer.segments import DOCSTORE_FILE, SEGMENTS
from indexer.store import VERSIONS, Store
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
    run = footnote(
        "index", str(TEST_DATA / "bad-files"), "--index-dir", str(store), "--json",
        "--max-file-bytes", "100000",
    )  # fmt: skip
    summary = json.loads(run.stdout.strip().splitlines()[-1])
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
    # Legacy code pages are read as what they are, and the run says which it assumed.
    texts = {
        d.source: Store.open(store).get_document(d.id).text
        for d in Store.open(store).list_documents()
    }
    assert "café" in texts["latin1.txt"] and "Sørlie" in texts["latin1.txt"]
    assert "Анна Соколова" in texts["cp1251.txt"]
    assert "Zofia Wąsowska" in texts["latin2.txt"] and "ścieżki" in texts["latin2.txt"]
    assert "cp1251.txt is not UTF-8; read as Windows-1251 (Cyrillic)" in run.stderr
    assert "latin2.txt is not UTF-8; read as ISO-8859-2 (Latin-2)" in run.stderr


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


# Kills spread evenly over the part of a run that writes: the new version's vectors, docstore
# and manifest, and its publication.
KILL_POINTS = 20


def test_kills_at_twenty_points_of_a_run_leave_the_old_or_the_new_version_whole(
    corpus: Path, tmp_path: Path
) -> None:
    pristine = tmp_path / "pristine"
    index(corpus, pristine)
    old = Store.open(pristine)
    old_version, old_documents = old.version, old.stats().documents
    bigger = _editions(corpus, tmp_path / "bigger", copies=10)
    # One undisturbed run: when it starts writing (its work directory appears) and when it has
    # published (the work directory is renamed into place).
    timed = _copy(pristine, tmp_path / "timed")
    started = time.monotonic()
    with _indexing(bigger, timed) as proc:
        _wait_until_building(timed, proc, True)
        writing_from = time.monotonic() - started
        _wait_until_building(timed, proc, False)  # the work directory became the new version
        published_at = time.monotonic() - started
        assert proc.wait(timeout=300) == 0
    new_documents = Store.open(timed).stats().documents
    assert new_documents > old_documents
    landed = []
    for point in range(KILL_POINTS):
        store = _copy(pristine, tmp_path / f"kill-{point}")
        # Counted from this run's own first write (model loading times vary), up to a little
        # past publication.
        at = (published_at - writing_from) * 1.1 * point / KILL_POINTS
        with _indexing(bigger, store) as proc:
            _wait_until_building(store, proc, True)
            try:
                proc.wait(timeout=at)  # the kill's moment; the run may end first
            except subprocess.TimeoutExpired:
                landed.append(_building(store))
                proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        after = Store.open(store)
        documents = after.stats().documents
        # Exactly the previous version, or exactly the new one: nothing in between.
        assert (after.version == old_version and documents == old_documents) or (
            after.version != old_version and documents == new_documents
        ), f"kill {point} at {at:.2f}s left {documents} documents"
        assert _docstore_intact(after)
        assert len(after.search(_any_vector(after), 3)) == 3
        rerun = index(bigger, store)  # the lock died with the process; the run completes
        assert Store.open(store).stats().documents == new_documents, rerun
        assert not _building(store)
    assert sum(landed) >= KILL_POINTS // 2, f"too few kills landed while writing: {landed}"


def test_a_version_moved_into_place_but_never_published_is_replaced_by_the_next_run(
    corpus: Path, tmp_path: Path
) -> None:
    # A writer killed between renaming its version into place and writing the manifest leaves
    # v000002 on disk while the manifest names v000001 (the 20-kill test above found it: the
    # next run then failed to publish under the same name).
    store = tmp_path / "store"
    index(corpus, store)
    shutil.copytree(store / VERSIONS / "v000001", store / VERSIONS / "v000002")
    assert Store.open(store).version == "v000001"
    summary = index(_editions(corpus, tmp_path / "more", copies=1), store)
    assert summary["version"] == "v000002"
    after = Store.open(store)
    assert after.version == "v000002" and after.stats().documents > 9


def _editions(corpus: Path, folder: Path, *, copies: int) -> Path:
    """`copies` copies of the corpus, each article changed, so that each is a new article."""
    for i in range(copies):
        shutil.copytree(corpus, folder / f"copy{i}")
        for f in (folder / f"copy{i}").rglob("*.txt"):
            f.write_text(f.read_text(encoding="utf-8") + f"\n\nEdition {i}.", encoding="utf-8")
    return folder


def _copy(store: Path, to: Path) -> Path:
    shutil.copytree(store, to)
    return to


def _indexing(paths: Path, store: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "service.cli", "index", str(paths), "--index-dir", str(store)],
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _building(store: Path) -> bool:
    """Whether a writer's work directory (the version being built) exists."""
    return bool(list((store / VERSIONS).glob(".tmp-*")))


def _wait_until_building(store: Path, proc: subprocess.Popen[bytes], building: bool) -> None:
    deadline = time.monotonic() + 120
    while _building(store) != building and time.monotonic() < deadline:
        assert proc.poll() is None, f"the indexer ended before building was {building}"
        time.sleep(0.005)  # polling the store's folder, with a deadline


def _docstore_intact(store: Store) -> bool:
    for segment in store.layout.segments:
        path = store.path / SEGMENTS / segment.name / DOCSTORE_FILE
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                return False
    return bool(store.layout.segments)


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
