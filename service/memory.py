"""The service's hold on glibc's allocator: fewer arenas, and freed memory handed back.

A long-running `footnote serve` allocates from many threads (uvicorn's, the answer workers,
the embedding and FAISS pools). glibc gives each contending thread an arena of its own, up to
8 per core, and memory freed in one arena is not reused by another, so resident memory creeps
up under mixed traffic. Measured with benchmarks/soak_http.py (600 s, 8 clients, an upload
and a delete every 0.8 s, 1,000-article store): +22.1 % with glibc's default, +9.8 % with
MALLOC_ARENA_MAX=2, at the same throughput. Elsewhere than glibc both calls do nothing.
"""

from __future__ import annotations

import ctypes
import logging
import os

logger = logging.getLogger(__name__)

SERVE_MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # mallopt parameter, from glibc's malloc.h


def limit_malloc_arenas(arenas: int = SERVE_MALLOC_ARENAS) -> None:
    """Cap glibc's malloc arenas for threads started from now on, unless MALLOC_ARENA_MAX
    (the operator's own choice) is set. Call it first thing, before threads allocate."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return
    libc = _glibc()
    if libc is not None and not libc.mallopt(_M_ARENA_MAX, arenas):
        logger.warning("could not limit malloc arenas to %d; memory may grow faster", arenas)


def release_freed_memory() -> None:
    """Hand memory freed by earlier store versions back to the system (glibc only).

    Each version loads its new segment and its docstore views in whichever thread asked
    first; glibc keeps what the old one freed in that thread's arena, so without this a service
    that publishes often grows by hundreds of MiB (measured with benchmarks/soak_http.py when
    each version was loaded whole).
    """
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def _glibc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None  # not glibc
