"""The passages a model reads: best evidence first, overlapping chunks of an article as one."""

from __future__ import annotations

import json
from typing import Any

from indexer.store import Store
from service.backends.extractive import ExtractiveBackend
from service.evidence import Evidence, passages_for_prompt, rank_evidence
from service.factory import engine_for
from service.passages import Passage
from service.settings import Settings
from tests.conftest import REPO

ARTICLE = "One. Two two. Three three three. Four four four four. Five five five five five."


def chunk(chunk_id: int, start: int, end: int, document: str = "doc") -> Passage:
    """A chunk of ARTICLE (or of another document's text at the same offsets)."""
    return Passage(
        chunk_id,
        document,
        f"{document}.txt",
        "T",
        None,
        None,
        ARTICLE[start:end],
        start,
        end,
        score=chunk_id / 10,
    )


def evidence_in(*passages: Passage) -> list[Evidence]:
    """Evidence in this order, one per passage (the order passages_for_prompt honours)."""
    return [Evidence(n, p, p.text, p.start, p.end) for n, p in enumerate(passages, start=1)]


def spans(passages: list[Passage]) -> list[tuple[str, int, int]]:
    return [(p.document_id, p.start, p.end) for p in passages]


def test_overlapping_chunks_of_one_article_are_read_as_one_passage() -> None:
    first, second = chunk(1, 0, 32), chunk(2, 14, 52)

    shown = passages_for_prompt([first, second], evidence_in(second, first), limit=5)

    assert spans(shown) == [("doc", 0, 52)]
    assert shown[0].text == ARTICLE[0:52]
    assert shown[0].score == second.score  # the better of the two


def test_a_chunk_bridging_two_shown_passages_joins_them_where_the_first_stood() -> None:
    left, right, bridge, other = (
        chunk(1, 0, 13),
        chunk(2, 33, 52),
        chunk(3, 5, 40),
        chunk(4, 0, 13, "other"),
    )

    shown = passages_for_prompt(
        [left, right, bridge, other], evidence_in(left, other, right, bridge), limit=5
    )

    assert spans(shown) == [("doc", 0, 52), ("other", 0, 13)]
    assert shown[0].text == ARTICLE[0:52]


def test_chunks_that_only_touch_or_belong_to_other_articles_stay_apart() -> None:
    before, after, elsewhere = chunk(1, 0, 13), chunk(2, 14, 32), chunk(3, 5, 20, "other")

    shown = passages_for_prompt(
        [before, after, elsewhere], evidence_in(before, after, elsewhere), limit=5
    )

    assert spans(shown) == [("doc", 0, 13), ("doc", 14, 32), ("other", 5, 20)]


def test_the_limit_counts_chunks_so_merging_shortens_the_prompt() -> None:
    chunks = [chunk(1, 0, 32), chunk(2, 14, 52), chunk(3, 53, 80)]

    shown = passages_for_prompt(chunks, evidence_in(*chunks), limit=2)

    assert spans(shown) == [("doc", 0, 52)]


def test_every_prompt_passage_is_a_verbatim_span_of_its_article(
    sample_settings: Settings, embedder: Any
) -> None:
    engine = engine_for(sample_settings, backend=ExtractiveBackend(embedder))
    store = Store.open(sample_settings.index_dir)
    gold = REPO / "eval" / "data" / "sample-news.gold.jsonl"
    merged = 0
    for line in gold.read_text(encoding="utf-8").splitlines():
        question = json.loads(line)["question"]
        passages = engine.search(question, top_k=5)
        shown = passages_for_prompt(passages, rank_evidence(question, passages, embedder), 5)
        for p in shown:
            assert store.get_document(p.document_id).text[p.start : p.end] == p.text
        for i, a in enumerate(shown):
            for b in shown[i + 1 :]:
                assert a.document_id != b.document_id or a.end <= b.start or b.end <= a.start
        for p in passages:  # all five are read (limit 5): each lies inside a shown passage
            assert any(
                s.document_id == p.document_id and s.start <= p.start and p.end <= s.end
                for s in shown
            )
        merged += len(passages) - len(shown)
    assert merged > 0  # the sample questions do retrieve overlapping chunks
