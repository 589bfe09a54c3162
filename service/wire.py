"""The service's JSON read back into our types: answers, and Server-Sent Events framing."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from service.answers import Answer, Citation, ShortAnswer
from service.errors import ServiceFailed
from service.passages import Passage


@dataclasses.dataclass(frozen=True)
class ServerEvent:
    """One Server-Sent Event: its name and its (joined) data lines."""

    name: str
    data: str


def read_events(lines: Iterable[str]) -> Iterator[ServerEvent]:
    """Server-Sent Events from a stream of lines (WHATWG HTML, 'event stream interpretation')."""
    name = ""
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield ServerEvent(name or "message", "\n".join(data))
            name, data = "", []
            continue
        if line.startswith(":"):  # a comment, e.g. a keep-alive
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)
    if data:
        yield ServerEvent(name or "message", "\n".join(data))


def answer_from_json(body: Mapping[str, Any]) -> Answer:
    """An Answer from its JSON form (`Answer.to_json()`); ServiceFailed if it does not fit."""
    try:
        citations = [Citation(**_known_fields(Citation, c)) for c in body.get("citations") or []]
        related = [Passage(**_known_fields(Passage, p)) for p in body.get("related") or []]
        fields = _known_fields(Answer, body)
        fields.update(citations=citations, related=related)
        short = body.get("short_answer")
        fields["short_answer"] = ShortAnswer(**_known_fields(ShortAnswer, short)) if short else None
        fields.setdefault("timings_ms", {})
        return Answer(**fields)
    except (TypeError, AttributeError) as exc:  # a missing field, or a list where a dict was
        raise ServiceFailed(
            f"the server's answer is not in the shape this client reads ({exc}); "
            f"run the same Footnote version on both sides"
        ) from exc


def _known_fields(cls: type[Any], row: Mapping[str, Any]) -> dict[str, Any]:
    # A newer server may add fields; this client reads the ones it knows.
    names = {f.name for f in dataclasses.fields(cls)}
    return {key: value for key, value in row.items() if key in names}
