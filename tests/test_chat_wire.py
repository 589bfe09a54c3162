"""Reading the service's wire format: Server-Sent Events framing and answers from JSON."""

from __future__ import annotations

import json

import pytest

from service.answers import Answer, Citation
from service.errors import ServiceFailed
from service.passages import Passage
from service.wire import ServerEvent, answer_from_json, read_events


def test_events_are_split_at_blank_lines_with_comments_skipped() -> None:
    lines = [
        ": keep-alive",
        "event: token",
        'data: {"text": "Loor"}',
        "",
        "event: token",
        "data: line one",
        "data:line two",
        "",
        "",
        "data: unnamed",
        "",
        "event: done",
        "data: {}",
    ]
    assert list(read_events(lines)) == [
        ServerEvent("token", '{"text": "Loor"}'),
        ServerEvent("token", "line one\nline two"),
        ServerEvent("message", "unnamed"),
        ServerEvent("done", "{}"),
    ]


def test_an_event_without_data_is_not_dispatched() -> None:
    assert list(read_events(["event: token", "", "id: 3", ""])) == []


def _answer() -> Answer:
    passage = Passage(7, "doc", "a.txt", "Title", "2024-01-02", "Post", "Text.", 0, 5, 0.5, 0.4)
    citation = Citation(1, "doc", "a.txt", "Title", "2024-01-02", "Text.", 0, 5, 0.9)
    return Answer(
        question="q",
        answer="Text. [1]",
        abstained=False,
        grounding="verified",
        citations=[citation],
        related=[passage],
        backend="llamacpp",
        model="m",
        timings_ms={"total": 1.5},
        standalone_question="Q?",
        removed_sentences=["x"],
    )


def test_an_answer_survives_the_trip_through_json() -> None:
    answer = _answer()
    assert answer_from_json(json.loads(json.dumps(answer.to_json()))) == answer


def test_fields_a_newer_server_adds_are_ignored() -> None:
    body = _answer().to_json()
    body["confidence"] = 0.7
    body["citations"][0]["outlet"] = "Post"
    assert answer_from_json(body) == _answer()


def test_an_answer_missing_a_field_is_a_clear_version_error() -> None:
    body = _answer().to_json()
    del body["abstained"]
    with pytest.raises(ServiceFailed, match="run the same Footnote version on both sides"):
        answer_from_json(body)
