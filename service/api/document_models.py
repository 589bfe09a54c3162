"""Response models of the document routes: listing, reading, uploading."""

from __future__ import annotations

from dataclasses import asdict

from pydantic import BaseModel, Field

from indexer.store import DocumentInfo, StoredDocument


class DocumentSummaryResponse(BaseModel):
    """An article's metadata, without its text."""

    id: str = Field(description="The article's id.")
    source: str = Field(description="The file name (or file#record) it was indexed from.")
    title: str | None = Field(description="Headline, if known.")
    published: str | None = Field(description="Publication date (YYYY-MM-DD), if known.")
    published_raw: str | None = Field(description="The date as written in the article.")
    outlet: str | None = Field(description="The publishing outlet, if known.")
    author: str | None = Field(description="The author, if known.")
    url: str | None = Field(description="The article's original address, if known.")
    content_hash: str = Field(description="SHA-256 of the cleaned text.")
    chunks: int = Field(description="Passages the article was split into.")

    @classmethod
    def of(cls, info: DocumentInfo) -> DocumentSummaryResponse:
        """From the store's DocumentInfo."""
        return cls.model_validate(asdict(info))


class DocumentResponse(DocumentSummaryResponse):
    """An article's metadata and its whole cleaned text (citation offsets index into it)."""

    text: str = Field(description="The cleaned article text.")

    @classmethod
    def of_document(cls, document: StoredDocument) -> DocumentResponse:
        """From the store's StoredDocument."""
        return cls.model_validate({**asdict(document.info), "text": document.text})


class DocumentListResponse(BaseModel):
    """One page of the articles in the current store version, ordered by source."""

    documents: list[DocumentSummaryResponse] = Field(description="The articles on this page.")
    total: int = Field(description="Articles in the store version.")
    limit: int = Field(description="Page size asked for.")
    offset: int = Field(description="Articles skipped before this page.")
    store_version: str = Field(description="The store version listed.")


class SkippedResponse(BaseModel):
    """An input that was not indexed, and why."""

    path: str = Field(description="The file (or file#record) left out.")
    reason: str = Field(description="Why it was left out.")


class UploadedFileResponse(BaseModel):
    """One uploaded file: the name it was saved under and the articles read from it."""

    filename: str = Field(description="The file's name as the client sent it (base name only).")
    stored_as: str = Field(description="The sanitized name it was saved and indexed under.")
    document_ids: list[str] = Field(
        description="Ids of its articles in the new store version (empty if it was skipped)."
    )


class UploadResponse(BaseModel):
    """What indexing the uploaded files changed."""

    documents_added: int = Field(description="New articles.")
    documents_updated: int = Field(description="Articles replaced by a changed file.")
    documents_unchanged: int = Field(description="Articles whose file was already indexed.")
    chunks_added: int = Field(description="Passages embedded and stored.")
    version: str | None = Field(description="The store version published, or null if none.")
    changed: bool = Field(description="Whether a new store version was published.")
    skipped: list[SkippedResponse] = Field(description="Inputs not indexed, with reasons.")
    files: list[UploadedFileResponse] = Field(description="Each uploaded file.")
    seconds: float = Field(description="Time spent indexing.")
