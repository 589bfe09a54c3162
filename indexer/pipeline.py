"""Index files into a store: pure batch stages (parse, chunk, embed) feeding the store writer.

Each stage is a function over a batch, so a distributed engine can run them on many machines
and only the final `StoreWriter` calls need to happen in one place.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from indexer.chunking import Chunk, TokenChunker
from indexer.embedding import Embedder
from indexer.errors import IngestError
from indexer.ingest import ParsedFile, Skipped, SourceFile, discover, parse_bytes, parse_file
from indexer.store_writer import NewDocument, StoreWriter

logger = logging.getLogger(__name__)

# Documents embedded together: big enough to keep the model's batches full, small enough that
# memory stays flat however large the corpus is.
DOCUMENTS_PER_BATCH = 128

ProgressCallback = Callable[[int, int], None]


@dataclass
class IndexSummary:
    """What one indexing run changed."""

    documents_added: int = 0
    documents_updated: int = 0
    documents_unchanged: int = 0
    documents_removed: int = 0
    chunks_added: int = 0
    tokens_embedded: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    version: str | None = None
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The summary as plain JSON types."""
        data = asdict(self)
        data["changed"] = self.version is not None
        return data


def chunk_documents(documents: Sequence[NewDocument], chunker: TokenChunker) -> list[list[Chunk]]:
    """Stage: each document's chunks."""
    return [chunker.split(doc.id, doc.text) for doc in documents]


def embed_chunks(chunks: Sequence[Chunk], embedder: Embedder) -> npt.NDArray[np.float32]:
    """Stage: one unit vector per chunk."""
    return embedder.embed([c.text for c in chunks])


def index_paths(
    paths: Sequence[Path],
    writer: StoreWriter,
    *,
    embedder: Embedder,
    chunker: TokenChunker,
    max_file_bytes: int,
    prune: bool = False,
    on_progress: ProgressCallback | None = None,
) -> IndexSummary:
    """Bring the store in line with the files under `paths`, then publish it if anything changed.

    A batch embeds on a worker thread while this thread writes the batch before it and parses
    and chunks the next one, so the cores the embedding model uses are not left idle meanwhile.
    The store is written only from this thread, in the order the files were found.
    """
    started = time.perf_counter()
    summary = IndexSummary()
    files, summary.skipped = discover(paths)
    pending: list[ParsedFile] = []
    seen_hashes: dict[str, str] = {}
    embedding = ThreadPoolExecutor(max_workers=1, thread_name_prefix="footnote-embed")
    previous: _Batch | None = None  # embedding, or embedded and waiting to be written
    try:
        for done, file in enumerate(files, start=1):
            parsed = _parse_if_changed(file, writer, summary, max_file_bytes)
            if parsed is not None:
                pending.append(parsed)
            if sum(len(p.documents) for p in pending) >= DOCUMENTS_PER_BATCH:
                batch = _start_batch(
                    pending, writer, embedder, chunker, summary, seen_hashes, embedding
                )
                pending = []
                if previous is not None:
                    _write_batch(previous, writer, summary)
                previous = batch
            if on_progress is not None:
                on_progress(done, len(files))
        last = _start_batch(pending, writer, embedder, chunker, summary, seen_hashes, embedding)
        if previous is not None:
            _write_batch(previous, writer, summary)
        _write_batch(last, writer, summary)
    finally:
        # On an error nothing more is written, and no queued batch starts embedding.
        embedding.shutdown(wait=True, cancel_futures=True)
    if prune:
        summary.documents_removed += prune_missing_files(writer)
    summary.version = writer.commit()
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


@dataclass
class _Batch:
    """Parsed files, their new documents' chunks, and those chunks' vectors on the way."""

    files: list[ParsedFile]
    documents: list[NewDocument]
    chunk_lists: list[list[Chunk]]
    vectors: Future[npt.NDArray[np.float32]]


def _parse_if_changed(
    file: SourceFile, writer: StoreWriter, summary: IndexSummary, max_file_bytes: int
) -> ParsedFile | None:
    file_path = str(file.path)
    try:
        parsed = parse_file(file, max_bytes=max_file_bytes)
    except IngestError as exc:
        # A file that became unreadable keeps its previously indexed version: lose nothing.
        summary.skipped.append(Skipped(file.source, str(exc)))
        return None
    except OSError as exc:
        summary.skipped.append(Skipped(file.source, f"cannot read file: {exc.strerror}"))
        return None
    summary.skipped.extend(parsed.problems)
    if writer.file_hash(file_path) == parsed.raw_hash:
        summary.documents_unchanged += len(writer.documents_of_file(file_path))
        return None
    return parsed


def _start_batch(
    files: list[ParsedFile],
    writer: StoreWriter,
    embedder: Embedder,
    chunker: TokenChunker,
    summary: IndexSummary,
    seen_hashes: dict[str, str],
    embedding: ThreadPoolExecutor,
) -> _Batch:
    documents = [d for p in files for d in keep_unique(p, writer, summary, seen_hashes)]
    chunk_lists = chunk_documents(documents, chunker)
    flat = [c for chunks in chunk_lists for c in chunks]
    return _Batch(files, documents, chunk_lists, embedding.submit(embed_chunks, flat, embedder))


def _write_batch(batch: _Batch, writer: StoreWriter, summary: IndexSummary) -> None:
    vectors = batch.vectors.result()
    offset = 0
    for doc, chunks in zip(batch.documents, batch.chunk_lists, strict=True):
        write_document(doc, chunks, vectors[offset : offset + len(chunks)], writer, summary)
        offset += len(chunks)
    for parsed in batch.files:
        record_parsed_file(parsed, writer, summary)


def write_document(
    doc: NewDocument,
    chunks: list[Chunk],
    vectors: npt.NDArray[np.float32],
    writer: StoreWriter,
    summary: IndexSummary,
) -> None:
    """Store one document with its chunks and their vectors, and count it."""
    existed = writer.has_document(doc.id)
    writer.put_document(doc, chunks, vectors)
    summary.chunks_added += len(chunks)
    summary.tokens_embedded += sum(c.tokens for c in chunks)
    if existed:
        summary.documents_updated += 1
    else:
        summary.documents_added += 1


def record_parsed_file(parsed: ParsedFile, writer: StoreWriter, summary: IndexSummary) -> None:
    """After a file's documents are written: drop the ones it lost, and record its hash."""
    file_path = str(parsed.file.path)
    _drop_vanished_records(parsed, writer, summary)
    if writer.documents_of_file(file_path) or writer.file_hash(file_path) is not None:
        writer.record_file(file_path, parsed.raw_hash, parsed.size)
    # else every article in it duplicates one stored from another file: recording it would
    # publish a new version that changes nothing, and it is checked again next run.


@dataclass(frozen=True)
class PreparedFile:
    """One changed file parsed, its documents chunked and every chunk embedded."""

    parsed: ParsedFile
    chunk_lists: list[list[Chunk]]  # one list per document of `parsed`
    vectors: npt.NDArray[np.float32]  # one row per chunk, documents in order


def prepare_files(
    files: Sequence[tuple[SourceFile, bytes]], *, embedder: Embedder, chunker: TokenChunker
) -> list[PreparedFile | Skipped]:
    """Stage: parse, chunk and embed files already read, in one embedding call.

    Pure (no store, no disk), so any machine with the models can run it; a file that cannot be
    parsed comes back as Skipped, in its place.
    """
    read = [_parse_or_skip(file, data) for file, data in files]
    parsed = [r for r in read if isinstance(r, ParsedFile)]
    chunk_lists = [chunk_documents(p.documents, chunker) for p in parsed]
    flat = [c for lists in chunk_lists for chunks in lists for c in chunks]
    vectors = embed_chunks(flat, embedder)
    prepared: list[PreparedFile] = []
    offset = 0
    for p, lists in zip(parsed, chunk_lists, strict=True):
        count = sum(len(chunks) for chunks in lists)
        prepared.append(PreparedFile(p, lists, vectors[offset : offset + count]))
        offset += count
    ready = iter(prepared)
    return [next(ready) if isinstance(r, ParsedFile) else r for r in read]


def _parse_or_skip(file: SourceFile, data: bytes) -> ParsedFile | Skipped:
    try:
        return parse_bytes(file, data)
    except IngestError as exc:
        return Skipped(file.source, str(exc))


def write_prepared(
    prepared: PreparedFile, writer: StoreWriter, summary: IndexSummary, seen: dict[str, str]
) -> None:
    """Write a prepared file as the local pipeline writes it: duplicates left out, in order."""
    parsed = prepared.parsed
    summary.skipped.extend(parsed.problems)
    rows: dict[str, tuple[list[Chunk], npt.NDArray[np.float32]]] = {}
    offset = 0
    for doc, chunks in zip(parsed.documents, prepared.chunk_lists, strict=True):
        rows[doc.id] = (chunks, prepared.vectors[offset : offset + len(chunks)])
        offset += len(chunks)
    for doc in keep_unique(parsed, writer, summary, seen):
        chunks, vectors = rows[doc.id]
        write_document(doc, chunks, vectors, writer, summary)
    record_parsed_file(parsed, writer, summary)


def keep_unique(
    parsed: ParsedFile, writer: StoreWriter, summary: IndexSummary, seen: dict[str, str]
) -> list[NewDocument]:
    """The file's documents whose text no other source (stored, or `seen` this run) has."""
    kept = []
    for doc in parsed.documents:
        twin = seen.get(doc.content_hash) or writer.source_with_content(
            doc.content_hash, other_than=doc.source
        )
        if twin is not None and twin != doc.source:
            summary.skipped.append(Skipped(doc.source, f"duplicate of {twin}"))
            continue
        seen[doc.content_hash] = doc.source
        kept.append(doc)
    return kept


def _drop_vanished_records(parsed: ParsedFile, writer: StoreWriter, summary: IndexSummary) -> None:
    # A changed JSONL file may have lost records; their documents go with them.
    current = {d.id for d in parsed.documents}
    for old in writer.documents_of_file(str(parsed.file.path)):
        if old not in current and writer.remove_document(old):
            summary.documents_removed += 1


def prune_missing_files(writer: StoreWriter) -> int:
    """Remove documents whose files no longer exist; returns how many were removed."""
    removed = 0
    for file_path in writer.known_files():
        if not Path(file_path).exists():
            logger.info("pruning %s: the file is gone", file_path)
            removed += writer.forget_file(file_path)
    return removed
