"""The archive's documents as every face reads them: a page of the list, one whole article.

The API, the chat and the MCP server ask this module, not the store: each call reads one
published version, so a page's count and rows agree even while a writer publishes.
"""

from __future__ import annotations

from dataclasses import dataclass

from indexer.store import DocumentInfo, StoredDocument
from service.snapshots import StoreSnapshots


@dataclass(frozen=True)
class DocumentPage:
    """One page of the archive's articles, ordered by source, and where it came from."""

    documents: list[DocumentInfo]
    total: int
    store_version: str


class Archive:
    """Reads the articles of the current published store version."""

    def __init__(self, snapshots: StoreSnapshots) -> None:
        self._snapshots = snapshots

    def page(self, *, limit: int, offset: int) -> DocumentPage:
        """Articles offset..offset+limit, with the total and version they were read from."""
        store = self._snapshots.current().store
        stats = store.stats()
        documents = store.list_documents(limit=limit, offset=offset)
        return DocumentPage(documents, stats.documents, stats.version)

    def document(self, document_id: str) -> StoredDocument:
        """One whole article (citation offsets index into its text); DocumentNotFound if the
        archive does not hold it."""
        return self._snapshots.current().store.get_document(document_id)
