"""BM25 over a store's segments: each segment writes its postings once, scores use every segment.

A segment's lexical index is written with the segment and never changed (files in its folder):

    lexical-terms.json     the segment's terms, in row order
    lexical-indptr.npy     int64: row t's postings are entries indptr[t]:indptr[t + 1]
    lexical-postings.npy   int32: chunk positions within the segment (ids.npy gives the ids)
    lexical-tf.npy         float32: how often the term occurs in that chunk
    lexical-lengths.npy    float32: terms per chunk, by position

Scores are Lucene's BM25 (bm25s's default, which this replaced: k1 1.5, b 0.75, idf
log(1 + (N - df + 0.5) / (df + 0.5)), no (k1 + 1) factor, as in Lucene since 8.0), with N, df
and the average length summed over all the version's segments, so that adding a segment
rewrites no file of the others. As in Lucene, the statistics count a deleted chunk until its
segment is merged; its score is never returned.
Arrays are memory-mapped, so opening a large segment costs little more than reading its terms.
"""

from __future__ import annotations

import json
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

K1 = 1.5
B = 0.75
_TERMS = "lexical-terms.json"
_INDPTR = "lexical-indptr.npy"
_POSTINGS = "lexical-postings.npy"
_TF = "lexical-tf.npy"
_LENGTHS = "lexical-lengths.npy"
LEXICAL_FILES = (_TERMS, _INDPTR, _POSTINGS, _TF, _LENGTHS)


def write_lexical(folder: Path, chunk_terms: Iterable[Sequence[str]]) -> None:
    """Write the postings of a segment whose chunks, by position, have these terms."""
    vocabulary: dict[str, int] = {}
    rows, positions, counts, lengths = array("q"), array("i"), array("f"), array("f")
    for position, terms in enumerate(chunk_terms):
        lengths.append(len(terms))
        for term, count in Counter(terms).items():
            rows.append(vocabulary.setdefault(term, len(vocabulary)))
            positions.append(position)
            counts.append(count)
    row = np.frombuffer(rows, dtype=np.int64) if rows else np.zeros(0, dtype=np.int64)
    order = np.argsort(row, kind="stable")  # by term, positions ascending within each
    indptr = np.zeros(len(vocabulary) + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=len(vocabulary)), out=indptr[1:])
    np.save(folder / _INDPTR, indptr)
    np.save(folder / _POSTINGS, _as_array(positions, np.int32)[order])
    np.save(folder / _TF, _as_array(counts, np.float32)[order])
    np.save(folder / _LENGTHS, _as_array(lengths, np.float32))
    (folder / _TERMS).write_text(json.dumps(list(vocabulary)), encoding="utf-8")


def _as_array(values: array, dtype: type[np.generic]) -> npt.NDArray:  # type: ignore[type-arg]
    return np.frombuffer(values, dtype=dtype) if values else np.zeros(0, dtype=dtype)


class LexicalSegment:
    """One segment's postings, memory-mapped."""

    def __init__(self, folder: Path) -> None:
        terms = json.loads((folder / _TERMS).read_text(encoding="utf-8"))
        self._rows = {term: row for row, term in enumerate(terms)}
        self._indptr = np.load(folder / _INDPTR, mmap_mode="r")
        self._postings = np.load(folder / _POSTINGS, mmap_mode="r")
        self._tf = np.load(folder / _TF, mmap_mode="r")
        self.lengths = np.load(folder / _LENGTHS, mmap_mode="r")

    def df(self, term: str) -> int:
        """How many of this segment's chunks hold `term`."""
        row = self._rows.get(term)
        return 0 if row is None else int(self._indptr[row + 1] - self._indptr[row])

    def postings(self, term: str) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
        """Positions of the chunks holding `term`, and how often each holds it."""
        row = self._rows.get(term)
        if row is None:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        start, end = int(self._indptr[row]), int(self._indptr[row + 1])
        return self._postings[start:end], self._tf[start:end]


@dataclass(frozen=True)
class LexicalPart:
    """A segment's postings with the chunk ids of its positions and which of them are deleted."""

    postings: LexicalSegment
    ids: npt.NDArray[np.int64]
    dead: npt.NDArray[np.bool_] | None  # by position; None when nothing was deleted


class LexicalIndex:
    """BM25 over every segment of one store version."""

    def __init__(self, parts: Sequence[LexicalPart]) -> None:
        self._parts = list(parts)
        self.chunks = sum(len(p.ids) for p in self._parts)
        total_length = sum(float(np.sum(p.postings.lengths, dtype=np.float64)) for p in parts)
        self._average_length = total_length / self.chunks if self.chunks else 1.0

    def search(
        self, terms: Sequence[str], k: int, allowed: npt.NDArray[np.int64] | None = None
    ) -> list[tuple[int, float]]:
        """Chunk ids by BM25 score, best first; chunks sharing no term are left out."""
        if not terms or not self.chunks:
            return []
        weights = {term: self._idf(term) for term in terms}
        hits: list[tuple[int, float]] = []
        for part in self._parts:
            hits.extend(self._search_part(part, terms, weights, k, allowed))
        hits.sort(key=lambda hit: (-hit[1], hit[0]))
        return hits[:k]

    def _idf(self, term: str) -> float:
        df = sum(part.postings.df(term) for part in self._parts)
        return float(np.log(1.0 + (self.chunks - df + 0.5) / (df + 0.5)))

    def _search_part(
        self,
        part: LexicalPart,
        terms: Sequence[str],
        weights: dict[str, float],
        k: int,
        allowed: npt.NDArray[np.int64] | None,
    ) -> list[tuple[int, float]]:
        scores = np.zeros(len(part.ids), dtype=np.float32)
        for term in terms:  # a term asked twice counts twice, as in bm25s
            positions, tf = part.postings.postings(term)
            if len(positions):
                norm = K1 * (1.0 - B + B * part.postings.lengths[positions] / self._average_length)
                # Positions are distinct within one term's postings, so += adds each once.
                scores[positions] += weights[term] * tf / (tf + norm)
        if part.dead is not None:
            scores[part.dead] = 0.0
        found = np.flatnonzero(scores > 0)
        if allowed is not None:
            found = found[np.isin(part.ids[found], allowed)]
        if len(found) > k:  # keep ties with the k-th, so the merged order breaks them by id
            kth = np.partition(scores[found], len(found) - k)[len(found) - k]
            found = found[scores[found] >= kth]
        return [(int(part.ids[p]), float(scores[p])) for p in found]
