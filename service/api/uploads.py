"""Uploaded files: a multipart body read as it streams, each file saved under uploads/.

Saved names come from service/upload_names.py (sanitized, never the client's path). Count,
size and type limits are enforced while the body arrives, so an oversized upload is refused
before it is stored. Parsing and writing run in a worker thread, one network chunk at a time.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import anyio.to_thread
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from indexer.errors import UnsupportedFileType
from indexer.ingest import SUPPORTED_SUFFIXES
from indexer.store_writer import storage_errors
from service.errors import InvalidRequest, PayloadTooLarge
from service.indexing import UPLOADS_DIR
from service.upload_names import client_basename

logger = logging.getLogger(__name__)

_TMP_PREFIX = ".upload-"


def remove_interrupted_uploads(index_dir: Path) -> int:
    """Delete temporary files of uploads that were arriving when a server stopped; a count.

    Called as the server starts, before it reads any body; a second server on the same store
    must not be streaming uploads then.
    """
    directory = index_dir / UPLOADS_DIR
    if not directory.is_dir():
        return 0
    stale = [p for p in directory.glob(f"{_TMP_PREFIX}*") if p.is_file()]
    for path in stale:
        path.unlink(missing_ok=True)
    if stale:
        logger.warning("deleted %d unfinished upload(s) left by a stopped server", len(stale))
    return len(stale)


def check_supported(name: str) -> None:
    """UnsupportedFileType, listing the supported types, unless `name` has one."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise UnsupportedFileType(
            f"{client_basename(name)!r} is of an unsupported type {suffix or '(none)'!r}; "
            f"upload one of: {kinds}"
        )


@dataclass
class _Part:
    filename: str
    tmp: Path
    handle: IO[bytes]
    size: int = 0


@dataclass
class _ReadState:
    parts: list[_Part] = field(default_factory=list)
    current: _Part | None = None
    header_name: bytes = b""
    header_value: bytes = b""
    headers: dict[bytes, bytes] = field(default_factory=dict)


class UploadReader:
    """Streams a multipart/form-data body into temporary files, enforcing the limits."""

    def __init__(self, directory: Path, *, max_file_bytes: int, max_files: int) -> None:
        self.directory = directory
        self.max_file_bytes = max_file_bytes
        self.max_files = max_files
        self._state = _ReadState()

    async def read(self, request: Request) -> list[tuple[str, Path]]:
        """(client base name, temporary path) per file; nothing is left behind on error."""
        parser = MultipartParser(self._boundary(request), self._callbacks())  # type: ignore[arg-type]
        try:
            with storage_errors("receiving the upload"):
                async for chunk in request.stream():
                    if chunk:
                        await anyio.to_thread.run_sync(parser.write, chunk)
                await anyio.to_thread.run_sync(parser.finalize)
        except ClientDisconnect as exc:
            raise InvalidRequest("the upload ended before its last byte; send it again") from exc
        except MultipartParseError as exc:
            self.discard()
            raise InvalidRequest(f"the upload is not valid multipart/form-data ({exc})") from exc
        except BaseException:
            self.discard()
            raise
        finally:
            self._close_current()
        parts = self._state.parts
        if not parts:
            raise InvalidRequest("the upload holds no files; send them as multipart file parts")
        return [(part.filename, part.tmp) for part in parts]

    def discard(self) -> None:
        """Delete every temporary file written so far."""
        self._close_current()
        for part in self._state.parts:
            part.tmp.unlink(missing_ok=True)

    def _boundary(self, request: Request) -> bytes:
        content_type, params = parse_options_header(request.headers.get("content-type"))
        boundary = params.get(b"boundary")
        if content_type != b"multipart/form-data" or not boundary:
            raise InvalidRequest(
                "send the files as multipart/form-data, e.g. curl -F files=@article.txt"
            )
        return boundary

    def _callbacks(self) -> dict[str, Callable[..., None]]:
        state = self._state

        def on_part_begin() -> None:
            state.headers = {}
            state.current = None

        def on_header_field(data: bytes, start: int, end: int) -> None:
            state.header_name += data[start:end]

        def on_header_value(data: bytes, start: int, end: int) -> None:
            state.header_value += data[start:end]

        def on_header_end() -> None:
            state.headers[state.header_name.strip().lower()] = state.header_value.strip()
            state.header_name, state.header_value = b"", b""

        return {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": self._start_file,
            "on_part_data": self._write,
            "on_part_end": self._close_current,
        }

    def _start_file(self) -> None:
        disposition = self._state.headers.get(b"content-disposition", b"")
        _, params = parse_options_header(disposition)
        raw_name = params.get(b"filename")
        if not raw_name:
            return  # a plain form field, not a file: ignored
        filename = client_basename(raw_name.decode("utf-8", "replace"))
        if len(self._state.parts) >= self.max_files:
            raise PayloadTooLarge(
                f"an upload may hold at most {self.max_files} files; send the rest separately"
            )
        check_supported(filename)
        fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=".part", dir=self.directory)
        part = _Part(filename, Path(tmp), os.fdopen(fd, "wb"))
        self._state.parts.append(part)
        self._state.current = part

    def _write(self, data: bytes, start: int, end: int) -> None:
        part = self._state.current
        if part is None:
            return
        part.size += end - start
        if part.size > self.max_file_bytes:
            raise PayloadTooLarge(
                f"{part.filename!r} is over the {self.max_file_bytes}-byte limit per file; "
                f"split it or ask the operator to raise FOOTNOTE_MAX_UPLOAD_BYTES"
            )
        part.handle.write(data[start:end])

    def _close_current(self) -> None:
        part = self._state.current
        if part is not None and not part.handle.closed:
            part.handle.close()
        self._state.current = None
