"""Where Footnote keeps what it derives from models once per machine (ONNX export, GGUF copy)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path


def cache_root() -> Path:
    """$FOOTNOTE_CACHE_DIR, else footnote/ in the user's cache folder."""
    configured = os.environ.get("FOOTNOTE_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "footnote"


def package_directory(package: str) -> Path | None:
    """The directory of an installed package that ships model files, found without importing
    it (its __init__ may pull dependencies we do not install); None where it is missing."""
    spec = importlib.util.find_spec(package)
    locations = spec.submodule_search_locations if spec is not None else None
    return Path(next(iter(locations))) if locations else None
