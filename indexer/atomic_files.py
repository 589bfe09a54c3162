"""Atomic file writes: a reader sees the old file or the new one, whole, never a half-written one.

Each write goes to a temporary file in the target's directory (so the final rename stays on one
file system), is flushed to disk, and replaces the target with os.replace. A failure at any
point, an exception or ^C, removes the temporary file and leaves the target as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path next to `target` for a writer that takes a file name (llama.cpp's
    quantizer); on a clean exit the file written there is synced and replaces `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(name)
        with open(name, "rb") as written:
            os.fsync(written.fileno())
        os.replace(name, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


@contextlib.contextmanager
def atomic_file(target: Path) -> Iterator[BinaryIO]:
    """A binary file to write `target`'s new content into, in pieces; it replaces `target`
    only if the block ends without an exception."""
    with atomic_path(target) as path, path.open("wb") as handle:
        yield handle
        handle.flush()


def write_bytes_atomically(target: Path, data: bytes) -> None:
    """Replace `target` with `data`."""
    with atomic_file(target) as handle:
        handle.write(data)


def write_text_atomically(target: Path, text: str) -> None:
    """Replace `target` with `text`, UTF-8."""
    write_bytes_atomically(target, text.encode("utf-8"))
