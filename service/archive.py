"""The archive's documents, for every face: list, read, add files, remove, stats.

The API, the page (through the API), the chat and the MCP server ask this module, never the
store. Reads use one published version per call, so a page's count and rows agree while a
writer publishes. Adding and removing publish a new version through the one StoreWriter:
requests already running keep the version they started with, new ones see the change whole,
and the new version is loaded at once so the next question does not pay for it. Writes are
blocking; the API runs them in threads.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from indexer.errors import DocumentNotFound, IngestError
from indexer.ingest import documents_from_bytes
from indexer.pipeline import IndexSummary
from indexer.store import DocumentInfo, Store, StoredDocument, StoreStats
from indexer.store_writer import StoreWriter, document_id_for, storage_errors
from service.indexing import embedder_for, index_into_store, writer_for
from service.settings import Settings
from service.snapshots import StoreSnapshots
from service.upload_names import SavedUpload, claim_name, safe_filename, uploads_dir

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DocumentPage:
    """One page of the archive's articles, ordered by source, and where it came from."""

    documents: list[DocumentInfo]
    total: int
    store_version: str


@dataclass(frozen=True)
class AddedFile:
    """One added file: the client's name, the name it was saved under, its articles."""

    filename: str
    stored_as: str
    document_ids: list[str]


@dataclass(frozen=True)
class AddedFiles:
    """What adding files did: the indexing summary, and each file."""

    summary: IndexSummary
    files: list[AddedFile]


class Archive:
    """The articles of the current published store version; `settings` are needed to write."""

    def __init__(self, snapshots: StoreSnapshots, settings: Settings | None = None) -> None:
        self._snapshots = snapshots
        self._settings = settings

    # --- reading -------------------------------------------------------------------------
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

    def stats(self) -> StoreStats:
        """The published version: its name, model, and how many articles and passages."""
        return self._snapshots.current().store.stats()

    # --- writing -------------------------------------------------------------------------
    def add_files(self, received: Sequence[tuple[str, Path]]) -> AddedFiles:
        """Name received temporary files (client name, path) in uploads/ and index them with
        the CLI's pipeline.

        Names are claimed while the store's lock is held, so an upload whose writer died before
        publishing is recognisably an orphan to the next writer, which deletes it. Files that
        yield no document are deleted at once.
        """
        settings = self._writable()
        saved: list[SavedUpload] = []

        def claim(writer: StoreWriter) -> list[Path]:
            saved.extend(_claim_names(received, settings, writer))
            return [s.path for s in saved]

        try:
            summary = index_into_store([], settings, prepare=claim)
        except BaseException:
            for upload in saved:
                upload.path.unlink(missing_ok=True)
            raise
        store = self._snapshots.current().store
        skipped_whole = {s.path for s in summary.skipped}
        files = []
        for upload in saved:
            ids = [i for i in _document_ids(upload.path) if _has_document(store, i)]
            if not ids and upload.path.name in skipped_whole:
                upload.path.unlink(missing_ok=True)
            files.append(AddedFile(upload.filename, upload.path.name, ids))
        return AddedFiles(summary, files)

    def remove(self, document_id: str) -> None:
        """Remove a document; an uploaded file that held only it is deleted and forgotten too.

        A document indexed from the operator's own corpus is removed from the store only: its
        file stays, and since the file is unchanged, 'footnote index' will not bring it back.
        """
        settings = self._writable()
        info = self.document(document_id).info
        upload = uploads_dir(settings.index_dir) / info.source.split("#", 1)[0]
        delete_file = False
        with (
            storage_errors("deleting the document"),
            writer_for(settings, embedder_for(settings)) as writer,
        ):
            if not writer.has_document(document_id):
                raise DocumentNotFound(f"no document {document_id!r}; it was removed meanwhile")
            siblings = writer.documents_of_file(str(upload))
            if siblings == [document_id]:
                writer.forget_file(str(upload))
                delete_file = True
            else:
                writer.remove_document(document_id)
            writer.commit()
        if delete_file:
            upload.unlink(missing_ok=True)
            logger.info("deleted uploaded file %s with its document %s", upload.name, document_id)
        self._snapshots.current()  # load the new version now, not on the next question

    def _writable(self) -> Settings:
        if self._settings is None:
            raise RuntimeError("this Archive was made without settings; it can only read")
        return self._settings


def _claim_names(
    received: Sequence[tuple[str, Path]], settings: Settings, writer: StoreWriter
) -> list[SavedUpload]:
    """Give each received temporary file its sanitized, unused name in uploads/."""
    directory = uploads_dir(settings.index_dir)

    def taken(name: str) -> bool:
        # A name an indexed article already has would replace that article, not add one.
        return writer.has_document(document_id_for(name)) or writer.has_document(
            document_id_for(f"{name}#1")
        )

    saved: list[SavedUpload] = []
    try:
        for filename, tmp in received:
            path = claim_name(directory, tmp, safe_filename(filename), taken)
            saved.append(SavedUpload(filename, path))
    except BaseException:
        for upload in saved:
            upload.path.unlink(missing_ok=True)
        raise
    return saved


def _document_ids(path: Path) -> list[str]:
    # Re-reading the file gives its documents' sources, hence their ids, exactly as indexed.
    try:
        documents, _ = documents_from_bytes(
            path.read_bytes(), source=path.name, file_path=str(path), suffix=path.suffix
        )
    except (IngestError, OSError):
        return []
    return [d.id for d in documents]


def _has_document(store: Store, document_id: str) -> bool:
    try:
        store.get_document(document_id)
    except DocumentNotFound:
        return False
    return True
