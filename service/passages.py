"""Passage: a retrieved chunk with its provenance and scores, as the answerer sees it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Passage:
    """A chunk of an article returned by retrieval; `text == article_text[start:end]`."""

    chunk_id: int
    document_id: str
    source: str
    title: str | None
    published: str | None
    outlet: str | None
    text: str
    start: int
    end: int
    score: float
    dense_score: float | None = None
    lexical_score: float | None = None

    def published_in(self, days: tuple[str, str] | None) -> bool:
        """Whether its article was published within `days` (first and last ISO day)."""
        if days is None or not self.published:
            return False
        return days[0] <= self.published[:10] <= days[1]
