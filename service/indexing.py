"""Build the indexer's parts from Settings; shared by the CLI and the API's upload route."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from indexer.chunking import TokenChunker
from indexer.embedding import SentenceTransformerEmbedder, load_embedder
from indexer.pipeline import IndexSummary, ProgressCallback, index_paths
from indexer.store_writer import StoreWriter, storage_errors
from service.settings import Settings

if TYPE_CHECKING:
    from indexer.ray_indexing import RayIndexer

logger = logging.getLogger(__name__)

# Uploaded files live here, inside the store's folder; the store records the ones it indexed.
UPLOADS_DIR = "uploads"

# Given the locked writer, the extra files to index (the API claims its upload names here).
PrepareFiles = Callable[[StoreWriter], Sequence[Path]]


def embedder_for(settings: Settings) -> SentenceTransformerEmbedder:
    """The process-wide embedding model the settings name."""
    return load_embedder(settings.embedding_model, settings.embedding_batch_size)


def chunker_for(settings: Settings, embedder: SentenceTransformerEmbedder) -> TokenChunker:
    """A chunker measuring chunks in the embedding model's own tokens."""
    return TokenChunker.for_embedder(
        embedder, chunk_tokens=settings.chunk_tokens, overlap_tokens=settings.chunk_overlap_tokens
    )


def writer_for(settings: Settings, embedder: SentenceTransformerEmbedder) -> StoreWriter:
    """An (unentered) writer for the settings' store."""
    return StoreWriter(
        settings.index_dir,
        model=embedder.name,
        dim=embedder.dim,
        chunk_tokens=settings.chunk_tokens,
    )


def index_into_store(
    paths: Sequence[Path],
    settings: Settings,
    *,
    prune: bool = False,
    on_progress: ProgressCallback | None = None,
    prepare: PrepareFiles | None = None,
    ray_address: str | None = None,
) -> IndexSummary:
    """Index `paths` into the settings' store and publish a new version if anything changed.

    Holding the store's lock, it first deletes uploads no published version records (left by a
    writer killed mid-run), then asks `prepare` for more files to index. With `ray_address`
    the files are parsed, chunked and embedded on that Ray cluster (indexer/ray_indexing.py).
    """
    with _cluster(ray_address, settings) as cluster:
        embedder = embedder_for(settings)
        chunker = chunker_for(settings, embedder)
        with storage_errors("indexing"), writer_for(settings, embedder) as writer:
            remove_unpublished_uploads(settings.index_dir, writer)
            if prepare is not None:
                paths = [*paths, *prepare(writer)]
            if cluster is not None:
                return cluster.index_paths(
                    paths,
                    writer,
                    max_file_bytes=settings.max_file_bytes,
                    prune=prune,
                    on_progress=on_progress,
                )
            return index_paths(
                paths,
                writer,
                embedder=embedder,
                chunker=chunker,
                max_file_bytes=settings.max_file_bytes,
                prune=prune,
                on_progress=on_progress,
            )


def _cluster(address: str | None, settings: Settings) -> AbstractContextManager[RayIndexer | None]:
    """The Ray cluster to index on (connected before the store is locked), or None."""
    if address is None:
        return nullcontext(None)
    from indexer.ray_indexing import WorkerRecipe, ray_cluster

    recipe = WorkerRecipe(
        model=settings.embedding_model,
        batch_size=settings.embedding_batch_size,
        chunk_tokens=settings.chunk_tokens,
        overlap_tokens=settings.chunk_overlap_tokens,
    )
    return ray_cluster(address, recipe)


def remove_unpublished_uploads(index_dir: Path, writer: StoreWriter) -> list[Path]:
    """Delete uploaded files that no published store version records; returns them.

    Upload names are claimed only while the store's lock is held (see `prepare` above), so
    with the lock held here, an unrecorded upload belongs to a writer that died before
    publishing. Hidden files are temporary files of uploads still arriving: left alone.
    """
    directory = (index_dir / UPLOADS_DIR).resolve()
    if not directory.is_dir():
        return []
    known = set(writer.known_files())
    orphans = [
        p
        for p in sorted(directory.iterdir())
        if p.is_file() and not p.name.startswith(".") and str(p) not in known
    ]
    for path in orphans:
        path.unlink(missing_ok=True)
        logger.warning("deleted %s: an upload that no store version records", path.name)
    return orphans
