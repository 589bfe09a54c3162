"""Answers about an article itself (who wrote it, which outlet ran it, when it was published).

These facts are in the article's metadata, extracted at index time from its byline, masthead
and date lines, not in its body text, so no sentence could support them. The answer names the
field it comes from and cites the article by its opening sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

from indexer.store import DocumentInfo
from service.sentences import sentence_spans

_FIELD_NAMES = {
    "author": "byline",
    "outlet": "outlet",
    "published": "publication date",
}


@dataclass(frozen=True)
class MetadataFact:
    """One metadata field of an article, as an answer states it."""

    field: str  # 'author', 'outlet' or 'published'
    value: str
    # What the answer says of where the value comes from ("the article's byline").
    provenance: str


def metadata_fact(info: DocumentInfo, field: str) -> MetadataFact | None:
    """The article's `field` ('author', 'outlet' or 'published'), or None if it is not known."""
    if field == "author":
        value = info.author
    elif field == "outlet":
        value = info.outlet
    elif field == "published":
        value = _date(info)
    else:
        raise ValueError(f"unknown metadata field {field!r}; use author, outlet or published")
    if not value:
        return None
    return MetadataFact(field, value, f"the article's {_FIELD_NAMES[field]}")


def missing_reason(field: str, title: str | None) -> str:
    """Why a metadata question is not answered: the closest article does not state it."""
    about = f"'{title}'" if title else "the closest article"
    return f"{about} states no {_FIELD_NAMES[field]}"


def opening_span(text: str) -> tuple[int, int]:
    """Offsets of the article's first sentence: the quote that identifies a cited article."""
    spans = sentence_spans(text)
    return spans[0] if spans else (0, 0)


def _date(info: DocumentInfo) -> str | None:
    # The article's own wording ("March 18, 2017") and the date it was read as, when they differ.
    if info.published and info.published_raw and info.published_raw != info.published:
        return f"{info.published_raw} ({info.published})"
    return info.published or info.published_raw
