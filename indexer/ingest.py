"""Find article files, read and decode them, and turn them into cleaned documents."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.clean import CleanedArticle, clean_article, clean_html, fallback_title
from indexer.encodings import decode_bytes
from indexer.errors import FileTooLarge, UnreadableFile, UnsupportedFileType
from indexer.store_writer import NewDocument

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
JSON_SUFFIXES = frozenset({".json", ".jsonl"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES
# A NUL byte in the first few KiB means binary; text files essentially never contain one.
_BINARY_SNIFF_BYTES = 8192
_ENCODING_NAMES = {
    "cp1252": "Windows-1252 (Western)",
    "cp1250": "Windows-1250 (Central European)",
    "cp1251": "Windows-1251 (Cyrillic)",
    "iso8859-2": "ISO-8859-2 (Latin-2)",
}


@dataclass(frozen=True)
class SourceFile:
    """A file to index: where it is, and the name users and citations see."""

    path: Path
    source: str


@dataclass(frozen=True)
class Skipped:
    """An input left out of the index, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class ParsedFile:
    """A file's raw-content hash and the documents read from it."""

    file: SourceFile
    raw_hash: str
    size: int
    documents: list[NewDocument]
    problems: list[Skipped]


def discover(paths: Sequence[Path]) -> tuple[list[SourceFile], list[Skipped]]:
    """Files under `paths` to index, sorted; unsupported files come back as skipped."""
    found: dict[Path, SourceFile] = {}
    skipped: list[Skipped] = []
    for root in paths:
        root = root.resolve()
        if not root.exists():
            skipped.append(Skipped(str(root), "no such file or directory"))
            continue
        for path, source in _walk(root):
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                found.setdefault(path, SourceFile(path, source))
            else:
                skipped.append(Skipped(source, _unsupported_reason(path)))
    return sorted(found.values(), key=lambda f: f.source), skipped


def _walk(root: Path) -> Iterator[tuple[Path, str]]:
    if root.is_file():
        yield root, root.name
        return
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts):
            continue  # hidden files and folders (.git, .DS_Store) are never articles
        if path.is_file():
            yield path, relative.as_posix()


def _unsupported_reason(path: Path) -> str:
    kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
    return f"unsupported file type {path.suffix or '(none)'!r}; supported: {kinds}"


def parse_file(file: SourceFile, *, max_bytes: int) -> ParsedFile:
    """Read one file; raises an IngestError subclass whose message is the skip reason."""
    return parse_bytes(file, read_source(file, max_bytes=max_bytes))


def read_source(file: SourceFile, *, max_bytes: int) -> bytes:
    """A file's bytes; FileTooLarge (without reading it) when it is over `max_bytes`."""
    size = file.path.stat().st_size
    if size > max_bytes:
        raise FileTooLarge(f"file is {size} bytes, over the {max_bytes}-byte limit")
    return file.path.read_bytes()


def raw_hash(data: bytes) -> str:
    """The hash a store records for a file's bytes, to see later whether the file changed."""
    return hashlib.sha256(data).hexdigest()


def parse_bytes(file: SourceFile, data: bytes) -> ParsedFile:
    """The documents in a file already read (pure: a worker without the file can run it)."""
    documents, problems = documents_from_bytes(
        data, source=file.source, file_path=str(file.path), suffix=file.path.suffix
    )
    return ParsedFile(file, raw_hash(data), len(data), documents, problems)


def documents_from_bytes(
    data: bytes, *, source: str, file_path: str, suffix: str
) -> tuple[list[NewDocument], list[Skipped]]:
    """Cleaned documents in one file's bytes, and the records in it that had to be skipped."""
    suffix = suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedFileType(_unsupported_reason(Path(source)))
    text = decode_text(data, source=source, html=suffix in HTML_SUFFIXES)
    if suffix in JSON_SUFFIXES:
        return _documents_from_json(text, source=source, file_path=file_path, suffix=suffix)
    cleaned = clean_html(text) if suffix in HTML_SUFFIXES else clean_article(text)
    if not cleaned.body.strip():
        raise UnreadableFile("no article text left after removing boilerplate")
    return [_document(source, file_path, cleaned)], []


def decode_text(data: bytes, *, source: str = "", html: bool = False) -> str:
    """UTF-8 text (BOM allowed), else a declared or detected legacy code page (said in a
    warning, since detection can be wrong); empty and binary files are refused."""
    if not data.strip():
        raise UnreadableFile("file is empty")
    if b"\x00" in data[:_BINARY_SNIFF_BYTES]:
        raise UnreadableFile("file looks binary (it contains NUL bytes)")
    decoded = decode_bytes(data, html=html)
    if decoded.how != "utf-8":
        logger.warning(
            "%s is not UTF-8; read as %s (%s); save it as UTF-8 if its text looks wrong",
            source or "a file", _ENCODING_NAMES.get(decoded.encoding, decoded.encoding),
            "declared by the page" if decoded.how == "declared" else "detected",
        )  # fmt: skip
    return decoded.text


def _documents_from_json(
    text: str, *, source: str, file_path: str, suffix: str
) -> tuple[list[NewDocument], list[Skipped]]:
    records: list[tuple[int, Any]] = []
    problems: list[Skipped] = []
    if suffix == ".jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append((number, _load_json(line)))
            except UnreadableFile as exc:
                problems.append(Skipped(f"{source}#{number}", str(exc)))
    else:
        value = _load_json(text)
        items = value if isinstance(value, list) else [value]
        records = list(enumerate(items, start=1))
    documents = []
    for number, record in records:
        where = f"{source}#{number}"
        try:
            documents.append(_document_from_record(record, where, file_path))
        except UnreadableFile as exc:
            problems.append(Skipped(where, str(exc)))
    if not documents:
        reasons = "; ".join(f"{p.path}: {p.reason}" for p in problems) or "no records"
        raise UnreadableFile(f"no usable records ({reasons})")
    return documents, problems


def _load_json(text: str) -> Any:
    """One JSON value; malformed or absurdly nested JSON is an UnreadableFile, not a crash."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}" if "\n" in text.strip() else f"column {exc.colno}"
        raise UnreadableFile(f"invalid JSON at {where}: {exc.msg}") from exc
    except RecursionError as exc:
        # The decoder recurses once per nested list or object.
        raise UnreadableFile("JSON is nested too deeply to read") from exc


def _document_from_record(record: Any, source: str, file_path: str) -> NewDocument:
    if not isinstance(record, dict):
        raise UnreadableFile("record is not a JSON object")
    body = record.get("text")
    if not isinstance(body, str) or not body.strip():
        raise UnreadableFile("record has no 'text' string")
    fields = {k: record.get(k) for k in ("title", "url", "published", "source")}
    if any(v is not None and not isinstance(v, str) for v in fields.values()):
        raise UnreadableFile("'title', 'url', 'published' and 'source' must be strings")
    cleaned = clean_article(
        body,
        title=fields["title"],
        url=fields["url"],
        published=fields["published"],
        outlet=fields["source"],
    )
    if not cleaned.body.strip():
        raise UnreadableFile("no article text left after removing boilerplate")
    return _document(source, file_path, cleaned)


def _document(source: str, file_path: str, c: CleanedArticle) -> NewDocument:
    return NewDocument(
        source=source,
        file_path=file_path,
        text=stored_text(c),
        # Citations name their article by title: one that states none gets a readable one.
        title=c.title or fallback_title(c.body, source),
        published=c.published,
        published_raw=c.published_raw,
        outlet=c.outlet,
        author=c.author,
        url=c.url,
    )


def stored_text(c: CleanedArticle) -> str:
    """What is chunked, searched and quoted: the headline, then the story.

    Headlines state the news in a line ("Wendy's to test surge pricing"), so an answer may
    be cited there; a title made up from the first sentence or the file name is not stored.
    """
    return f"{c.title}\n\n{c.body}" if c.title else c.body
