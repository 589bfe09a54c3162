"""Split cleaned article text into overlapping, token-bounded chunks that keep their offsets."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from langchain_text_splitters import RecursiveCharacterTextSplitter

if TYPE_CHECKING:
    from indexer.embedding import Embedder

# The model wraps every input in [CLS] ... [SEP]; those two tokens count against max_seq_length.
SPECIAL_TOKENS = 2
# The splitter measures each sentence two or three times (once to see whether it needs
# splitting, again while merging, again when the overlap drops it), and each chunk is measured
# again to check and record it; counts remembered within a document make each one count once.
COUNT_CACHE_SIZE = 4096
# Sentences are the unit (line breaks and sentence ends), then words, then characters: chunks
# end on natural breaks, and the overlap can carry whole sentences (paragraph-sized units would
# be too big to overlap at all).
_SEPARATORS = [r"\n\s*|(?<=[.!?])\s+|(?<=[.!?][\"'”’])\s+", r"\s+", ""]


@dataclass(frozen=True)
class Chunk:
    """A passage of one document: `text == document_text[start:end]`."""

    document_id: str
    chunk_index: int
    start: int
    end: int
    text: str
    tokens: int


class TokenChunker:
    """Splits text into chunks of at most `chunk_tokens` model tokens, overlapping by a few."""

    def __init__(
        self,
        count_tokens: Callable[[str], int],
        *,
        max_seq_length: int,
        chunk_tokens: int,
        overlap_tokens: int,
    ) -> None:
        if chunk_tokens + SPECIAL_TOKENS > max_seq_length:
            raise ValueError(
                f"chunk_tokens={chunk_tokens} does not fit the model's max_seq_length="
                f"{max_seq_length}; use at most {max_seq_length - SPECIAL_TOKENS}"
            )
        if not 0 <= overlap_tokens < chunk_tokens:
            raise ValueError("overlap_tokens must be at least 0 and below chunk_tokens")
        self.count_tokens = functools.lru_cache(maxsize=COUNT_CACHE_SIZE)(count_tokens)
        self.limit = chunk_tokens
        self._splitter = _make_splitter(self.count_tokens, chunk_tokens, overlap_tokens)

    @classmethod
    def for_embedder(
        cls, embedder: Embedder, *, chunk_tokens: int, overlap_tokens: int
    ) -> TokenChunker:
        """A chunker measuring chunks in `embedder`'s own tokens, within its input length."""
        return cls(
            embedder.count_tokens,
            max_seq_length=embedder.max_seq_length,
            chunk_tokens=chunk_tokens,
            overlap_tokens=overlap_tokens,
        )

    def split(self, document_id: str, text: str) -> list[Chunk]:
        """Chunks covering `text`, in order, each a verbatim slice of it."""
        # Counts are kept for one document only, so a corpus that repeats its sentences costs
        # what any other corpus costs (and a benchmark of one measures real work).
        self.count_tokens.cache_clear()
        pieces = [p for p in self._splitter.split_text(text) if p.strip()]
        chunks: list[Chunk] = []
        cursor = 0
        for piece in self._enforce_limit(pieces):
            start = text.find(piece, cursor)
            if start < 0:  # overlap can start a chunk before the last one ended
                start = text.find(piece)
            end = start + len(piece)
            chunks.append(
                Chunk(document_id, len(chunks), start, end, piece, self.count_tokens(piece))
            )
            cursor = start + 1
        return chunks

    def _enforce_limit(self, pieces: Sequence[str]) -> list[str]:
        # Token counts are not additive across joins, so a merged chunk can come out a token or
        # two over; split those again with a smaller target rather than let the model truncate.
        out: list[str] = []
        for piece in pieces:
            if self.count_tokens(piece) <= self.limit:
                out.append(piece)
                continue
            smaller = _make_splitter(self.count_tokens, max(8, self.limit * 3 // 4), 0)
            out.extend(self._enforce_limit([p for p in smaller.split_text(piece) if p.strip()]))
        return out


def _make_splitter(
    count_tokens: Callable[[str], int], chunk_tokens: int, overlap_tokens: int
) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        separators=_SEPARATORS,
        is_separator_regex=True,
        keep_separator=True,
        chunk_size=chunk_tokens,
        chunk_overlap=overlap_tokens,
        length_function=count_tokens,
        strip_whitespace=True,
    )
