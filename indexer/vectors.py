"""The vectors of one segment and the FAISS index that searches them.

Each segment keeps its vectors as written (`vectors.npy`, float32, normalized, by position, and
`ids.npy`, their chunk ids): they are what merges and approximate indexes are built from, and
they make a store comparable across machines. How they are searched depends on the segment's
size, and the choice is recorded in the store version (`VectorIndexSpec`):

- below `EXACT_LIMIT` chunks, exact inner-product search (IndexFlatIP, loaded from vectors.npy);
- from `EXACT_LIMIT` on, IVF with 8-bit scalar quantization (`index.faiss`, memory-mapped):
  ~4 sqrt(n) lists, `nprobe` of them searched. benchmarks/bench_scale.py measures it against
  exact search over the same vectors (recall@10 and latency at several nprobe values).
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

logger = logging.getLogger(__name__)

VECTORS_FILE = "vectors.npy"
IDS_FILE = "ids.npy"
ANN_FILE = "index.faiss"
# Searches are one query at a time, and requests run side by side: FAISS splitting one query
# over OpenMP threads made it slower (23 ms on 2 threads, 8 ms on 1, 20,834 vectors, 2 cores
# under load). FAISS keeps its own OpenMP runtime, so torch's threads are unaffected. The
# setting is per calling thread in OpenMP, so it is made on the thread of every search.
FAISS_THREADS = 1
# Segments at least this large get an approximate index (see benchmarks/bench_scale.py).
EXACT_LIMIT = 200_000
# Lists searched per query, and training points per list (FAISS warns below 39).
NPROBE = 32
TRAIN_PER_LIST = 50


@dataclass(frozen=True)
class VectorIndexSpec:
    """How a segment's vectors are searched: 'flat' (exact) or 'ivf-sq8' (approximate)."""

    kind: str = "flat"
    nlist: int = 0
    nprobe: int = 0

    def as_json(self) -> dict[str, Any]:
        """The spec as recorded in version.json."""
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> VectorIndexSpec:
        """A spec read back from version.json."""
        return cls(kind=str(raw["kind"]), nlist=int(raw["nlist"]), nprobe=int(raw["nprobe"]))


def spec_for(chunks: int, *, exact_limit: int = EXACT_LIMIT) -> VectorIndexSpec:
    """The index a segment of `chunks` vectors gets."""
    if chunks < exact_limit:
        return VectorIndexSpec()
    nlist = 1 << round(math.log2(4 * math.sqrt(chunks)))
    return VectorIndexSpec(kind="ivf-sq8", nlist=nlist, nprobe=min(NPROBE, nlist))


def write_vectors(
    folder: Path,
    ids: npt.NDArray[np.int64],
    vectors: npt.NDArray[np.float32],
    spec: VectorIndexSpec,
) -> None:
    """Write a segment's vectors, and its approximate index when the spec asks for one."""
    np.save(folder / IDS_FILE, np.ascontiguousarray(ids, dtype=np.int64))
    np.save(folder / VECTORS_FILE, np.ascontiguousarray(vectors, dtype=np.float32))
    if spec.kind == "flat":
        return
    index = _ivf(vectors.shape[1], spec)
    sample = _training_sample(vectors, spec.nlist * TRAIN_PER_LIST)
    logger.info("training an IVF index (%d lists) on %d of %d vectors", spec.nlist,
                len(sample), len(vectors))  # fmt: skip
    index.train(sample)
    for start in range(0, len(vectors), 100_000):
        stop = start + 100_000
        index.add_with_ids(np.ascontiguousarray(vectors[start:stop]), ids[start:stop])
    faiss.write_index(index, str(folder / ANN_FILE))


def _ivf(dim: int, spec: VectorIndexSpec) -> faiss.Index:
    if spec.kind != "ivf-sq8":
        raise ValueError(f"unknown vector index kind {spec.kind!r}")
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFScalarQuantizer(
        quantizer, dim, spec.nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )
    index.own_fields = True
    quantizer.this.disown()  # type: ignore[attr-defined] # the IVF index frees it
    return index


def _training_sample(vectors: npt.NDArray[np.float32], size: int) -> npt.NDArray[np.float32]:
    if len(vectors) <= size:
        return np.ascontiguousarray(vectors)
    rows = np.random.default_rng(0).choice(len(vectors), size, replace=False)
    return np.ascontiguousarray(vectors[np.sort(rows)])


class VectorSegment:
    """A segment's FAISS index, searched by chunk id."""

    def __init__(self, folder: Path, spec: VectorIndexSpec, dim: int) -> None:
        self.spec = spec
        self.ids = np.load(folder / IDS_FILE, mmap_mode="r")
        if spec.kind == "flat":
            self._index: faiss.Index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
            vectors = np.load(folder / VECTORS_FILE, mmap_mode="r")
            if len(vectors):
                self._index.add_with_ids(np.ascontiguousarray(vectors), np.asarray(self.ids))
        else:
            # The inverted lists stay on disk, paged in as searches touch them.
            self._index = faiss.read_index(str(folder / ANN_FILE), faiss.IO_FLAG_MMAP)
        if self._index.d != dim:
            raise ValueError(f"segment {folder.name} has {self._index.d} dimensions, not {dim}")

    @property
    def size(self) -> int:
        """How many vectors the segment holds, deleted ones included."""
        return int(self._index.ntotal)

    def search(
        self, queries: npt.NDArray[np.float32], k: int, selector: Any | None
    ) -> list[list[tuple[int, float]]]:
        """The `k` best (chunk id, score) per query among the ids `selector` lets through."""
        if self.size == 0:
            return [[] for _ in range(len(queries))]
        params: Any = None
        if self.spec.kind != "flat":
            params = faiss.SearchParametersIVF()
            params.nprobe = self.spec.nprobe
        elif selector is not None:
            params = faiss.SearchParameters()
        if selector is not None:
            params.sel = selector  # the caller keeps it alive: params hold no reference
        faiss.omp_set_num_threads(FAISS_THREADS)
        scores, ids = self._index.search(queries, min(k, self.size), params=params)
        return [
            [(int(i), float(s)) for i, s in zip(row_ids, row_scores, strict=True) if i >= 0]
            for row_ids, row_scores in zip(ids, scores, strict=True)
        ]
