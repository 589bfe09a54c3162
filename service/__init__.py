"""Footnote's answering service. Public names (loaded lazily so importing is cheap):

Engine, Answer, Citation, SearchFilters, Settings, engine_for, backend_for, ServiceClient
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Engine": "service.engine",
    "Answer": "service.answers",
    "Citation": "service.answers",
    "FinalEvent": "service.answers",
    "TokenEvent": "service.answers",
    "SearchFilters": "service.retrieval",
    "Settings": "service.settings",
    "engine_for": "service.factory",
    "backend_for": "service.factory",
    "ServiceClient": "service.client",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'service' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
