"""The current published store version, reopened when a writer publishes a new one."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from indexer.embedding import Embedder
from indexer.store import MANIFEST, Store
from service.memory import release_freed_memory
from service.retrieval import Retriever
from service.settings import RECENT_DAYS

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """One store version and its retriever; a request keeps the one it started with."""

    store: Store
    retriever: Retriever


class StoreSnapshots:
    """Hands out the latest Snapshot; a new version is loaded once, on first use after publish."""

    def __init__(
        self,
        index_dir: Path,
        embedder: Embedder,
        *,
        max_top_k: int,
        max_per_document: int,
        recent_days: int = RECENT_DAYS,
    ) -> None:
        self.index_dir = index_dir
        self.embedder = embedder
        self.max_top_k = max_top_k
        self.max_per_document = max_per_document
        self.recent_days = recent_days
        self._lock = threading.Lock()
        self._current: Snapshot | None = None
        self._stamp: tuple[int, int] | None = None

    def current(self) -> Snapshot:
        """The snapshot of the version manifest.json names now."""
        stamp = self._manifest_stamp()
        with self._lock:
            if self._current is None or stamp != self._stamp:
                previous = None if self._current is None else self._current.store
                store = Store.open(self.index_dir, expect_model=self.embedder.name, reuse=previous)
                if self._current is None or store.version != self._current.store.version:
                    logger.info("serving store version %s", store.version)
                    retriever = Retriever(
                        store,
                        self.embedder,
                        max_top_k=self.max_top_k,
                        max_per_document=self.max_per_document,
                        recent_days=self.recent_days,
                    )
                    self._current = Snapshot(store, retriever)
                    release_freed_memory()
                self._stamp = stamp
            return self._current

    def _manifest_stamp(self) -> tuple[int, int] | None:
        try:
            info = (self.index_dir / MANIFEST).stat()
        except FileNotFoundError:
            return None
        return (info.st_mtime_ns, info.st_ino)
