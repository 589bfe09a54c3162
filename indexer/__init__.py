"""Footnote's indexer: articles in, a versioned FAISS + SQLite store out. Public names:

Store, StoreWriter, index_paths, FootnoteError
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Store": "indexer.store",
    "StoreWriter": "indexer.store_writer",
    "index_paths": "indexer.pipeline",
    "FootnoteError": "indexer.errors",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'indexer' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
