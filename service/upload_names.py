"""Where uploaded files live in a store, and the safe, unique names they are given there.

Client file names are never used as paths: only a sanitized base name is kept, and a name
already taken (on disk, or by an indexed article) gets a numbered variant.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from service.errors import InvalidRequest
from service.indexing import UPLOADS_DIR

# Long enough for any real article's name; keeps paths well under file-system limits.
MAX_NAME_CHARS = 120
# Numbered variants tried for a taken name before giving up.
MAX_NAME_VARIANTS = 1000
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class SavedUpload:
    """An uploaded file as saved: the client's base name and where it is now."""

    filename: str
    path: Path


def uploads_dir(index_dir: Path) -> Path:
    """Where uploads are kept: `<index_dir>/uploads`, created if needed."""
    directory = (index_dir / UPLOADS_DIR).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def client_basename(name: str) -> str:
    """The last path component of a client's file name (either slash)."""
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def safe_filename(name: str) -> str:
    """A base name of [A-Za-z0-9._-] only, not hidden, with the client's extension kept."""
    base = _UNSAFE.sub("_", client_basename(name)).lstrip(".")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = stem.strip("._-") or "upload"
    suffix = suffix.lower()
    room = MAX_NAME_CHARS - len(suffix) - 1
    return f"{stem[:room]}.{suffix}" if suffix else stem[:MAX_NAME_CHARS]


def claim_name(directory: Path, tmp: Path, wanted: str, taken: Callable[[str], bool]) -> Path:
    """Give `tmp` the name `wanted`, or `stem-2.ext`... if taken; linking makes the claim atomic."""
    stem, suffix = Path(wanted).stem, Path(wanted).suffix
    for n in range(1, MAX_NAME_VARIANTS + 1):
        candidate = wanted if n == 1 else f"{stem}-{n}{suffix}"
        if taken(candidate):
            continue
        try:
            os.link(tmp, directory / candidate)
        except FileExistsError:
            continue
        tmp.unlink()
        return directory / candidate
    raise InvalidRequest(f"too many uploads are named like {wanted!r}; rename the file")
