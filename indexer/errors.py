"""Errors raised by the indexer; the root of Footnote's one error tree.

    FootnoteError                 root: every error Footnote raises on purpose
    ├── StoreError                something is wrong with an index directory
    │   ├── StoreNotFound         no index at the given directory
    │   ├── StoreLocked           another writer holds the store
    │   ├── StoreCorrupt          the files on disk do not form a valid store
    │   ├── ModelMismatch         the store was built with another embedding model
    │   └── StoreNotWritable      the disk refused a write (read-only, not permitted)
    │       └── DiskFull          no space left on the store's disk
    ├── DocumentNotFound          no document with that id
    ├── IngestError               one input file cannot be indexed
    │   ├── UnsupportedFileType   the file's type is not one we read
    │   ├── FileTooLarge          the file is over the size limit
    │   └── UnreadableFile        binary, undecodable, malformed or empty
    ├── EmbeddingModelError       the embedding model cannot be loaded
    └── ClusterError              a Ray cluster cannot be used for indexing

Service errors (service/errors.py) subclass FootnoteError too.
"""

from __future__ import annotations


class FootnoteError(Exception):
    """Root of every error Footnote raises on purpose; its message says what to do next."""


class StoreError(FootnoteError):
    """Something is wrong with an index directory."""


class StoreNotFound(StoreError):
    """No index exists at the given directory."""


class StoreLocked(StoreError):
    """Another writer holds the store's lock."""


class StoreCorrupt(StoreError):
    """The files on disk do not form a valid store."""


class ModelMismatch(StoreError):
    """The store was built with a different embedding model."""


class StoreNotWritable(StoreError):
    """The disk refused a write to the store; nothing was published."""


class DiskFull(StoreNotWritable):
    """No space (or quota) left on the store's disk; nothing was published."""


class DocumentNotFound(FootnoteError):
    """No document with that id exists in the store."""


class IngestError(FootnoteError):
    """One input file cannot be indexed; the message is the skip reason."""


class UnsupportedFileType(IngestError):
    """The file's extension is not one Footnote reads."""


class FileTooLarge(IngestError):
    """The file is over the configured size limit."""


class UnreadableFile(IngestError):
    """The file is binary, undecodable, malformed or has no text."""


class EmbeddingModelError(FootnoteError):
    """The embedding model cannot be found or loaded."""


class ClusterError(FootnoteError):
    """Indexing on a Ray cluster failed (no Ray, no cluster, a worker lost); nothing published."""
