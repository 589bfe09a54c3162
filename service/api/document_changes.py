"""Adding uploaded files to the store and removing documents from it (blocking; run in threads).

Both publish a new store version through the one StoreWriter, so requests already running keep
the version they started with and new ones see the change whole. Afterwards the new version is
loaded at once, so the next question does not pay for it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from indexer.errors import DocumentNotFound, IngestError
from indexer.ingest import documents_from_bytes
from indexer.store import Store
from indexer.store_writer import StoreWriter, document_id_for, storage_errors
from service.api.document_models import (
    SkippedResponse,
    UploadedFileResponse,
    UploadResponse,
)
from service.api.uploads import SavedUpload, claim_name, safe_filename, uploads_dir
from service.indexing import embedder_for, index_into_store, writer_for
from service.settings import Settings
from service.snapshots import StoreSnapshots

logger = logging.getLogger(__name__)


def add_uploads(
    received: Sequence[tuple[str, Path]], settings: Settings, snapshots: StoreSnapshots
) -> UploadResponse:
    """Name the received temporary files in uploads/ and index them with the CLI's pipeline.

    Names are claimed while the store's lock is held, so an upload whose writer died before
    publishing is recognisably an orphan to the next writer, which deletes it. Files that
    yield no document are deleted at once.
    """
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
    store = snapshots.current().store
    skipped_whole = {s.path for s in summary.skipped}
    files = []
    for upload in saved:
        ids = [i for i in _document_ids(upload.path) if _has_document(store, i)]
        if not ids and upload.path.name in skipped_whole:
            upload.path.unlink(missing_ok=True)
        files.append(
            UploadedFileResponse(
                filename=upload.filename, stored_as=upload.path.name, document_ids=ids
            )
        )
    return UploadResponse(
        documents_added=summary.documents_added,
        documents_updated=summary.documents_updated,
        documents_unchanged=summary.documents_unchanged,
        chunks_added=summary.chunks_added,
        version=summary.version,
        changed=summary.version is not None,
        skipped=[SkippedResponse(path=s.path, reason=s.reason) for s in summary.skipped],
        files=files,
        seconds=summary.seconds,
    )


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


def delete_document(document_id: str, settings: Settings, snapshots: StoreSnapshots) -> None:
    """Remove a document; an uploaded file that held only it is deleted and forgotten too.

    A document indexed from the operator's own corpus is removed from the store only: its file
    stays, and since the file is unchanged, 'footnote index' will not bring it back.
    """
    info = snapshots.current().store.get_document(document_id).info
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
    snapshots.current()


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
