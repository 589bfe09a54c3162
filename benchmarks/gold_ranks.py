"""Where the gold answer is lost: retrieval, the evidence sentences, or the span ranking.

    .venv/bin/python benchmarks/gold_ranks.py GOLD:INDEX_DIR [GOLD:INDEX_DIR ...] [--top-k K]

Reads every answerable question as `ask` reads it (Engine.read, on the gold's day where it
gives one) and follows a gold answer down the pipeline: the first retrieved passage holding
it, the first ranked evidence sentence holding it, and the first candidate span (the rules'
ranking, span_scoring.rank_candidates, without the reader) that contains it. Prints, per gold
set, how many questions have it first, second to fifth, sixth to tenth, lower or nowhere at
each stage, and for those where no candidate holds it, the first stage that lost it:
- not in any retrieved article;
- in a retrieved article, but in none of its retrieved passages (another part of the article);
- in a retrieved passage, but in no ranked evidence sentence (or split across two);
- in an evidence sentence, but in no candidate span (too low a sentence, or no span of it).
No answer is generated and nothing is written to the repository.
"""

from __future__ import annotations

import argparse
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from eval.gold import GoldQuestion, load_gold  # noqa: E402
from eval.metrics import gold_contained  # noqa: E402
from service import SearchFilters, Settings, engine_for  # noqa: E402
from service.engine import Engine  # noqa: E402
from service.span_scoring import rank_candidates  # noqa: E402

BUCKETS = ("1", "2-5", "6-10", "11+", "none")
STAGES = ("passage", "sentence", "candidate")
LOSSES = (
    "not in any retrieved article",
    "in a retrieved article, not in its passages",
    "in a passage, not in an evidence sentence",
    "in an evidence sentence, not in a candidate",
)


@dataclass(frozen=True)
class GoldPlace:
    """The 0-based rank at which a gold answer first appears at each stage (None: nowhere)."""

    passage: int | None
    sentence: int | None
    candidate: int | None
    in_article: bool

    @property
    def loss(self) -> str | None:
        """The first stage that lost the gold answer; None where a candidate holds it."""
        if self.candidate is not None:
            return None
        if self.passage is None:
            return LOSSES[1] if self.in_article else LOSSES[0]
        return LOSSES[2] if self.sentence is None else LOSSES[3]


def bucket(rank: int | None) -> str:
    """ "1", "2-5", "6-10", "11+" or "none" for a 0-based rank."""
    if rank is None:
        return "none"
    return "1" if rank == 0 else "2-5" if rank < 5 else "6-10" if rank < 10 else "11+"


def first_holding(texts: Sequence[str], answers: Sequence[str]) -> int | None:
    """The index of the first text containing a gold answer (SQuAD-normalized), or None."""
    return next((i for i, text in enumerate(texts) if gold_contained(text, answers)), None)


def place_of_gold(engine: Engine, record: GoldQuestion, top_k: int | None) -> GoldPlace:
    """Where one answerable question's gold answer is, read as `ask` reads the question."""
    reading = engine.read(record.question, top_k=top_k, filters=SearchFilters(as_of=record.date))
    store = engine.snapshots.current().store  # the store version the engine just read
    candidates = rank_candidates(
        reading.profile, reading.ranked, reading.passages, week=reading.week
    )
    articles = dict.fromkeys(p.document_id for p in reading.passages)
    return GoldPlace(
        passage=first_holding([p.text for p in reading.passages], record.answers),
        sentence=first_holding([e.text for e in reading.ranked], record.answers),
        candidate=first_holding([c.text for c in candidates], record.answers),
        in_article=any(
            gold_contained(store.get_document(d).text, record.answers) for d in articles
        ),
    )


def summary(name: str, places: Sequence[GoldPlace]) -> list[str]:
    """The lines printed for one gold set."""
    lines = [f"{name}: {len(places)} answerable questions; gold first seen at rank"]
    for stage in STAGES:
        counts = Counter(bucket(getattr(p, stage)) for p in places)
        cells = ", ".join(f"{b} {counts[b]}" for b in BUCKETS)
        lines.append(f"  {stage + ':':<11} {cells}")
    losses = Counter(p.loss for p in places if p.loss is not None)
    lines.append(f"  no candidate holds it: {sum(losses.values())}")
    lines.extend(f"    {loss}: {losses[loss]}" for loss in LOSSES)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="+", help="GOLD:INDEX_DIR pairs")
    parser.add_argument("--top-k", type=int, help="passages retrieved (default: the setting's)")
    args = parser.parse_args()
    for pair in args.sets:
        gold, index_dir = (Path(part) for part in pair.split(":", 1))
        engine = engine_for(Settings(index_dir=index_dir, llm="extractive"))
        answerable = [record for record in load_gold(gold) if record.answerable]
        places = [place_of_gold(engine, record, args.top_k) for record in answerable]
        print("\n".join(summary(f"{gold.parent.name}/{gold.name}", places)))


if __name__ == "__main__":
    main()
