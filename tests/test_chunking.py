"""Chunks fit the model, overlap, and slice back to their text."""

from __future__ import annotations

import pytest

from indexer.chunking import SPECIAL_TOKENS, TokenChunker
from indexer.embedding import SentenceTransformerEmbedder

PARAGRAPH = (
    "The harbour council met on Tuesday to discuss the new breakwater. "
    "Engineers said the 4.2 kilometre structure would cost 310 million crowns. "
    "Opposition members asked why the tender had been awarded without a public hearing. "
    "The mayor, Ilse Varkonen, promised to publish every contract before the summer recess. "
)


def make_chunker(
    embedder: SentenceTransformerEmbedder, chunk: int = 64, overlap: int = 24
) -> TokenChunker:
    return TokenChunker.for_embedder(embedder, chunk_tokens=chunk, overlap_tokens=overlap)


def test_every_chunk_slices_back_to_its_text(embedder: SentenceTransformerEmbedder) -> None:
    text = "\n\n".join([PARAGRAPH] * 6)
    chunks = make_chunker(embedder).split("doc", text)
    assert len(chunks) > 3
    for i, chunk in enumerate(chunks):
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.chunk_index == i
        assert chunk.document_id == "doc"


def test_no_chunk_exceeds_the_models_sequence_length(embedder: SentenceTransformerEmbedder) -> None:
    # One enormous "word" (a pasted URL list) and very long sentences must still be split.
    junk = "https://example.invalid/" + "x" * 3000
    text = PARAGRAPH * 20 + junk + " " + ("word " * 900)
    chunker = make_chunker(embedder, chunk=254, overlap=48)
    for chunk in chunker.split("doc", text):
        assert chunk.tokens <= 254
        encoded = embedder.tokenizer(chunk.text)["input_ids"]
        assert len(encoded) <= embedder.max_seq_length
        assert chunk.tokens + SPECIAL_TOKENS == len(encoded)


def test_adjacent_chunks_share_whole_sentences(embedder: SentenceTransformerEmbedder) -> None:
    text = " ".join([PARAGRAPH] * 8)
    chunks = make_chunker(embedder, chunk=80, overlap=40).split("doc", text)
    overlaps = [b.start < a.end for a, b in zip(chunks, chunks[1:], strict=False)]
    assert sum(overlaps) >= len(overlaps) // 2
    for a, b in zip(chunks, chunks[1:], strict=False):
        if b.start < a.end:
            assert text[b.start : a.end].strip().endswith(".")


def test_chunker_refuses_a_size_the_model_would_truncate(
    embedder: SentenceTransformerEmbedder,
) -> None:
    with pytest.raises(ValueError, match="max_seq_length"):
        make_chunker(embedder, chunk=embedder.max_seq_length)
    with pytest.raises(ValueError, match="overlap"):
        make_chunker(embedder, chunk=64, overlap=64)


def test_empty_text_gives_no_chunks(embedder: SentenceTransformerEmbedder) -> None:
    assert make_chunker(embedder).split("doc", "  \n\n ") == []


def test_token_counts_are_exact_however_the_tokenizer_was_last_used(
    embedder: SentenceTransformerEmbedder,
) -> None:
    # The model's tokenizer files truncate at 128 tokens, and a call with truncation leaves the
    # shared tokenizer truncating; a chunk's count must not be cut short by either.
    text = PARAGRAPH * 6
    embedder.tokenizer([PARAGRAPH], truncation=True, max_length=16)
    expected = len(embedder.tokenizer.tokenize(text))
    assert expected > 300
    assert embedder.count_tokens(text) == expected
