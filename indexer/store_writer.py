"""The one writer of a store: builds the next version aside and publishes it atomically."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO

import faiss
import numpy as np
import numpy.typing as npt

from indexer.chunking import Chunk
from indexer.errors import DiskFull, ModelMismatch, StoreLocked, StoreNotWritable
from indexer.store import (
    DOCSTORE_FILE,
    FORMAT_VERSION,
    INDEX_FILE,
    MANIFEST,
    VERSIONS,
    Manifest,
    read_manifest,
)

logger = logging.getLogger(__name__)

LOCK_FILE = "lock"
# Readers that opened an older version keep their files open; keep a couple of versions on
# disk anyway so a reader racing a publish can still open the version it just read about.
KEEP_OLD_VERSIONS = 2
_TMP_PREFIX = ".tmp-"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, raw_hash TEXT NOT NULL, size INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, source TEXT NOT NULL UNIQUE, file_path TEXT NOT NULL,
    content_hash TEXT NOT NULL, title TEXT, published TEXT, published_raw TEXT, outlet TEXT,
    author TEXT, url TEXT, text TEXT NOT NULL, indexed_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_file ON documents(file_path);
CREATE INDEX IF NOT EXISTS documents_hash ON documents(content_hash);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY, document_id TEXT NOT NULL REFERENCES documents(id),
    chunk_index INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
    tokens INTEGER NOT NULL, text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_document ON chunks(document_id);
"""


@dataclass(frozen=True)
class NewDocument:
    """A cleaned document ready to be stored."""

    source: str
    file_path: str
    text: str
    title: str | None = None
    published: str | None = None
    published_raw: str | None = None
    outlet: str | None = None
    author: str | None = None
    url: str | None = None

    @property
    def id(self) -> str:
        """Stable id derived from the source, so re-indexing a changed file keeps its id."""
        return document_id_for(self.source)

    @property
    def content_hash(self) -> str:
        """Hash of the cleaned text, for deduplication."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def document_id_for(source: str) -> str:
    """The document id a source path gets."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


class StoreWriter:
    """Exclusive, transactional writer: changes become visible only on `commit()`."""

    def __init__(self, path: Path | str, *, model: str, dim: int, chunk_tokens: int) -> None:
        self.path = Path(path)
        self.model = model
        self.dim = dim
        self.chunk_tokens = chunk_tokens
        self._lock: IO[bytes] | None = None
        self._work: Path | None = None
        self._db: sqlite3.Connection | None = None
        self._index: faiss.Index | None = None
        self._previous: Manifest | None = None
        self.changed = False

    # --- lifecycle ------------------------------------------------------------------------
    def __enter__(self) -> StoreWriter:
        self.path.mkdir(parents=True, exist_ok=True)
        self._acquire_lock()
        try:
            self._remove_stale_work_dirs()
            self._previous = self._read_previous()
            self._remove_unpublished_versions()
            self._start_work_dir()
        except BaseException:
            self.abort()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.abort()

    def abort(self) -> None:
        """Drop unpublished work and release the lock; the published store is untouched."""
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._work is not None:
            shutil.rmtree(self._work, ignore_errors=True)
            self._work = None
        if self._lock is not None:
            self._lock.close()  # closing the descriptor releases the flock
            self._lock = None

    def _acquire_lock(self) -> None:
        handle = open(self.path / LOCK_FILE, "a+b")  # noqa: SIM115 - held until abort()
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            handle.close()
            raise StoreLocked(
                f"store {self.path} is locked by another 'footnote index' or upload; "
                f"wait for it to finish and try again"
            ) from exc
        self._lock = handle

    def _remove_stale_work_dirs(self) -> None:
        # Left by a writer that was killed; we hold the lock, so nobody else is using them.
        versions = self.path / VERSIONS
        if versions.is_dir():
            for stale in versions.glob(f"{_TMP_PREFIX}*"):
                logger.info("removing unfinished version %s left by an interrupted run", stale)
                shutil.rmtree(stale, ignore_errors=True)

    def _remove_unpublished_versions(self) -> None:
        # A writer killed between moving its version into place and writing the manifest
        # leaves a version newer than the one published; no reader can have opened it (they
        # open what the manifest names), and its name is the one this writer will publish.
        published = 0 if self._previous is None else _version_number(self._previous.version)
        for version in (self.path / VERSIONS).glob("v*"):
            if version.is_dir() and _version_number(version.name) > published:
                logger.info("removing version %s, never published by an interrupted run", version)
                shutil.rmtree(version, ignore_errors=True)

    def _read_previous(self) -> Manifest | None:
        if not (self.path / MANIFEST).exists():
            return None
        manifest = read_manifest(self.path)
        if manifest.model != self.model or manifest.dim != self.dim:
            raise ModelMismatch(
                f"{self.path} was built with {manifest.model!r} ({manifest.dim} dims), not "
                f"{self.model!r} ({self.dim} dims); use the same FOOTNOTE_EMBEDDING_MODEL or a "
                f"new --index-dir"
            )
        return manifest

    def _start_work_dir(self) -> None:
        versions = self.path / VERSIONS
        versions.mkdir(exist_ok=True)
        self._work = Path(tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=versions))
        if self._previous is not None:
            current = versions / self._previous.version
            shutil.copyfile(current / DOCSTORE_FILE, self._work / DOCSTORE_FILE)
            self._index = faiss.read_index(str(current / INDEX_FILE))
        else:
            self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        self._db = sqlite3.connect(self._work / DOCSTORE_FILE)
        self._db.executescript(_SCHEMA)

    # --- reads the pipeline needs ---------------------------------------------------------
    @property
    def db(self) -> sqlite3.Connection:
        """The docstore of the version being built."""
        if self._db is None:
            raise RuntimeError("StoreWriter used outside its 'with' block")
        return self._db

    def file_hash(self, file_path: str) -> str | None:
        """The raw-content hash recorded for a file, or None if it was never indexed."""
        row = self.db.execute("SELECT raw_hash FROM files WHERE path = ?", (file_path,)).fetchone()
        return None if row is None else str(row[0])

    def known_files(self) -> list[str]:
        """Every file path the store has indexed."""
        return [r[0] for r in self.db.execute("SELECT path FROM files ORDER BY path")]

    def documents_of_file(self, file_path: str) -> list[str]:
        """Ids of the documents that came from a file."""
        rows = self.db.execute("SELECT id FROM documents WHERE file_path = ?", (file_path,))
        return [r[0] for r in rows]

    def source_with_content(self, content_hash: str, *, other_than: str) -> str | None:
        """The source of another document with identical cleaned text, if any."""
        row = self.db.execute(
            "SELECT source FROM documents WHERE content_hash = ? AND source != ? LIMIT 1",
            (content_hash, other_than),
        ).fetchone()
        return None if row is None else str(row[0])

    def has_document(self, document_id: str) -> bool:
        """Whether a document with this id is stored."""
        row = self.db.execute("SELECT 1 FROM documents WHERE id = ?", (document_id,)).fetchone()
        return row is not None

    # --- changes --------------------------------------------------------------------------
    def put_document(
        self, doc: NewDocument, chunks: list[Chunk], vectors: npt.NDArray[np.float32]
    ) -> None:
        """Add a document, replacing any earlier one with the same source."""
        if len(chunks) != len(vectors):
            raise ValueError("one vector per chunk is required")
        self.remove_document(doc.id)
        self.db.execute(
            "INSERT INTO documents (id, source, file_path, content_hash, title, published, "
            "published_raw, outlet, author, url, text, indexed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                doc.id, doc.source, doc.file_path, doc.content_hash, doc.title, doc.published,
                doc.published_raw, doc.outlet, doc.author, doc.url, doc.text,
                datetime.now(UTC).isoformat(timespec="seconds"),
            ),
        )  # fmt: skip
        ids = []
        for chunk in chunks:
            cursor = self.db.execute(
                "INSERT INTO chunks (document_id, chunk_index, start, end, tokens, text) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (doc.id, chunk.chunk_index, chunk.start, chunk.end, chunk.tokens, chunk.text),
            )
            ids.append(cursor.lastrowid)
        if ids:
            self._faiss().add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.array(ids, dtype=np.int64)
            )
        self.changed = True

    def remove_document(self, document_id: str) -> bool:
        """Remove a document and its chunks; False if it was not stored."""
        rows = self.db.execute("SELECT id FROM chunks WHERE document_id = ?", (document_id,))
        chunk_ids = np.array([r[0] for r in rows], dtype=np.int64)
        if len(chunk_ids):
            self._faiss().remove_ids(faiss.IDSelectorBatch(chunk_ids))
        self.db.execute("DELETE FROM chunks WHERE document_id = ?", (document_id,))
        removed = self.db.execute("DELETE FROM documents WHERE id = ?", (document_id,)).rowcount
        self.changed = self.changed or removed > 0
        return removed > 0

    def record_file(self, file_path: str, raw_hash: str, size: int) -> None:
        """Remember a file's content hash so an unchanged file is skipped next time."""
        self.db.execute(
            "INSERT OR REPLACE INTO files (path, raw_hash, size) VALUES (?, ?, ?)",
            (file_path, raw_hash, size),
        )
        self.changed = True

    def forget_file(self, file_path: str) -> int:
        """Remove a file's record and its documents; returns how many documents went."""
        removed = sum(self.remove_document(d) for d in self.documents_of_file(file_path))
        self.db.execute("DELETE FROM files WHERE path = ?", (file_path,))
        self.changed = True
        return removed

    def _faiss(self) -> faiss.Index:
        if self._index is None:
            raise RuntimeError("StoreWriter used outside its 'with' block")
        return self._index

    # --- publishing -----------------------------------------------------------------------
    def commit(self) -> str | None:
        """Publish the changes as a new version; returns it, or None when nothing changed."""
        if not self.changed:
            logger.info("no changes; store %s left as it was", self.path)
            return None
        work = self._work
        if work is None:
            raise RuntimeError("StoreWriter used outside its 'with' block")
        self.db.commit()
        self.db.execute("VACUUM")
        self.db.close()
        self._db = None
        faiss.write_index(self._faiss(), str(work / INDEX_FILE))
        for name in (DOCSTORE_FILE, INDEX_FILE):
            _fsync_file(work / name)
        version = self._next_version_name()
        final = self.path / VERSIONS / version
        os.replace(work, final)
        self._work = None
        _fsync_dir(final.parent)
        manifest = {
            "format": FORMAT_VERSION,
            "model": self.model,
            "dim": self.dim,
            "version": version,
            "chunk_tokens": self.chunk_tokens,
        }
        write_atomically(self.path / MANIFEST, json.dumps(manifest, indent=2) + "\n")
        logger.info("published store version %s at %s", version, self.path)
        self._remove_old_versions(keep=version)
        self.changed = False
        return version

    def _next_version_name(self) -> str:
        number = 0 if self._previous is None else _version_number(self._previous.version)
        return f"v{number + 1:06d}"

    def _remove_old_versions(self, *, keep: str) -> None:
        published = sorted(p for p in (self.path / VERSIONS).glob("v*") if p.is_dir())
        for old in published[: -(KEEP_OLD_VERSIONS + 1)]:
            if old.name != keep:
                shutil.rmtree(old, ignore_errors=True)


def _version_number(name: str) -> int:
    """`v000042` -> 42; a name that is no version number counts as 0 (never removed)."""
    digits = name.removeprefix("v")
    return int(digits) if digits.isdigit() else 0


def write_atomically(path: Path, content: str) -> None:
    """Replace `path` with `content` so readers see either the old or the new file, whole."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})
_REFUSED = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})


@contextmanager
def storage_errors(what: str) -> Iterator[None]:
    """Turn the disk refusing a write during `what` into DiskFull or StoreNotWritable.

    The published version is untouched when these are raised (writes go to a work directory
    first), so the messages say so. Other OS errors pass through as they are.
    """
    try:
        yield
    except OSError as exc:
        if exc.errno in _FULL:
            raise DiskFull(f"{what} failed: the disk is full; nothing was published") from exc
        if exc.errno in _REFUSED:
            raise StoreNotWritable(
                f"{what} failed: the store's disk refused the write ({exc.strerror}); "
                "nothing was published"
            ) from exc
        raise
    except sqlite3.OperationalError as exc:
        # SQLite reports a full disk or a read-only file in its own words, not as an OSError.
        message = str(exc).lower()
        if "full" in message:
            raise DiskFull(f"{what} failed: the disk is full; nothing was published") from exc
        if "readonly" in message or "read-only" in message:
            raise StoreNotWritable(
                f"{what} failed: the store is read-only; nothing was published"
            ) from exc
        raise
