"""Segments: the immutable parts a store version is made of, and the one docstore view over them.

Layout of an index directory (format 2):

    manifest.json                which version is current, the embedding model and dimension
    lock                         held (flock) by the one writer
    segments/s000007/            written once by the version that made it, never changed:
        docs.sqlite              files, documents and chunks tables
        ids.npy, vectors.npy     chunk ids and their vectors, by position (indexer/vectors.py)
        index.faiss              an approximate index, for large segments only
        lexical-*                BM25 postings (indexer/lexical.py)
    versions/v000007/
        version.json             the segments this version reads, each with its vector index
        tombstones.json          documents and files of those segments deleted since

A write publishes a new version made of the old segments, one new segment with what was
added, and tombstones for what was removed or replaced: its cost follows the size of the
change, not of the store. When a version would hold more than `MAX_SEGMENTS` segments, or a
segment is mostly deleted, the writer merges the smallest ones into its new segment.

Readers see the segments' docstores as one: each is attached to a single SQLite connection,
and TEMP views named `files`, `documents` and `chunks` union their live rows (a chunk is live
while its document is), so queries are written as for one database.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.errors import StoreCorrupt
from indexer.vectors import VectorIndexSpec

SEGMENTS = "segments"
DOCSTORE_FILE = "docs.sqlite"
VERSION_FILE = "version.json"
TOMBSTONES_FILE = "tombstones.json"
# SQLite attaches at most 10 databases to a connection; a writer needs one more than a reader.
MAX_SEGMENTS = 8

SCHEMA = """
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
CREATE INDEX IF NOT EXISTS documents_source ON documents(source);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY, document_id TEXT NOT NULL REFERENCES documents(id),
    chunk_index INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
    tokens INTEGER NOT NULL, text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_document ON chunks(document_id);
"""
_DOCUMENT_COLUMNS = (
    "id, source, file_path, content_hash, title, published, published_raw, outlet, author, url, "
    "text, indexed_at"
)
_CHUNK_COLUMNS = "id, document_id, chunk_index, start, end, tokens, text"


@dataclass(frozen=True)
class SegmentInfo:
    """A segment as a version records it."""

    name: str
    documents: int
    chunks: int
    vectors: VectorIndexSpec

    def as_json(self) -> dict[str, Any]:
        """The entry in version.json."""
        return {
            "name": self.name,
            "documents": self.documents,
            "chunks": self.chunks,
            "vectors": self.vectors.as_json(),
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> SegmentInfo:
        """An entry read back from version.json."""
        return cls(
            name=str(raw["name"]),
            documents=int(raw["documents"]),
            chunks=int(raw["chunks"]),
            vectors=VectorIndexSpec.from_json(raw["vectors"]),
        )


@dataclass
class Tombstones:
    """Rows of older segments that a version no longer holds, by segment."""

    documents: dict[str, set[str]] = field(default_factory=dict)
    files: dict[str, set[str]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The content of tombstones.json."""
        return {
            "documents": {s: sorted(ids) for s, ids in sorted(self.documents.items()) if ids},
            "files": {s: sorted(paths) for s, paths in sorted(self.files.items()) if paths},
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Tombstones:
        """Tombstones read back from tombstones.json."""
        return cls(
            documents={s: set(ids) for s, ids in raw["documents"].items()},
            files={s: set(paths) for s, paths in raw["files"].items()},
        )

    def only(self, segments: Sequence[str]) -> Tombstones:
        """The tombstones of these segments (a merged segment needs none)."""
        keep = set(segments)
        return Tombstones(
            documents={s: set(v) for s, v in self.documents.items() if s in keep},
            files={s: set(v) for s, v in self.files.items() if s in keep},
        )


@dataclass(frozen=True)
class VersionLayout:
    """What version.json and tombstones.json say about a version."""

    segments: tuple[SegmentInfo, ...]
    next_chunk_id: int
    tombstones: Tombstones


def read_version(folder: Path) -> VersionLayout:
    """The layout of the version in `folder`; StoreCorrupt when it cannot be read."""
    try:
        raw = json.loads((folder / VERSION_FILE).read_text(encoding="utf-8"))
        dead = json.loads((folder / TOMBSTONES_FILE).read_text(encoding="utf-8"))
        return VersionLayout(
            segments=tuple(SegmentInfo.from_json(s) for s in raw["segments"]),
            next_chunk_id=int(raw["next_chunk_id"]),
            tombstones=Tombstones.from_json(dead),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StoreCorrupt(
            f"store version {folder.name} at {folder.parent.parent} cannot be read ({exc}); "
            f"re-run 'footnote index' to publish a new version"
        ) from exc


def write_version(folder: Path, layout: VersionLayout) -> None:
    """Write version.json and tombstones.json into a version being built."""
    version = {
        "segments": [s.as_json() for s in layout.segments],
        "next_chunk_id": layout.next_chunk_id,
    }
    (folder / VERSION_FILE).write_text(json.dumps(version, indent=2) + "\n", encoding="utf-8")
    tombstones = json.dumps(layout.tombstones.as_json(), indent=1) + "\n"
    (folder / TOMBSTONES_FILE).write_text(tombstones, encoding="utf-8")


def read_only_uri(path: Path) -> str:
    """A URI that opens a published (never changing) SQLite file without locking."""
    return f"file:{path}?mode=ro&immutable=1"


def attach_segments(
    db: sqlite3.Connection,
    root: Path,
    segments: Sequence[str],
    tombstones: Tombstones,
    *,
    writing: bool = False,
) -> dict[str, str]:
    """Attach the segments' docstores to `db` and create the live-row views over them.

    `db`'s main database must hold SCHEMA. With `writing`, it is the new segment being
    written, and its rows are part of the views too (it has no tombstones: the writer deletes
    its own rows outright); otherwise it stays empty. Returns each segment's schema name.
    """
    db.execute(
        "CREATE TEMP TABLE dead_documents (segment TEXT, id TEXT, PRIMARY KEY (segment, id))"
    )
    db.execute(
        "CREATE TEMP TABLE dead_files (segment TEXT, path TEXT, PRIMARY KEY (segment, path))"
    )
    sources = []
    for number, name in enumerate(segments):
        schema = f"s{number}"
        db.execute(f"ATTACH DATABASE ? AS {schema}", (read_only_uri(root / name / DOCSTORE_FILE),))
        sources.append((schema, name))
        for document_id in tombstones.documents.get(name, ()):
            db.execute("INSERT INTO temp.dead_documents VALUES (?, ?)", (name, document_id))
        for path in tombstones.files.get(name, ()):
            db.execute("INSERT INTO temp.dead_files VALUES (?, ?)", (name, path))
    schemas = {name: schema for schema, name in sources}
    if writing:
        sources.append(("main", ""))
    _create_views(db, sources)
    return schemas


def _create_views(db: sqlite3.Connection, sources: Sequence[tuple[str, str]]) -> None:
    def union(select: str) -> str:
        parts = [select.format(schema=schema, name=name) for schema, name in sources]
        if not parts:  # no segment: main holds the (empty) schema
            return f"SELECT * FROM ({select.format(schema='main', name='')}) WHERE 0"
        return " UNION ALL ".join(parts)

    live_document = (
        "NOT EXISTS (SELECT 1 FROM temp.dead_documents t "
        "WHERE t.segment = '{name}' AND t.id = {column})"
    )
    files = union(
        "SELECT path, raw_hash, size, '{name}' AS segment FROM {schema}.files f WHERE NOT EXISTS "
        "(SELECT 1 FROM temp.dead_files t WHERE t.segment = '{name}' AND t.path = f.path)"
    )
    documents = union(
        f"SELECT {_DOCUMENT_COLUMNS}, '{{name}}' AS segment FROM {{schema}}.documents d WHERE "
        + live_document.replace("{column}", "d.id")
    )
    chunks = union(
        f"SELECT {_CHUNK_COLUMNS}, '{{name}}' AS segment FROM {{schema}}.chunks c WHERE "
        + live_document.replace("{column}", "c.document_id")
    )
    db.execute(f"CREATE TEMP VIEW files AS {files}")
    db.execute(f"CREATE TEMP VIEW documents AS {documents}")
    db.execute(f"CREATE TEMP VIEW chunks AS {chunks}")
