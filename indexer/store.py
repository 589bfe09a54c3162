"""The store: segments of vectors, postings and documents, published as immutable versions.

manifest.json names the current version; a version lists the segments it reads and what of
them was deleted since (the layout is drawn in segments.py). A writer (store_writer.py) builds
the next version aside and publishes it by atomically replacing manifest.json, so readers and
killed writers never see a half-written store. This module is the read side the service uses.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from indexer.errors import DocumentNotFound, ModelMismatch, StoreCorrupt, StoreNotFound
from indexer.lexical import LexicalIndex, LexicalPart, LexicalSegment
from indexer.segments import (
    SCHEMA,
    SEGMENTS,
    SegmentInfo,
    attach_segments,
    read_version,
)
from indexer.vectors import VectorSegment

# Format 2: segments and tombstones (format 1 was one FAISS file and one docstore a version).
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
VERSIONS = "versions"


@dataclass(frozen=True)
class Manifest:
    """What manifest.json records about a store."""

    format: int
    model: str
    dim: int
    version: str
    chunk_tokens: int


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as stored, with the metadata of its document."""

    id: int
    document_id: str
    chunk_index: int
    start: int
    end: int
    tokens: int
    text: str
    source: str
    title: str | None
    published: str | None
    outlet: str | None


@dataclass(frozen=True)
class DocumentInfo:
    """A document's metadata, without its text."""

    id: str
    source: str
    title: str | None
    published: str | None
    published_raw: str | None
    outlet: str | None
    author: str | None
    url: str | None
    content_hash: str
    chunks: int


@dataclass(frozen=True)
class StoredDocument:
    """A document's metadata and its whole cleaned text (chunk offsets index into `text`)."""

    info: DocumentInfo
    text: str


@dataclass(frozen=True)
class StoreStats:
    """Sizes of a store version."""

    version: str
    model: str
    dim: int
    documents: int
    chunks: int
    segments: int = 1


def read_manifest(path: Path) -> Manifest:
    """The manifest of the store at `path`; StoreNotFound when there is none."""
    file = path / MANIFEST
    if not file.exists():
        raise StoreNotFound(f"no index at {path}; run 'footnote index PATH --index-dir {path}'")
    try:
        raw: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
        manifest = Manifest(
            format=int(raw["format"]),
            model=str(raw["model"]),
            dim=int(raw["dim"]),
            version=str(raw["version"]),
            chunk_tokens=int(raw["chunk_tokens"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreCorrupt(f"{file} is not a valid manifest ({exc}); re-create the index") from exc
    if manifest.format != FORMAT_VERSION:
        raise StoreCorrupt(
            f"{path} has store format {manifest.format}, this Footnote reads {FORMAT_VERSION}; "
            f"re-index into a new directory"
        )
    return manifest


_CHUNK_COLUMNS = (
    "c.id, c.document_id, c.chunk_index, c.start, c.end, c.tokens, c.text, "
    "d.source, d.title, d.published, d.outlet"
)
_DOC_COLUMNS = (
    "d.id, d.source, d.title, d.published, d.published_raw, d.outlet, d.author, d.url, "
    "d.content_hash, (SELECT COUNT(*) FROM chunks c WHERE c.document_id = d.id)"
)


class Store:
    """A read-only view of one published version of a store; cheap to search concurrently."""

    def __init__(self, path: Path, manifest: Manifest, *, reuse: Store | None = None) -> None:
        self.path = path
        self.manifest = manifest
        self.layout = read_version(path / VERSIONS / manifest.version)
        # Segments never change once written: the ones an earlier version of this store had
        # open are shared, so a new version costs only its new segment (and tombstones).
        self._opened: dict[str, tuple[VectorSegment, LexicalSegment]] = {}
        if reuse is not None and reuse.path == path and reuse.manifest.dim == manifest.dim:
            self._opened = {
                name: opened
                for name, opened in reuse._opened.items()
                if name in {s.name for s in self.layout.segments}
            }
        root = path / SEGMENTS
        try:
            self._db = sqlite3.connect("file::memory:", uri=True, check_same_thread=False)
            self._db.executescript(SCHEMA)
            names = [s.name for s in self.layout.segments]
            schemas = attach_segments(self._db, root, names, self.layout.tombstones)
            self._db.execute("SELECT 1 FROM documents LIMIT 1")
            self._parts = [
                self._open_segment(root, info, schemas[info.name]) for info in self.layout.segments
            ]
        except (RuntimeError, OSError, ValueError, sqlite3.Error) as exc:
            raise StoreCorrupt(
                f"store version {manifest.version} at {path} cannot be read ({exc}); "
                f"re-run 'footnote index' to publish a new version"
            ) from exc
        self._lexical = LexicalIndex([part.lexical for part in self._parts])

    def _open_segment(self, root: Path, info: SegmentInfo, schema: str) -> _Segment:
        folder = root / info.name
        if info.name not in self._opened:
            self._opened[info.name] = (
                VectorSegment(folder, info.vectors, self.manifest.dim),
                LexicalSegment(folder),
            )
        vectors, postings = self._opened[info.name]
        dead_documents = self.layout.tombstones.documents.get(info.name, set())
        dead = chunk_ids_of(self._db, schema, sorted(dead_documents))
        mask = np.isin(vectors.ids, dead) if len(dead) else None
        lexical = LexicalPart(postings, vectors.ids, mask)
        # The selector must outlive every search that uses it (SWIG keeps no reference).
        selector = faiss.IDSelectorNot(faiss.IDSelectorBatch(dead)) if len(dead) else None
        return _Segment(info, vectors, lexical, dead, selector)

    @classmethod
    def open(
        cls, path: Path | str, *, expect_model: str | None = None, reuse: Store | None = None
    ) -> Store:
        """Open the current version at `path`; with `expect_model`, refuse another model's store.

        `reuse`: an earlier version of the same store, whose open segments this one shares.
        """
        path = Path(path)
        manifest = read_manifest(path)
        if expect_model is not None and manifest.model != expect_model:
            raise ModelMismatch(
                f"{path} was built with embedding model {manifest.model!r}, not {expect_model!r}; "
                f"set FOOTNOTE_EMBEDDING_MODEL to match or re-index into a new directory"
            )
        return cls(path, manifest, reuse=reuse)

    @property
    def version(self) -> str:
        """The published version this view reads."""
        return self.manifest.version

    def close(self) -> None:
        """Release the docstore connection."""
        self._db.close()

    def search(
        self,
        vector: npt.NDArray[np.float32],
        k: int,
        *,
        only_ids: npt.NDArray[np.int64] | None = None,
    ) -> list[tuple[int, float]]:
        """The `k` chunk ids nearest to `vector` by inner product, best first, with scores."""
        _check_k(k)
        if only_ids is not None and len(only_ids) == 0:
            return []
        # Filtered ids come from the live documents, so they need no tombstone check.
        only = None if only_ids is None else faiss.IDSelectorBatch(only_ids)
        return self._search(vector.reshape(1, -1), k, only)[0]

    def search_many(
        self, vectors: npt.NDArray[np.float32], k: int
    ) -> list[list[tuple[int, float]]]:
        """`search` for each row of `vectors` (no filter), in one pass over the index."""
        _check_k(k)
        return self._search(vectors, k, None)

    def _search(
        self, vectors: npt.NDArray[np.float32], k: int, only: Any | None
    ) -> list[list[tuple[int, float]]]:
        queries = np.ascontiguousarray(vectors, dtype=np.float32)
        merged: list[list[tuple[int, float]]] = [[] for _ in range(len(queries))]
        for part in self._parts:
            selector = only if only is not None else part.selector
            for hits, found in zip(merged, part.vectors.search(queries, k, selector), strict=True):
                hits.extend(found)
        return [sorted(hits, key=lambda hit: (-hit[1], hit[0]))[:k] for hits in merged]

    def lexical_search(
        self, terms: Sequence[str], k: int, *, only_ids: npt.NDArray[np.int64] | None = None
    ) -> list[tuple[int, float]]:
        """The `k` chunk ids with the best BM25 score for these terms (indexer.terms)."""
        _check_k(k)
        return self._lexical.search(terms, k, only_ids)

    def chunk_ids_where(
        self,
        *,
        published_from: str | None = None,
        published_to: str | None = None,
        sources: Sequence[str] = (),
    ) -> npt.NDArray[np.int64]:
        """Ids of chunks whose document matches a date range (ISO, inclusive) and sources."""
        clauses, args = _document_filter(published_from, published_to, sources)
        rows = self._db.execute(
            f"SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id {clauses}", args
        ).fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64)

    def get_chunks(self, ids: Sequence[int]) -> list[StoredChunk]:
        """The chunks with these ids, in the order asked (unknown ids are left out)."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self._db.execute(
            f"SELECT {_CHUNK_COLUMNS} FROM chunks c JOIN documents d ON d.id = c.document_id "
            f"WHERE c.id IN ({marks})",
            list(ids),
        ).fetchall()
        by_id = {row[0]: StoredChunk(*row) for row in rows}
        return [by_id[i] for i in ids if i in by_id]

    def iter_chunks(self) -> Iterator[StoredChunk]:
        """Every chunk, by document source then position."""
        yield from (
            StoredChunk(*row)
            for row in self._db.execute(
                f"SELECT {_CHUNK_COLUMNS} FROM chunks c JOIN documents d ON d.id = c.document_id "
                f"ORDER BY d.source, c.chunk_index"
            )
        )

    def get_document(self, document_id: str) -> StoredDocument:
        """One document with its cleaned text; DocumentNotFound if there is none."""
        row = self._db.execute(
            f"SELECT {_DOC_COLUMNS}, d.text FROM documents d WHERE d.id = ?", (document_id,)
        ).fetchone()
        if row is None:
            raise DocumentNotFound(
                f"no document {document_id!r}; list them with 'footnote documents' or "
                f"GET /v1/documents"
            )
        return StoredDocument(DocumentInfo(*row[:-1]), row[-1])

    def list_documents(self, *, limit: int = 1000, offset: int = 0) -> list[DocumentInfo]:
        """Documents ordered by source."""
        rows = self._db.execute(
            f"SELECT {_DOC_COLUMNS} FROM documents d ORDER BY d.source LIMIT ? OFFSET ?",
            (limit, offset),
        ).fetchall()
        return [DocumentInfo(*row) for row in rows]

    def stats(self) -> StoreStats:
        """How many documents and chunks this version holds."""
        m = self.manifest
        dead_documents = sum(len(d) for d in self.layout.tombstones.documents.values())
        documents = sum(part.info.documents for part in self._parts) - dead_documents
        chunks = sum(part.info.chunks - len(part.dead) for part in self._parts)
        return StoreStats(m.version, m.model, m.dim, documents, chunks, len(self._parts))


@dataclass(frozen=True)
class _Segment:
    """One segment as a reader uses it."""

    info: SegmentInfo
    vectors: VectorSegment
    lexical: LexicalPart
    dead: npt.NDArray[np.int64]
    selector: Any | None  # lets every live chunk through; None when none was deleted


def chunk_ids_of(
    db: sqlite3.Connection, schema: str, documents: Sequence[str]
) -> npt.NDArray[np.int64]:
    """Chunk ids of these documents in the segment attached as `schema`, deleted ones included."""
    ids: list[int] = []
    for start in range(0, len(documents), 500):
        batch = documents[start : start + 500]
        marks = ",".join("?" * len(batch))
        rows = db.execute(
            f"SELECT id FROM {schema}.chunks WHERE document_id IN ({marks})", batch
        ).fetchall()
        ids.extend(r[0] for r in rows)
    return np.array(sorted(ids), dtype=np.int64)


def _document_filter(
    published_from: str | None, published_to: str | None, sources: Sequence[str]
) -> tuple[str, list[str]]:
    clauses: list[str] = []
    args: list[str] = []
    if published_from:
        clauses.append("d.published >= ?")
        args.append(published_from)
    if published_to:
        clauses.append("d.published <= ?")
        args.append(published_to)
    if sources:
        # A source filter matches the document's path, its outlet, or a folder prefix.
        ors = " OR ".join("d.source = ? OR d.outlet = ? OR d.source LIKE ?" for _ in sources)
        clauses.append(f"({ors})")
        for s in sources:
            args.extend([s, s, s.rstrip("/") + "/%"])
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", args


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError("k must be at least 1")
