"""The one writer of a store: builds the next version aside and publishes it atomically.

A version is the previous one's segments, tombstones for what this run removed or replaced,
and one new segment with what it added (segments.py draws the layout). Nothing of the
previous version is copied, so a small update costs what it changes.
"""

from __future__ import annotations

import errno
import fcntl
import functools
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO

import numpy as np
import numpy.typing as npt

from indexer.atomic_files import write_text_atomically
from indexer.chunking import Chunk
from indexer.errors import DiskFull, ModelMismatch, StoreCorrupt, StoreLocked, StoreNotWritable
from indexer.lexical import write_lexical
from indexer.segments import (
    DOCSTORE_FILE,
    MAX_SEGMENTS,
    SCHEMA,
    SEGMENTS,
    SegmentInfo,
    Tombstones,
    VersionLayout,
    attach_segments,
    read_version,
    write_version,
)
from indexer.store import FORMAT_VERSION, MANIFEST, VERSIONS, Manifest, chunk_ids_of, read_manifest
from indexer.terms import index_terms
from indexer.vectors import EXACT_LIMIT, IDS_FILE, VECTORS_FILE, spec_for, write_vectors

logger = logging.getLogger(__name__)

LOCK_FILE = "lock"
# Readers that opened an older version keep their files open; keep a couple of versions on
# disk anyway so a reader racing a publish can still open the version it just read about.
KEEP_OLD_VERSIONS = 2
_TMP_PREFIX = ".tmp-"

_NEW_SEGMENT = "segment"  # inside the work directory, until it is published
# A segment with more of its chunks deleted than this is merged into the next new segment.
MAX_DEAD_FRACTION = 0.5


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

    def __init__(
        self,
        path: Path | str,
        *,
        model: str,
        dim: int,
        chunk_tokens: int,
        exact_limit: int = EXACT_LIMIT,
    ) -> None:
        self.path = Path(path)
        self.model = model
        self.dim = dim
        self.chunk_tokens = chunk_tokens
        self.exact_limit = exact_limit
        self._lock: IO[bytes] | None = None
        self._work: Path | None = None
        self._db: sqlite3.Connection | None = None
        self._previous: Manifest | None = None
        self._layout = VersionLayout(segments=(), next_chunk_id=1, tombstones=Tombstones())
        self._tombstones = Tombstones()
        self._schemas: dict[str, str] = {}
        # The new segment's vectors, by document (insertion order is chunk id order).
        self._vectors: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]] = {}
        self._next_id = 1
        self.changed = False

    # --- lifecycle ------------------------------------------------------------------------
    def __enter__(self) -> StoreWriter:
        self.path.mkdir(parents=True, exist_ok=True)
        self._acquire_lock()
        try:
            self._remove_stale_work_dirs()
            self._previous = self._read_previous()
            self._remove_unpublished_versions()
            self._remove_unreferenced_segments()
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

    def _remove_unreferenced_segments(self) -> None:
        # Segments of versions removed since, or moved into place by a writer killed before it
        # published: no version on disk reads them.
        wanted: set[str] = set()
        for version in (self.path / VERSIONS).glob("v*"):
            if version.is_dir():
                try:
                    wanted.update(s.name for s in read_version(version).segments)
                except StoreCorrupt:
                    continue  # a version that cannot be read is never opened again
        for segment in (self.path / SEGMENTS).glob("s*"):
            if segment.is_dir() and segment.name not in wanted:
                shutil.rmtree(segment, ignore_errors=True)

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
        self._layout = read_version(self.path / VERSIONS / manifest.version)
        return manifest

    def _start_work_dir(self) -> None:
        versions = self.path / VERSIONS
        versions.mkdir(exist_ok=True)
        (self.path / SEGMENTS).mkdir(exist_ok=True)
        self._work = Path(tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=versions))
        (self._work / _NEW_SEGMENT).mkdir()
        self._db = sqlite3.connect(self._work / _NEW_SEGMENT / DOCSTORE_FILE)
        self._db.executescript(SCHEMA)
        self._tombstones = self._layout.tombstones.only([s.name for s in self._layout.segments])
        names = [s.name for s in self._layout.segments]
        self._schemas = attach_segments(
            self._db, self.path / SEGMENTS, names, self._tombstones, writing=True
        )
        self._next_id = self._layout.next_chunk_id

    # --- reads the pipeline needs ---------------------------------------------------------
    @property
    def db(self) -> sqlite3.Connection:
        """The docstore of the version being built (its views show the live rows)."""
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
            "INSERT INTO main.documents (id, source, file_path, content_hash, title, published, "
            "published_raw, outlet, author, url, text, indexed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                doc.id, doc.source, doc.file_path, doc.content_hash, doc.title, doc.published,
                doc.published_raw, doc.outlet, doc.author, doc.url, doc.text,
                datetime.now(UTC).isoformat(timespec="seconds"),
            ),
        )  # fmt: skip
        ids = np.arange(self._next_id, self._next_id + len(chunks), dtype=np.int64)
        self._next_id += len(chunks)
        self.db.executemany(
            "INSERT INTO main.chunks (id, document_id, chunk_index, start, end, tokens, text) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (int(i), doc.id, c.chunk_index, c.start, c.end, c.tokens, c.text)
                for i, c in zip(ids, chunks, strict=True)
            ],
        )
        self._vectors[doc.id] = (ids, np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim))
        self.changed = True

    def remove_document(self, document_id: str) -> bool:
        """Remove a document and its chunks; False if it was not stored."""
        row = self.db.execute(
            "SELECT segment FROM documents WHERE id = ?", (document_id,)
        ).fetchone()
        if row is None:
            return False
        segment = str(row[0])
        if segment:  # an older segment's: a tombstone hides it from this version on
            self._tombstones.documents.setdefault(segment, set()).add(document_id)
            self.db.execute("INSERT INTO temp.dead_documents VALUES (?, ?)", (segment, document_id))
        else:  # added by this run: it goes outright
            self.db.execute("DELETE FROM main.chunks WHERE document_id = ?", (document_id,))
            self.db.execute("DELETE FROM main.documents WHERE id = ?", (document_id,))
            self._vectors.pop(document_id, None)
        self.changed = True
        return True

    def record_file(self, file_path: str, raw_hash: str, size: int) -> None:
        """Remember a file's content hash so an unchanged file is skipped next time."""
        self._drop_file_record(file_path)
        self.db.execute(
            "INSERT INTO main.files (path, raw_hash, size) VALUES (?, ?, ?)",
            (file_path, raw_hash, size),
        )
        self.changed = True

    def forget_file(self, file_path: str) -> int:
        """Remove a file's record and its documents; returns how many documents went."""
        removed = sum(self.remove_document(d) for d in self.documents_of_file(file_path))
        self._drop_file_record(file_path)
        self.changed = True
        return removed

    def _drop_file_record(self, file_path: str) -> None:
        for (segment,) in self.db.execute(
            "SELECT segment FROM files WHERE path = ?", (file_path,)
        ).fetchall():
            if segment:
                self._tombstones.files.setdefault(segment, set()).add(file_path)
                self.db.execute("INSERT INTO temp.dead_files VALUES (?, ?)", (segment, file_path))
        self.db.execute("DELETE FROM main.files WHERE path = ?", (file_path,))

    # --- publishing -----------------------------------------------------------------------
    def commit(self) -> str | None:
        """Publish the changes as a new version; returns it, or None when nothing changed."""
        if not self.changed:
            logger.info("no changes; store %s left as it was", self.path)
            return None
        work = self._work
        if work is None:
            raise RuntimeError("StoreWriter used outside its 'with' block")
        version = self._next_version_name()
        merged = self._merge_segments()
        new_segment = self._write_new_segment(work / _NEW_SEGMENT, f"s{version[1:]}")
        kept = [s for s in self._layout.segments if s.name not in merged]
        layout = VersionLayout(
            segments=(*kept, *([new_segment] if new_segment else [])),
            next_chunk_id=self._next_id,
            tombstones=self._tombstones.only([s.name for s in kept]),
        )
        write_version(work, layout)
        for file in work.rglob("*"):
            if file.is_file():
                _fsync_file(file)
        if new_segment is not None:
            os.replace(work / _NEW_SEGMENT, self.path / SEGMENTS / new_segment.name)
            _fsync_dir(self.path / SEGMENTS)
        else:
            shutil.rmtree(work / _NEW_SEGMENT)
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
        logger.info(
            "published store version %s at %s (%d segments)", version, self.path,
            len(layout.segments),
        )  # fmt: skip
        self._remove_old_versions(keep=version)
        self._remove_unreferenced_segments()
        self.changed = False
        return version

    def _merge_segments(self) -> list[str]:
        """Copy the live rows of the segments due for merging into the new one; their names."""
        dead = {s.name: len(self._dead_chunk_ids(s.name)) for s in self._layout.segments}
        chosen = segments_to_merge(self._layout.segments, dead, MAX_SEGMENTS)
        for name in chosen:
            schema = self._schemas[name]
            logger.info("merging segment %s into the new one", name)
            live = f"segment = '{name}'"
            self.db.execute(
                f"INSERT INTO main.files SELECT path, raw_hash, size FROM files WHERE {live}"
            )
            self.db.execute(
                "INSERT INTO main.documents SELECT id, source, file_path, content_hash, title, "
                "published, published_raw, outlet, author, url, text, indexed_at "
                f"FROM documents WHERE {live}"
            )
            self.db.execute(
                "INSERT INTO main.chunks SELECT id, document_id, chunk_index, start, end, "
                f"tokens, text FROM chunks WHERE {live}"
            )
            folder = self.path / SEGMENTS / name
            ids = np.load(folder / IDS_FILE, mmap_mode="r")
            keep = ~np.isin(ids, self._dead_chunk_ids(name))
            vectors = np.load(folder / VECTORS_FILE, mmap_mode="r")
            self._vectors[f"segment {schema}"] = (np.asarray(ids[keep]), np.asarray(vectors[keep]))
        return chosen

    def _dead_chunk_ids(self, segment: str) -> npt.NDArray[np.int64]:
        documents = sorted(self._tombstones.documents.get(segment, ()))
        return chunk_ids_of(self.db, self._schemas[segment], documents)

    def _write_new_segment(self, folder: Path, name: str) -> SegmentInfo | None:
        documents = self.db.execute("SELECT COUNT(*) FROM main.documents").fetchone()[0]
        files = self.db.execute("SELECT COUNT(*) FROM main.files").fetchone()[0]
        if not documents and not files:
            return None
        ids, vectors = self._new_vectors()
        spec = spec_for(len(ids), exact_limit=self.exact_limit)
        write_vectors(folder, ids, vectors, spec)
        write_lexical(folder, self._chunk_terms())
        self.db.commit()
        self.db.close()
        self._db = None
        return SegmentInfo(name=name, documents=int(documents), chunks=len(ids), vectors=spec)

    def _new_vectors(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        if not self._vectors:
            return np.zeros(0, dtype=np.int64), np.zeros((0, self.dim), dtype=np.float32)
        ids = np.concatenate([i for i, _ in self._vectors.values()])
        vectors = np.concatenate([v for _, v in self._vectors.values()])
        order = np.argsort(ids, kind="stable")  # positions follow chunk ids, as the docstore
        return ids[order], vectors[order]

    def _chunk_terms(self) -> Iterator[list[str]]:
        # The title is searchable with every chunk of its article. Chunks repeat across
        # editions of an article, so their terms are cached by text.
        rows = self.db.execute(
            "SELECT d.title, c.text FROM main.chunks c JOIN main.documents d "
            "ON d.id = c.document_id ORDER BY c.id"
        )
        for title, text in rows:
            yield index_terms(title or "") + _text_terms(text) or ["<empty>"]

    def _next_version_name(self) -> str:
        number = 0 if self._previous is None else _version_number(self._previous.version)
        return f"v{number + 1:06d}"

    def _remove_old_versions(self, *, keep: str) -> None:
        published = sorted(p for p in (self.path / VERSIONS).glob("v*") if p.is_dir())
        for old in published[: -(KEEP_OLD_VERSIONS + 1)]:
            if old.name != keep:
                shutil.rmtree(old, ignore_errors=True)


@functools.lru_cache(maxsize=65536)
def _text_terms_cached(text: str) -> tuple[str, ...]:
    return tuple(index_terms(text))


def _text_terms(text: str) -> list[str]:
    return list(_text_terms_cached(text))


def segments_to_merge(
    segments: Sequence[SegmentInfo], dead_chunks: dict[str, int], max_segments: int
) -> list[str]:
    """The segments a new version should merge into its new segment.

    Those mostly deleted, and, when the version would hold more than `max_segments`, the
    smallest until it holds half that: merges copy little often and much rarely.
    """
    chosen = [s.name for s in segments if dead_chunks.get(s.name, 0) > MAX_DEAD_FRACTION * s.chunks]
    rest = sorted(
        (s for s in segments if s.name not in chosen),
        key=lambda s: s.chunks - dead_chunks.get(s.name, 0),
    )
    if len(rest) + 1 > max_segments:
        chosen += [s.name for s in rest[: len(rest) + 1 - max_segments // 2]]
    return chosen


def _version_number(name: str) -> int:
    """`v000042` -> 42; a name that is no version number counts as 0 (never removed)."""
    digits = name.removeprefix("v")
    return int(digits) if digits.isdigit() else 0


def write_atomically(path: Path, content: str) -> None:
    """Replace `path` with `content` so readers see either the old or the new file, whole, and
    the directory entry survives a crash."""
    write_text_atomically(path, content)
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
