"""Indexing on Ray: a real 2-CPU cluster on 127.0.0.1, checked against local indexing.

The cluster is started once for the module with `ray start --head --block` (stopped by
SIGTERM); `footnote index --ray` runs as a subprocess, as a user runs it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from indexer.chunking import TokenChunker
from indexer.embedding import SentenceTransformerEmbedder
from indexer.ingest import discover, read_source
from indexer.pipeline import (
    IndexSummary,
    PreparedFile,
    index_paths,
    prepare_files,
    write_prepared,
)
from indexer.segments import SEGMENTS
from indexer.store import Store
from indexer.store_writer import StoreWriter
from service.indexing import index_into_store
from tests.conftest import SAMPLE_NEWS, TEST_DATA, make_settings

RAY_ENV = {
    "HF_HUB_OFFLINE": "1",
    # A loopback test cluster: no token to hand round, and nothing reported anywhere.
    "RAY_AUTH_MODE": "disabled",
    "RAY_USAGE_STATS_ENABLED": "0",
}


# --- the stages, without Ray ---------------------------------------------------------------
def test_prepared_files_written_in_order_make_the_local_pipelines_store(
    embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    """What each Ray worker runs (prepare_files) and what the driver writes (write_prepared)
    give the store that index_paths gives, duplicates and bad files included."""
    corpus = _corpus_with_twins(tmp_path / "corpus")
    shutil.copytree(TEST_DATA / "bad-files", corpus / "bad-files")
    chunker = TokenChunker.for_embedder(embedder, chunk_tokens=200, overlap_tokens=48)
    with _writer(tmp_path / "local", embedder) as writer:
        local = index_paths([corpus], writer, embedder=embedder, chunker=chunker,
                            max_file_bytes=1 << 20)  # fmt: skip
    with _writer(tmp_path / "staged", embedder) as writer:
        staged = IndexSummary()
        files, staged.skipped = discover([corpus])
        seen: dict[str, str] = {}
        for start in range(0, len(files), 3):  # batches of 3 files, as workers would get them
            batch = [(f, read_source(f, max_bytes=1 << 20)) for f in files[start : start + 3]]
            for result in prepare_files(batch, embedder=embedder, chunker=chunker):
                if isinstance(result, PreparedFile):
                    write_prepared(result, writer, staged, seen)
                else:
                    staged.skipped.append(result)
        staged.version = writer.commit()
    assert staged.documents_added == local.documents_added > 9
    assert {"duplicate of 2023-veldria-port-deal.txt", "file is empty"} <= {
        s.reason for s in local.skipped
    }
    assert sorted(staged.skipped, key=str) == sorted(local.skipped, key=str)
    _assert_same_store(tmp_path / "staged", tmp_path / "local")


# --- a real cluster --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """The address of a 2-CPU Ray cluster on 127.0.0.1, for this module's tests."""
    if importlib.util.find_spec("ray") is None:
        pytest.skip("Ray is not installed (footnote[ray])")
    port = _free_port()
    # Ray's socket paths must stay under 108 bytes: a short folder, not pytest's tmp_path.
    temp = tempfile.mkdtemp(prefix="ray-", dir="/tmp")
    log = Path(temp) / "head.log"
    with log.open("wb") as out:
        head = subprocess.Popen(
            [str(Path(sys.executable).with_name("ray")), "start", "--head", "--block",
             "--node-ip-address", "127.0.0.1", "--port", str(port), "--num-cpus", "2",
             "--include-dashboard", "false", "--disable-usage-stats", "--temp-dir", temp],
            env={**os.environ, **RAY_ENV}, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while b"Ray runtime started" not in log.read_bytes():
            assert head.poll() is None, f"ray start failed:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"ray start hung:\n{log.read_text()}"
            time.sleep(0.2)  # polling the head's log, with a deadline
        yield f"127.0.0.1:{port}"
    finally:
        head.terminate()  # --block stops every process of the cluster on SIGTERM
        head.wait(timeout=60)
        shutil.rmtree(temp, ignore_errors=True)


@pytest.mark.slow
def test_the_seed_and_sample_corpora_indexed_on_ray_make_the_local_store(
    cluster: str, seed_news_dir: Path, tmp_path: Path
) -> None:
    sample = _corpus_with_twins(tmp_path / "sample")
    shutil.copytree(TEST_DATA / "bad-files", sample / "bad-files")
    seed = shutil.copytree(seed_news_dir, tmp_path / "seed")
    local = _index_locally([sample, seed], tmp_path / "local")

    on_ray = _index_on_ray(cluster, [sample, seed], tmp_path / "ray")
    assert on_ray["documents_added"] == local.documents_added >= 14
    assert sorted((s["path"], s["reason"]) for s in on_ray["skipped"]) == sorted(
        (s.path, s.reason) for s in local.skipped
    )
    _assert_same_store(tmp_path / "ray", tmp_path / "local")

    again = _index_on_ray(cluster, [sample, seed], tmp_path / "ray")
    assert not again["changed"] and again["documents_unchanged"] == local.documents_added

    # A changed file and a deleted one, as an incremental run on each side sees them.
    changed = sample / "2023-veldria-port-deal.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\nCorrected on Friday.\n")
    (seed / sorted(p.name for p in seed.iterdir())[0]).unlink()
    _index_locally([sample, seed], tmp_path / "local", prune=True)
    update = _index_on_ray(cluster, [sample, seed], tmp_path / "ray", "--prune")
    assert (update["documents_updated"], update["documents_removed"]) == (1, 1)
    _assert_same_store(tmp_path / "ray", tmp_path / "local")


@pytest.mark.slow
def test_a_worker_killed_mid_run_is_replaced_and_the_store_is_the_local_one(
    cluster: str, seed_news_dir: Path, tmp_path: Path
) -> None:
    corpus = _editions(seed_news_dir, tmp_path / "corpus", copies=24)
    run = _ray_indexing(cluster, corpus, tmp_path / "ray")
    killed = _kill_a_worker_while_it_prepares(run)
    out, err = run.communicate(timeout=600)
    assert killed, "no worker was caught preparing files"
    assert run.returncode == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    local = _index_locally([corpus], tmp_path / "local")
    assert summary["documents_added"] == local.documents_added > 50
    _assert_same_store(tmp_path / "ray", tmp_path / "local")


@pytest.mark.slow
def test_a_killed_ray_run_publishes_nothing_and_the_next_run_completes(
    cluster: str, seed_news_dir: Path, tmp_path: Path
) -> None:
    store = tmp_path / "ray"
    _index_on_ray(cluster, [SAMPLE_NEWS], store)
    before = _contents(store)
    corpus = _editions(seed_news_dir, tmp_path / "corpus", copies=24)
    run = _ray_indexing(cluster, corpus, store)
    _wait_for_worker_title(run, "ray::FileWorker.prepare")
    run.send_signal(signal.SIGKILL)
    run.communicate(timeout=60)

    assert Store.open(store).version == "v000001"
    _assert_contents_equal(_contents(store), before)
    finished = _index_on_ray(cluster, [corpus], store)  # the lock was freed with the process
    assert finished["version"] == "v000002" and finished["documents_added"] > 50


def test_an_address_where_no_cluster_listens_is_refused_before_the_store_is_touched(
    tmp_path: Path,
) -> None:
    store = tmp_path / "store"
    result = subprocess.run(
        [sys.executable, "-m", "service.cli", "index", str(SAMPLE_NEWS), "--index-dir",
         str(store), "--ray", f"127.0.0.1:{_free_port()}"],
        capture_output=True, text=True, timeout=120, env={**os.environ, **RAY_ENV},
    )  # fmt: skip
    assert result.returncode == 1
    if importlib.util.find_spec("ray") is None:
        assert "pip install 'footnote[ray]'" in result.stderr
    else:
        assert "no Ray cluster answers at 127.0.0.1:" in result.stderr
    assert "Traceback" not in result.stderr
    assert not store.exists()


# --- helpers ---------------------------------------------------------------------------------
def _corpus_with_twins(folder: Path) -> Path:
    """The sample corpus, plus a copy of one article under another name (a duplicate)."""
    shutil.copytree(SAMPLE_NEWS, folder)
    twin = folder / "2023-veldria-port-deal.txt"
    (folder / "zz-port-deal-again.txt").write_bytes(twin.read_bytes())
    return folder


def _editions(corpus: Path, folder: Path, *, copies: int) -> Path:
    """`copies` copies of the corpus, each article changed, so that each is a new article."""
    for i in range(copies):
        shutil.copytree(corpus, folder / f"copy{i:02d}")
        for f in (folder / f"copy{i:02d}").rglob("*.txt"):
            # A paragraph inside the story: a line after it would be cut as page furniture.
            paragraphs = f.read_text(encoding="utf-8").split("\n\n")
            paragraphs.insert(3, f"This is edition {i} of the report.")
            f.write_text("\n\n".join(paragraphs), encoding="utf-8")
    return folder


def _writer(path: Path, embedder: SentenceTransformerEmbedder) -> StoreWriter:
    return StoreWriter(path, model=embedder.name, dim=embedder.dim, chunk_tokens=200)


def _index_locally(paths: list[Path], store: Path, *, prune: bool = False) -> IndexSummary:
    return index_into_store(paths, make_settings(store), prune=prune)


def _index_on_ray(cluster: str, paths: list[Path], store: Path, *extra: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "service.cli", "index", *map(str, paths), "--index-dir",
         str(store), "--ray", cluster, "--json", *extra],
        capture_output=True, text=True, timeout=600, env={**os.environ, **RAY_ENV},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return summary


def _ray_indexing(cluster: str, corpus: Path, store: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "service.cli", "index", str(corpus), "--index-dir", str(store),
         "--ray", cluster, "--json"],
        env={**os.environ, **RAY_ENV}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def _worker_pids(title: str) -> list[int]:
    """Processes whose title (Ray sets it to ray::Class.method while a call runs) is `title`."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")[0].decode()
                if cmdline.strip() == title:
                    pids.append(int(entry.name))
    return pids


def _wait_for_worker_title(run: subprocess.Popen[str], title: str) -> list[int]:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and run.poll() is None:
        pids = _worker_pids(title)
        if pids:
            return pids
        time.sleep(0.05)  # polling the process table, with a deadline
    raise AssertionError(f"no {title} process appeared while the run lasted")


def _kill_a_worker_while_it_prepares(run: subprocess.Popen[str]) -> bool:
    # The run's stdout is read only at the end; it prints one line, so the pipe cannot fill.
    killed: list[int] = []

    def watch() -> None:
        with contextlib.suppress(AssertionError):
            pid = _wait_for_worker_title(run, "ray::FileWorker.prepare")[0]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    watcher = threading.Thread(target=watch)
    watcher.start()
    watcher.join(timeout=600)
    return bool(killed)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


Contents = tuple[list[Any], list[Any], dict[int, Any]]


def _contents(store_dir: Path) -> Contents:
    """A store's documents (without their indexing time), chunks, and vectors by chunk id."""
    store = Store.open(store_dir)
    try:
        documents = [
            (info, store.get_document(info.id).text) for info in store.list_documents(limit=10**6)
        ]
        chunks = list(store.iter_chunks())
        vectors: dict[int, Any] = {}
        for segment in store.layout.segments:
            folder = store.path / SEGMENTS / segment.name
            ids = np.load(folder / "ids.npy")
            rows = np.load(folder / "vectors.npy")
            vectors.update(zip(ids.tolist(), rows, strict=True))
        live = {c.id for c in chunks}
        return documents, chunks, {i: v for i, v in vectors.items() if i in live}
    finally:
        store.close()


def _assert_contents_equal(got: Contents, want: Contents) -> None:
    assert got[0] == want[0], "documents differ"
    assert got[1] == want[1], "chunks differ (text, offsets, ids)"
    assert got[2].keys() == want[2].keys()
    for chunk_id, vector in want[2].items():
        np.testing.assert_allclose(got[2][chunk_id], vector, atol=1e-5)


def _assert_same_store(got: Path, want: Path) -> None:
    _assert_contents_equal(_contents(got), _contents(want))
