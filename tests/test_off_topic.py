"""benchmarks/off_topic.py: another gold set's questions asked of a store, counted."""

from __future__ import annotations

from collections import Counter

import pytest

from benchmarks.off_topic import main, reason_kind, report, tally
from indexer.embedding import SentenceTransformerEmbedder
from service import Settings
from tests.api_server import extractive_engine
from tests.conftest import REPO

SEED_GOLD = REPO / "eval" / "data" / "seed-news.gold.jsonl"


def test_a_reason_is_counted_by_its_kind_not_by_what_it_names() -> None:
    assert reason_kind("the articles never mention Atmar, Kabul") == "the articles never mention"
    assert reason_kind("the articles do not discuss bake, bread") == "the articles do not discuss"
    assert reason_kind(
        "nothing found is about the question: the closest passage or sentence has a similarity "
        "of 0.20"
    ) == ("nothing found is about the question")
    assert reason_kind("no sentence answers it (best evidence 0.31)") == "no sentence answers it"
    assert reason_kind("'Port deal signed' states no outlet") == "the article states no outlet"
    assert reason_kind(None) == "no reason given"


def test_the_report_counts_answers_and_refusals_by_reason() -> None:
    counts = Counter({"answered": 1, "refused": 3, "  the articles never mention": 2})
    counts["  nothing found is about the question"] += 1
    assert report("a asked of b", 0.3, counts) == [
        "a asked of b, topic floor 0.30: 4 asked, 1 answered (0.250), 3 refused",
        "  the articles never mention: 2",
        "  nothing found is about the question: 1",
    ]


def test_off_topic_questions_asked_of_the_sample_store_are_refused_and_counted(
    sample_settings: Settings,
    embedder: SentenceTransformerEmbedder,
    capsys: pytest.CaptureFixture[str],
) -> None:
    engine = extractive_engine(sample_settings, embedder)
    counts = tally(engine, ["What is 2+2?", "Who signed the port agreement?"])
    assert counts["answered"] == 1 and counts["refused"] == 1
    assert counts["  nothing found is about the question"] == 1
    # The seed articles' questions, none about the sample articles.
    main([f"{SEED_GOLD}:{sample_settings.index_dir}", "--limit", "5", "--floor", "0.3"])
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("data/seed-news.gold.jsonl asked of ")
    assert first.endswith("topic floor 0.30: 5 asked, 0 answered (0.000), 5 refused")
