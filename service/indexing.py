"""Build the indexer's parts from Settings; shared by the CLI and the API's upload route."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from indexer.chunking import TokenChunker
from indexer.embedding import SentenceTransformerEmbedder, load_embedder
from indexer.pipeline import IndexSummary, ProgressCallback, index_paths
from indexer.store_writer import StoreWriter
from service.settings import Settings


def embedder_for(settings: Settings) -> SentenceTransformerEmbedder:
    """The process-wide embedding model the settings name."""
    return load_embedder(settings.embedding_model, settings.embedding_batch_size)


def chunker_for(settings: Settings, embedder: SentenceTransformerEmbedder) -> TokenChunker:
    """A chunker measuring chunks in the embedding model's own tokens."""
    return TokenChunker(
        embedder.count_tokens,
        max_seq_length=embedder.max_seq_length,
        chunk_tokens=settings.chunk_tokens,
        overlap_tokens=settings.chunk_overlap_tokens,
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
) -> IndexSummary:
    """Index `paths` into the settings' store and publish a new version if anything changed."""
    embedder = embedder_for(settings)
    chunker = chunker_for(settings, embedder)
    with writer_for(settings, embedder) as writer:
        return index_paths(
            paths,
            writer,
            embedder=embedder,
            chunker=chunker,
            max_file_bytes=settings.max_file_bytes,
            prune=prune,
            on_progress=on_progress,
        )
