"""The serve process's allocator settings: glibc's arenas capped, the operator's choice kept."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

# Eight threads alive at once, each allocating, then glibc's own count of its heaps (arenas).
_COUNT_ARENAS = """
import ctypes, re, sys, tempfile, threading
if sys.argv[1] == "limit":
    from service.memory import limit_malloc_arenas
    limit_malloc_arenas()
together = threading.Barrier(8)
def allocate():
    blobs = [bytes(5000) for _ in range(100)]
    together.wait()
threads = [threading.Thread(target=allocate) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
libc = ctypes.CDLL("libc.so.6")
libc.fopen.restype = ctypes.c_void_p
with tempfile.NamedTemporaryFile() as report:
    out = libc.fopen(report.name.encode(), b"w")
    libc.malloc_info(0, ctypes.c_void_p(out))
    libc.fclose(ctypes.c_void_p(out))
    print(len(re.findall(rb'<heap nr="', open(report.name, "rb").read())))
"""

pytestmark = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="the arena cap is a glibc setting"
)


def _arenas(mode: str, **env: str) -> int:
    base = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    result = subprocess.run(
        [sys.executable, "-c", _COUNT_ARENAS, mode],
        capture_output=True, text=True, timeout=60, env={**base, **env}, check=True,
    )  # fmt: skip
    return int(result.stdout)


def test_serve_caps_malloc_arenas_at_two() -> None:
    assert _arenas("default") > 2  # one per thread, up to 8 per core, without the cap
    assert _arenas("limit") == 2


def test_an_operators_malloc_arena_max_is_kept() -> None:
    assert _arenas("limit", MALLOC_ARENA_MAX="4") == 4
