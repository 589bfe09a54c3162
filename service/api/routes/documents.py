"""The articles of the store: list, read, upload (multipart) and delete."""

from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from indexer.ingest import SUPPORTED_SUFFIXES
from service.api.deps import RuntimeDep
from service.api.document_models import (
    DocumentListResponse,
    DocumentResponse,
    DocumentSummaryResponse,
    SkippedResponse,
    UploadedFileResponse,
    UploadResponse,
)
from service.api.models import problem_responses
from service.api.uploads import UploadReader
from service.archive import AddedFiles, Archive
from service.upload_names import uploads_dir

router = APIRouter(prefix="/v1", tags=["documents"])

# SQLite's largest integer: a larger offset overflowed in the docstore (a 500, found by fuzzing).
MAX_OFFSET = 2**63 - 1
# Largest page of a listing; a client pages through more with `offset`.
MAX_PAGE = 500
DEFAULT_PAGE = 50

DocumentId = Annotated[str, Path(description="The article's id, as in citations and listings.")]

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": (
                                "One or more article files ("
                                + ", ".join(sorted(SUPPORTED_SUFFIXES))
                                + "); size and count limits are server settings."
                            ),
                        }
                    },
                }
            }
        },
    }
}


@router.get(
    "/documents",
    response_model=DocumentListResponse,
    responses=problem_responses(503),
    summary="List the articles",
)
async def list_documents(
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page size.")] = DEFAULT_PAGE,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Articles to skip.")] = 0,
) -> DocumentListResponse:
    """One page of the current store version's articles, ordered by source."""
    archive = Archive(runtime.engine.snapshots)
    page = await anyio.to_thread.run_sync(lambda: archive.page(limit=limit, offset=offset))
    return DocumentListResponse(
        documents=[DocumentSummaryResponse.of(info) for info in page.documents],
        total=page.total,
        limit=limit,
        offset=offset,
        store_version=page.store_version,
    )


@router.get(
    "/documents/{document_id}",
    response_model=DocumentResponse,
    responses=problem_responses(404, 503),
    summary="Read one article",
)
async def get_document(document_id: DocumentId, runtime: RuntimeDep) -> DocumentResponse:
    """The article's metadata and whole cleaned text; citation offsets index into `text`."""
    archive = Archive(runtime.engine.snapshots)
    document = await anyio.to_thread.run_sync(lambda: archive.document(document_id))
    return DocumentResponse.of_document(document)


@router.post(
    "/documents",
    response_model=UploadResponse,
    responses=problem_responses(409, 413, 415, 503, 507),
    openapi_extra=_UPLOAD_BODY,
    summary="Upload and index articles",
)
async def upload_documents(request: Request, runtime: RuntimeDep) -> UploadResponse:
    """Index uploaded files with the same pipeline and limits as 'footnote index'."""
    settings = runtime.settings
    archive = Archive(runtime.engine.snapshots, settings)
    directory = await anyio.to_thread.run_sync(uploads_dir, settings.index_dir)
    reader = UploadReader(
        directory,
        max_file_bytes=settings.max_upload_bytes,
        max_files=settings.max_upload_files,
    )
    received = await reader.read(request)
    try:
        added = await anyio.to_thread.run_sync(lambda: archive.add_files(received))
        return _upload_response(added)
    finally:
        reader.discard()  # temporary files not claimed by a name (claimed ones are gone)


@router.delete(
    "/documents/{document_id}",
    status_code=204,
    response_class=Response,
    responses=problem_responses(404, 409, 503, 507),
    summary="Delete one article",
)
async def remove_document(document_id: DocumentId, runtime: RuntimeDep) -> Response:
    """Remove the article from the store (and its uploaded file, if it came from an upload)."""
    archive = Archive(runtime.engine.snapshots, runtime.settings)
    await anyio.to_thread.run_sync(lambda: archive.remove(document_id))
    return Response(status_code=204)


def _upload_response(added: AddedFiles) -> UploadResponse:
    summary = added.summary
    return UploadResponse(
        documents_added=summary.documents_added,
        documents_updated=summary.documents_updated,
        documents_unchanged=summary.documents_unchanged,
        chunks_added=summary.chunks_added,
        version=summary.version,
        changed=summary.version is not None,
        skipped=[SkippedResponse(path=s.path, reason=s.reason) for s in summary.skipped],
        files=[
            UploadedFileResponse(
                filename=f.filename, stored_as=f.stored_as, document_ids=f.document_ids
            )
            for f in added.files
        ],
        seconds=summary.seconds,
    )
