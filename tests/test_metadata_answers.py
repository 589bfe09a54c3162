"""Questions about an article itself are answered from its byline, outlet and date."""

from __future__ import annotations

from typing import Any

import pytest

from indexer.store import Store
from service.backends.extractive import ExtractiveBackend
from service.engine import Engine
from service.factory import engine_for
from service.question import profile_question
from service.settings import Settings


@pytest.fixture(scope="module")
def engine(sample_settings: Settings, embedder: Any) -> Engine:
    return engine_for(sample_settings, backend=ExtractiveBackend(embedder))


@pytest.mark.parametrize(
    ("question", "field", "value", "source"),
    [
        (
            "Who wrote the article about the Tessel flood barrier?",
            "author",
            "Tomas Hrabe",
            "2024-port-selvane-flood-barrier.html",
        ),
        (
            "Which outlet published the report on the grey salt seizure?",
            "outlet",
            "Veldrian News Service (VNS)",
            "2024-black-heron-drug-seizure.txt",
        ),
        (
            "When was the article about the Harnau tram strike published?",
            "published",
            "2023-10-05",
            "2023-harnau-tram-strike-ends.txt",
        ),
    ],
)
def test_metadata_questions_are_answered_from_the_article_they_find(
    engine: Engine, sample_settings: Settings, question: str, field: str, value: str, source: str
) -> None:
    answer = engine.ask(question)
    assert not answer.abstained and answer.grounding == "metadata"
    assert answer.short_answer is not None
    assert (answer.short_answer.text, answer.short_answer.field) == (value, field)
    assert answer.answer.startswith(f"{value} [1]")
    [citation] = answer.citations
    assert citation.source == source
    store = Store.open(sample_settings.index_dir)
    try:
        text = store.get_document(citation.document_id).text
    finally:
        store.close()
    assert text[citation.start : citation.end] == citation.quote  # the article's first sentence
    assert text.startswith(citation.quote)


def test_an_article_without_a_byline_is_no_answer_to_who_wrote_it(engine: Engine) -> None:
    answer = engine.ask("Who wrote the article about the Silver Tide naval exercise?")
    assert answer.abstained and answer.short_answer is None
    assert "states no byline" in answer.reason


@pytest.mark.parametrize(
    ("question", "field"),
    [
        ("Who wrote the story on the port deal?", "author"),
        ("Which newspaper reported the tram strike?", "outlet"),
        ("When was the flood barrier article last updated?", "published"),
        ("Who signed the port agreement?", None),
        ("When did the strike end?", None),
    ],
)
def test_metadata_questions_are_told_apart_from_questions_about_the_news(
    question: str, field: str | None
) -> None:
    assert profile_question(question).metadata == field
