"""Index on a Ray cluster: the cluster's workers parse, clean, chunk and embed; this process
reads the files, decides what changed, and is the store's one writer.

    this process (footnote index --ray)              Ray workers (FileWorker, one per CPU)
    discover, read bytes, skip unchanged files  ──▶  parse, clean, chunk, embed
                                                      (pipeline.prepare_files)
    leave out duplicates, put_document, commit  ◀──  documents, chunks, vectors

Results are written in the order the files were found, with the local pipeline's own write
functions, under the same lock and the same atomic publish: the store is the one a local run
builds (vectors equal within float rounding, since batches are padded differently). Files are
sent to the workers as bytes, so they need not be on a file system the nodes share; the
workers need Footnote and its models installed (`pip install 'footnote[ray]'`).

A worker that dies is restarted and its batches are run again (they are pure); if it keeps
dying the run stops with a ClusterError, and nothing is published.
"""

from __future__ import annotations

import logging
import socket
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.chunking import TokenChunker
from indexer.embedding import SentenceTransformerEmbedder
from indexer.errors import ClusterError, IngestError
from indexer.ingest import Skipped, SourceFile, discover, raw_hash, read_source
from indexer.pipeline import (
    IndexSummary,
    PreparedFile,
    ProgressCallback,
    prepare_files,
    prune_missing_files,
    write_prepared,
)
from indexer.store_writer import StoreWriter

logger = logging.getLogger(__name__)

INSTALL_HINT = "install it with: pip install 'footnote[ray]'"
# A batch is what one worker call parses and embeds: big enough that the model's batches stay
# full and the call overhead (~1 ms) vanishes, small enough that a lost worker redoes little.
FILES_PER_TASK = 32
BYTES_PER_TASK = 8 * 1024 * 1024
# Calls queued per worker, so a worker never waits for the writer, while the bytes and vectors
# in flight stay bounded however large the folder is.
TASKS_PER_WORKER = 2
# A worker process that dies (killed, out of memory, its node lost) is started again this many
# times, and each of its calls is retried as often; after that the run fails.
WORKER_RESTARTS = 3
CONNECT_TIMEOUT_S = 5.0

Batch = list[tuple[SourceFile, bytes]]


@dataclass(frozen=True)
class WorkerRecipe:
    """How a worker builds the embedder and chunker this process would use."""

    model: str
    batch_size: int
    chunk_tokens: int
    overlap_tokens: int


class FileWorker:
    """A Ray actor: loads the models once, then prepares batch after batch of files."""

    def __init__(self, recipe: WorkerRecipe, cores: int) -> None:
        self.embedder = SentenceTransformerEmbedder(
            recipe.model, batch_size=recipe.batch_size, cores=cores
        )
        self.chunker = TokenChunker.for_embedder(
            self.embedder, chunk_tokens=recipe.chunk_tokens, overlap_tokens=recipe.overlap_tokens
        )

    def prepare(self, batch: Batch) -> list[PreparedFile | Skipped]:
        """Parse, chunk and embed one batch of files (pipeline.prepare_files)."""
        return prepare_files(batch, embedder=self.embedder, chunker=self.chunker)


@contextmanager
def ray_cluster(address: str, recipe: WorkerRecipe) -> Iterator[RayIndexer]:
    """Connected to the Ray cluster at `address`, with its workers started.

    `address` is what `ray.init` takes: "auto" for the cluster `ray start` began on this
    machine, "HOST:PORT" of a head node, or "local" for a throwaway cluster of this machine's
    cores. Entered before the store's lock is taken, so a cluster that cannot be reached is
    said at once and leaves the store untouched.
    """
    ray = _import_ray()
    # A process already connected (a test, a notebook) keeps its connection afterwards.
    ours = not ray.is_initialized()
    if ours:
        _check_reachable(address)
        try:
            ray.init(address=address, logging_level=logging.WARNING, configure_logging=False)
        except (ConnectionError, ValueError, RuntimeError) as exc:
            raise ClusterError(
                f"cannot reach a Ray cluster at {address!r} ({exc}); start one with "
                f"'ray start --head' (README, Scaling) or pass its address as --ray HOST:PORT"
            ) from exc
    try:
        yield RayIndexer(ray, _WorkerPool(ray, recipe))
    except ray.exceptions.RayError as exc:
        cause = getattr(exc, "cause", None) or exc
        raise ClusterError(f"a Ray worker failed, nothing was published: {cause}") from exc
    finally:
        if ours:
            ray.shutdown()


class RayIndexer:
    """`pipeline.index_paths` with the stages run on a cluster's workers; see `ray_cluster`."""

    def __init__(self, ray: Any, pool: _WorkerPool) -> None:
        self._ray = ray
        self._pool = pool

    def index_paths(
        self,
        paths: Sequence[Path],
        writer: StoreWriter,
        *,
        max_file_bytes: int,
        prune: bool = False,
        on_progress: ProgressCallback | None = None,
    ) -> IndexSummary:
        """Bring the store in line with the files under `paths`, then publish it if anything
        changed: the store `pipeline.index_paths` would publish."""
        started = time.perf_counter()
        summary = IndexSummary()
        files, summary.skipped = discover(paths)
        batches = _read_batches(files, writer, summary, max_file_bytes)
        seen: dict[str, str] = {}
        for covered, results in _in_order(self._ray, self._pool, batches):
            for result in results:
                if isinstance(result, Skipped):
                    summary.skipped.append(result)
                else:
                    write_prepared(result, writer, summary, seen)
            if on_progress is not None:
                on_progress(covered, len(files))
        if prune:
            summary.documents_removed += prune_missing_files(writer)
        summary.version = writer.commit()
        summary.seconds = round(time.perf_counter() - started, 3)
        return summary


def _check_reachable(address: str) -> None:
    # ray.init retries an address where nothing listens for minutes; a head node's port
    # answers at once, so a mistyped address is said in seconds.
    if address in ("auto", "local") or "://" in address:
        return
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ClusterError(
            f"--ray takes 'auto', 'local' or a head node's HOST:PORT, not {address!r}"
        )
    try:
        socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        raise ClusterError(
            f"no Ray cluster answers at {address} ({exc.strerror or exc}); start one with "
            f"'ray start --head' and pass the address it prints (README, Scaling)"
        ) from exc


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise ClusterError(f"indexing with --ray needs Ray, which is not installed; "
                           f"{INSTALL_HINT}") from exc  # fmt: skip
    return ray


class _WorkerPool:
    """FileWorker actors, one CPU each, called in turn."""

    def __init__(self, ray: Any, recipe: WorkerRecipe) -> None:
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.size = max(1, cpus)
        actor = ray.remote(
            num_cpus=1, max_restarts=WORKER_RESTARTS, max_task_retries=WORKER_RESTARTS
        )(FileWorker)
        self._actors = [actor.remote(recipe, 1) for _ in range(self.size)]
        self._calls = 0
        logger.info("indexing on %d Ray workers (%d CPUs in the cluster)", self.size, cpus)

    def submit(self, batch: Batch) -> Any:
        """The object ref of one worker's `prepare(batch)`."""
        actor = self._actors[self._calls % self.size]
        self._calls += 1
        return actor.prepare.remote(batch)


def _read_batches(
    files: Sequence[SourceFile], writer: StoreWriter, summary: IndexSummary, max_file_bytes: int
) -> Iterator[tuple[int, Batch]]:
    """(files covered so far, next batch): changed files' bytes; unchanged ones counted."""
    batch: Batch = []
    size = 0
    for done, file in enumerate(files, start=1):
        data = _read_or_skip(file, summary, max_file_bytes)
        if data is None:
            continue
        if writer.file_hash(str(file.path)) == raw_hash(data):
            summary.documents_unchanged += len(writer.documents_of_file(str(file.path)))
            continue
        batch.append((file, data))
        size += len(data)
        if len(batch) >= FILES_PER_TASK or size >= BYTES_PER_TASK:
            yield done, batch
            batch, size = [], 0
    yield len(files), batch


def _read_or_skip(file: SourceFile, summary: IndexSummary, max_file_bytes: int) -> bytes | None:
    # As the local pipeline does: a file that became unreadable keeps its indexed version.
    try:
        return read_source(file, max_bytes=max_file_bytes)
    except IngestError as exc:
        summary.skipped.append(Skipped(file.source, str(exc)))
    except OSError as exc:
        summary.skipped.append(Skipped(file.source, f"cannot read file: {exc.strerror}"))
    return None


def _in_order(
    ray: Any, pool: _WorkerPool, batches: Iterator[tuple[int, Batch]]
) -> Iterator[tuple[int, list[PreparedFile | Skipped]]]:
    """Each batch's results, in the batches' order, with a bounded number of calls in flight."""
    window = TASKS_PER_WORKER * pool.size
    pending: deque[tuple[int, Any]] = deque()
    for covered, batch in batches:
        pending.append((covered, pool.submit(batch) if batch else None))
        while len(pending) > window:
            yield _result(ray, *pending.popleft())
    while pending:
        yield _result(ray, *pending.popleft())


def _result(ray: Any, covered: int, ref: Any) -> tuple[int, list[PreparedFile | Skipped]]:
    return covered, ([] if ref is None else ray.get(ref))
