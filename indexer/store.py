"""The store: a FAISS index plus a SQLite docstore, published as immutable versions.

Layout of an index directory:

    manifest.json            which version is current, the embedding model and dimension
    lock                     held (flock) by the one writer
    versions/v000007/        index.faiss + docstore.sqlite, never modified once published

A writer (store_writer.py) builds the next version in a temporary directory and publishes it
by atomically replacing manifest.json, so readers and killed writers never see a half-written
store. This module is the read side the service uses.
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

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
VERSIONS = "versions"
INDEX_FILE = "index.faiss"
DOCSTORE_FILE = "docstore.sqlite"
# Searches are one query at a time, and requests run side by side: FAISS splitting one query
# over OpenMP threads made it slower (23 ms on 2 threads, 8 ms on 1, 20,834 vectors, 2 cores
# under load). FAISS keeps its own OpenMP runtime, so torch's threads are unaffected. The
# setting is per calling thread in OpenMP, so it is made on the thread of every search.
FAISS_THREADS = 1


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

    def __init__(self, path: Path, manifest: Manifest) -> None:
        self.path = path
        self.manifest = manifest
        version_dir = path / VERSIONS / manifest.version
        try:
            self._index = faiss.read_index(str(version_dir / INDEX_FILE))
            # The docstore file never changes once published; immutable=1 skips locking.
            uri = f"file:{version_dir / DOCSTORE_FILE}?mode=ro&immutable=1"
            self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self._db.execute("SELECT 1 FROM documents LIMIT 1")
        except (RuntimeError, sqlite3.Error) as exc:
            raise StoreCorrupt(
                f"store version {manifest.version} at {path} cannot be read ({exc}); "
                f"re-run 'footnote index' to publish a new version"
            ) from exc
        if self._index.d != manifest.dim:
            raise StoreCorrupt(f"index dimension {self._index.d} != manifest {manifest.dim}")

    @classmethod
    def open(cls, path: Path | str, *, expect_model: str | None = None) -> Store:
        """Open the current version at `path`; with `expect_model`, refuse another model's store."""
        path = Path(path)
        manifest = read_manifest(path)
        if expect_model is not None and manifest.model != expect_model:
            raise ModelMismatch(
                f"{path} was built with embedding model {manifest.model!r}, not {expect_model!r}; "
                f"set FOOTNOTE_EMBEDDING_MODEL to match or re-index into a new directory"
            )
        return cls(path, manifest)

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
        params = None
        selector = None  # must outlive the search: SWIG does not keep it alive through params
        if only_ids is not None:
            selector = faiss.IDSelectorBatch(only_ids)
            params = faiss.SearchParameters()
            params.sel = selector
        return self._search(vector.reshape(1, -1), k, params)[0]

    def search_many(
        self, vectors: npt.NDArray[np.float32], k: int
    ) -> list[list[tuple[int, float]]]:
        """`search` for each row of `vectors` (no filter), in one pass over the index."""
        return self._search(vectors, k, None)

    def _search(
        self, vectors: npt.NDArray[np.float32], k: int, params: Any
    ) -> list[list[tuple[int, float]]]:
        _check_k(k)
        if self._index.ntotal == 0:
            return [[] for _ in range(len(vectors))]
        queries = np.ascontiguousarray(vectors, dtype=np.float32)
        faiss.omp_set_num_threads(FAISS_THREADS)
        scores, ids = self._index.search(queries, min(k, self._index.ntotal), params=params)
        return [_hits(i, s) for i, s in zip(ids, scores, strict=True)]

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
        docs = self._db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        chunks = self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        m = self.manifest
        return StoreStats(m.version, m.model, m.dim, int(docs), int(chunks))


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


def _hits(ids: npt.NDArray[np.int64], scores: npt.NDArray[np.float32]) -> list[tuple[int, float]]:
    return [(int(i), float(s)) for i, s in zip(ids, scores, strict=True) if i >= 0]
