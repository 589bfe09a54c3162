"""benchmarks/gold_ranks.py follows a gold answer down the pipeline and names where it is lost."""

from __future__ import annotations

from benchmarks.gold_ranks import LOSSES, GoldPlace, bucket, place_of_gold, summary
from eval.gold import load_gold
from indexer.embedding import SentenceTransformerEmbedder
from service import engine_for
from service.backends.extractive import ExtractiveBackend
from service.settings import Settings
from tests.test_eval_runner import SAMPLE_GOLD


def test_ranks_fall_into_their_buckets() -> None:
    assert [bucket(r) for r in (0, 1, 4, 5, 9, 10, 40, None)] == [
        "1", "2-5", "2-5", "6-10", "6-10", "11+", "11+", "none",
    ]  # fmt: skip


def test_the_first_stage_without_the_gold_is_the_loss() -> None:
    assert GoldPlace(passage=0, sentence=2, candidate=7, in_article=True).loss is None
    assert GoldPlace(None, None, None, in_article=False).loss == LOSSES[0]
    assert GoldPlace(None, None, None, in_article=True).loss == LOSSES[1]
    assert GoldPlace(3, None, None, in_article=True).loss == LOSSES[2]
    assert GoldPlace(3, 5, None, in_article=True).loss == LOSSES[3]


def test_the_summary_counts_every_question_once_per_stage() -> None:
    places = [
        GoldPlace(0, 0, 0, True),
        GoldPlace(1, 12, None, True),
        GoldPlace(None, None, None, False),
    ]
    lines = summary("set", places)
    assert lines[0] == "set: 3 answerable questions; gold first seen at rank"
    assert lines[1] == "  passage:    1 1, 2-5 1, 6-10 0, 11+ 0, none 1"
    assert lines[3].split()[-1] == "2"  # candidate: none 2
    assert "  no candidate holds it: 2" in lines
    assert f"    {LOSSES[0]}: 1" in lines and f"    {LOSSES[3]}: 1" in lines


def test_a_gold_answer_is_only_found_where_the_stage_before_had_it(
    sample_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    """On the real sample store: a candidate is part of a sentence, a sentence of a passage."""
    engine = engine_for(sample_settings, backend=ExtractiveBackend(embedder))
    records = [r for r in load_gold(SAMPLE_GOLD) if r.answerable]
    places = [place_of_gold(engine, record, top_k=None) for record in records]
    assert len(places) == len(records) > 0
    for record, place in zip(records, places, strict=True):
        if place.candidate is not None:
            assert place.sentence is not None, record.question
        if place.passage is not None:
            assert place.in_article, record.question
    # The pipeline finds most of the sample's answers somewhere; a broken stage would not.
    assert sum(p.candidate is not None for p in places) > len(places) // 2
    assert sum(p.passage == 0 for p in places) > len(places) // 2
