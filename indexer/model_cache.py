"""Where Footnote keeps what it derives from models once per machine (ONNX export, GGUF copy)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """$FOOTNOTE_CACHE_DIR, else footnote/ in the user's cache folder."""
    configured = os.environ.get("FOOTNOTE_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "footnote"
