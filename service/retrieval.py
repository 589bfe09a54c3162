"""Hybrid retrieval: dense (FAISS) and lexical (BM25) rankings fused, capped per document.

Both rankings come from the store (its vectors and its postings), written by the indexer.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from indexer.embedding import Embedder, available_cores
from indexer.store import Store, StoredChunk
from service.batching import Batcher
from service.errors import InvalidRequest
from service.passages import Passage
from service.settings import RECENT_DAYS
from service.terms import index_terms

# Reciprocal rank fusion constant from Cormack et al. (2009); damps the top ranks' weight.
RRF_K = 60
# How many candidates each ranker contributes per requested passage, before fusion and caps.
CANDIDATES_PER_RESULT = 8
MIN_CANDIDATES = 40
# Fused candidates read from the docstore at a time (at least twice the passages wanted).
MIN_FETCH = 10
# Concurrent unfiltered searches share one embedding call and one pass over the FAISS index,
# at most this many at a time (see service/batching.py; an idle service batches nothing).
DENSE_BATCH = 8
# Articles published in the RECENT_DAYS up to the question's date rank higher: news questions
# ask about "this week" (RealTime QA's are asked on a date, about the week before it). The
# recent articles are ranked again on their own and fused as two more rankings of this weight.
RECENT_WEIGHT = 0.5
MAX_CACHED_WEEKS = 256


@dataclass(frozen=True)
class SearchFilters:
    """Restrictions on which documents may be returned, and the date the question is asked on.

    `as_of` (ISO date) is a preference, not a restriction: articles published in the
    `RECENT_DAYS` up to it rank higher, older ones still count. None means today.
    """

    published_from: str | None = None
    published_to: str | None = None
    sources: tuple[str, ...] = ()
    as_of: str | None = field(default=None, kw_only=True)

    @property
    def active(self) -> bool:
        """Whether any restriction is set."""
        return bool(self.published_from or self.published_to or self.sources)

    @property
    def given(self) -> bool:
        """Whether anything is set: a restriction or the day asked on."""
        return self.active or self.as_of is not None


def recent_range(as_of: str | None, days: int) -> tuple[str, str] | None:
    """The ISO dates (inclusive) of the `days` before `as_of` (None: today), or None if 0."""
    if days <= 0:
        return None
    end = date.fromisoformat(as_of) if as_of else date.today()
    try:
        start = end - timedelta(days=days)
    except OverflowError:  # "0001-01-03": the week starts at the calendar's first day
        start = date.min
    return start.isoformat(), end.isoformat()


class Retriever:
    """Finds the passages of one store version that best match a query."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        *,
        max_top_k: int = 50,
        max_per_document: int = 3,
        recent_days: int = RECENT_DAYS,
    ) -> None:
        if max_top_k < 1 or max_per_document < 1:
            raise ValueError("max_top_k and max_per_document must be at least 1")
        self.store = store
        self.embedder = embedder
        self.max_top_k = max_top_k
        self.max_per_document = max_per_document
        self.recent_days = recent_days
        # Chunk ids per week asked about: this store version never changes, and the lookup
        # joins every chunk with its document (17 ms on 37,655 chunks), so it is done once.
        self._weeks: dict[tuple[str, str], np.ndarray] = {}
        self._weeks_lock = threading.Lock()
        # Not a bound method: a Retriever referenced from its own Batcher would be freed only
        # by the cyclic collector, so each replaced store version (its docstore connection,
        # page caches and deletion masks) outlived its swap by minutes in a busy service.
        self._dense: Batcher[_DenseQuery, list[tuple[int, float]]] = Batcher(
            functools.partial(_dense_rankings, store, embedder),
            lanes=available_cores(),
            max_batch=DENSE_BATCH,
        )

    def search(
        self,
        query: str,
        *,
        top_k: int = 5,
        filters: SearchFilters | None = None,
        query_vector: np.ndarray | None = None,
    ) -> list[Passage]:
        """The best `top_k` passages for `query`, best first (`query_vector`: its embedding)."""
        if not query.strip():
            raise InvalidRequest("the query is empty; ask a question with some words in it")
        if not 1 <= top_k <= self.max_top_k:
            raise InvalidRequest(f"top_k must be between 1 and {self.max_top_k}, not {top_k}")
        filters = filters or SearchFilters()
        allowed = None
        if filters.active:
            allowed = self.store.chunk_ids_where(
                published_from=filters.published_from,
                published_to=filters.published_to,
                sources=filters.sources,
            )
            if not len(allowed) and filters.sources:
                self._check_sources_exist(filters.sources)
        pool = max(MIN_CANDIDATES, top_k * CANDIDATES_PER_RESULT)
        recent = self._recent_ids(filters, allowed)
        if len(recent) and query_vector is None:
            query_vector = self.embedder.embed([query])[0]  # once, for both dense rankings
        dense = [(1.0, self.dense_ranking(query, pool, allowed, query_vector))]
        lexical = [(1.0, self.lexical_ranking(query, pool, allowed))]
        if len(recent):
            dense.append((RECENT_WEIGHT, self.dense_ranking(query, pool, recent, query_vector)))
            lexical.append((RECENT_WEIGHT, self.lexical_ranking(query, pool, recent)))
        return self._fuse(dense, lexical, top_k)

    def week_asked(self, filters: SearchFilters | None) -> tuple[str, str] | None:
        """First and last ISO day of the week the question is asked in; None if turned off."""
        return recent_range(filters.as_of if filters else None, self.recent_days)

    def _recent_ids(self, filters: SearchFilters, allowed: np.ndarray | None) -> np.ndarray:
        """Chunks of articles published in the days up to `filters.as_of` (and allowed)."""
        window = self.week_asked(filters)
        if window is None:
            return np.empty(0, dtype=np.int64)
        with self._weeks_lock:
            recent = self._weeks.get(window)
        if recent is None:
            recent = self.store.chunk_ids_where(published_from=window[0], published_to=window[1])
            with self._weeks_lock:
                if len(self._weeks) >= MAX_CACHED_WEEKS:
                    self._weeks.pop(next(iter(self._weeks)))  # the oldest entry
                self._weeks[window] = recent
        if allowed is not None:
            recent = np.intersect1d(recent, allowed)
        return recent

    def _check_sources_exist(self, sources: Sequence[str]) -> None:
        # "The articles don't say" would be false when the filter names no article at all.
        if not len(self.store.chunk_ids_where(sources=sources)):
            named = ", ".join(repr(s) for s in sources)
            raise InvalidRequest(
                f"no article matches the source {named}; give a file name as indexed, a folder "
                "prefix or an outlet (list them with 'footnote documents' or GET /v1/documents)"
            )

    def dense_ranking(
        self,
        query: str,
        k: int,
        allowed: np.ndarray | None = None,
        vector: np.ndarray | None = None,
    ) -> list[tuple[int, float]]:
        """Chunk ids by cosine similarity to the query's embedding."""
        if allowed is None:
            return self._dense(_DenseQuery(query, vector, k))
        if vector is None:
            vector = self.embedder.embed([query])[0]
        return self.store.search(vector, k, only_ids=allowed)

    def lexical_ranking(
        self, query: str, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Chunk ids by BM25 score; chunks sharing no term with the query are left out."""
        return self.store.lexical_search(index_terms(query), k, only_ids=allowed)

    def _fuse(
        self, dense: Sequence[_Weighted], lexical: Sequence[_Weighted], top_k: int
    ) -> list[Passage]:
        fused: dict[int, float] = {}
        for weight, ranking in (*dense, *lexical):
            for rank, (chunk_id, _) in enumerate(ranking, start=1):
                fused[chunk_id] = fused.get(chunk_id, 0.0) + weight / (RRF_K + rank)
        order = sorted(fused, key=lambda cid: fused[cid], reverse=True)
        # A chunk's cosine or BM25 score is the same in every ranking it appears in.
        dense_scores = {cid: score for _, ranking in dense for cid, score in ranking}
        lexical_scores = {cid: score for _, ranking in lexical for cid, score in ranking}
        per_document: dict[str, int] = {}
        passages: list[Passage] = []
        # Chunks are read from the docstore a page at a time: the per-document cap rarely
        # needs more than the first page, and reading all ~80 candidates cost a search ~2 ms.
        page = max(MIN_FETCH, 2 * top_k)
        for offset in range(0, len(order), page):
            ids = order[offset : offset + page]
            chunks = {c.id: c for c in self.store.get_chunks(ids)}
            for chunk_id in ids:
                chunk = chunks.get(chunk_id)
                if chunk is None:
                    continue
                taken = per_document.get(chunk.document_id, 0)
                if taken >= self.max_per_document:
                    continue  # diversity: leave room for other articles
                per_document[chunk.document_id] = taken + 1
                passages.append(_passage(chunk, fused[chunk_id], dense_scores, lexical_scores))
                if len(passages) == top_k:
                    return passages
        return passages


# A ranking of (chunk id, score) pairs, best first, and its weight in the fusion.
_Weighted = tuple[float, Sequence[tuple[int, float]]]


@dataclass(frozen=True)
class _DenseQuery:
    text: str
    vector: np.ndarray | None
    k: int


def _passage(
    chunk: StoredChunk, score: float, dense: dict[int, float], lexical: dict[int, float]
) -> Passage:
    return Passage(
        chunk_id=chunk.id,
        document_id=chunk.document_id,
        source=chunk.source,
        title=chunk.title,
        published=chunk.published,
        outlet=chunk.outlet,
        text=chunk.text,
        start=chunk.start,
        end=chunk.end,
        score=round(score, 6),
        dense_score=None if chunk.id not in dense else round(dense[chunk.id], 6),
        lexical_score=None if chunk.id not in lexical else round(lexical[chunk.id], 6),
    )


def _dense_rankings(
    store: Store, embedder: Embedder, queries: Sequence[_DenseQuery]
) -> list[list[tuple[int, float]]]:
    # One batch of concurrent searches: embed the queries that came without a vector
    # together, then one FAISS pass for all, each cut to its own k.
    missing = [q.text for q in queries if q.vector is None]
    embedded = iter(embedder.embed(missing))
    vectors = np.stack([q.vector if q.vector is not None else next(embedded) for q in queries])
    rankings = store.search_many(vectors, max(q.k for q in queries))
    return [ranking[: q.k] for ranking, q in zip(rankings, queries, strict=True)]
