"""Split an eval run's answerable questions by how old their gold articles are.

    .venv/bin/python benchmarks/source_age_split.py GOLD --index-dir DIR REPORT [REPORT ...]
        [--days 10]

RealTime QA questions ask about "this week", and a question counts as answerable where its
answer's text occurs in one of its source articles. In rtqa-2024-dev about half of the
answerable questions have no source published in the DAYS before the question's date: their
answer occurs only in an older article that tells of something else (asked which city has a
measles outbreak linked to a migrant shelter, the one source holding "Chicago" is a 2022
article on Omicron). Footnote is right not to assert those, and they weigh on every figure.
This prints, per report, the gold-contained, short-answer and abstention shares of both
halves, so a change can be read on the questions the corpus really answers too.
Publication dates come from the store (the dates the indexer read from the articles).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from eval.gold import load_gold
from indexer.store import Store

DEFAULT_DAYS = 10


@dataclass(frozen=True)
class Share:
    """Counts over one group of answerable questions."""

    questions: int
    contained: int
    short: int
    abstained: int

    def line(self, label: str) -> str:
        n = max(self.questions, 1)
        return (
            f"  {label:<34} {self.questions:>4} questions: gold in answer "
            f"{self.contained / n:.3f}, in short answer {self.short / n:.3f}, "
            f"abstained {self.abstained / n:.3f}"
        )


def published_by_source(index_dir: Path) -> dict[str, date]:
    """Article file stem -> the day it was published, for every dated article of the store."""
    store = Store.open(index_dir)
    try:
        days: dict[str, date] = {}
        offset, page = 0, 1000
        while batch := store.list_documents(limit=page, offset=offset):
            for info in batch:
                if info.published:
                    days[Path(info.source).stem] = date.fromisoformat(info.published[:10])
            offset += page
        return days
    finally:
        store.close()


def fresh_questions(gold: Path, published: dict[str, date], days: int) -> dict[str, bool]:
    """Answerable question id -> whether a source was published in the `days` before it."""
    fresh: dict[str, bool] = {}
    for record in load_gold(gold):
        if not record.answerable or record.date is None:
            continue
        asked = date.fromisoformat(record.date)
        window = (asked - timedelta(days=days), asked)
        fresh[record.id] = any(
            window[0] <= published[s] <= window[1] for s in record.sources if s in published
        )
    return fresh


def split(report: Path, fresh: dict[str, bool]) -> dict[bool, Share]:
    """Per half (True: a fresh source), the counts of one report's answers."""
    counts = {True: [0, 0, 0, 0], False: [0, 0, 0, 0]}
    for line in (report / "results.jsonl").read_text(encoding="utf-8").splitlines():
        result: dict[str, Any] = json.loads(line)
        if result["id"] not in fresh:
            continue
        row = counts[fresh[result["id"]]]
        row[0] += 1
        row[1] += bool(result.get("gold_contained"))
        row[2] += bool(result.get("short_answer_contained"))
        row[3] += bool(result.get("abstained"))
    return {half: Share(*row) for half, row in counts.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("gold", type=Path)
    parser.add_argument("reports", type=Path, nargs="+", help="eval --report directories")
    parser.add_argument("--index-dir", type=Path, required=True, help="the store evaluated")
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS)
    args = parser.parse_args()
    fresh = fresh_questions(args.gold, published_by_source(args.index_dir), args.days)
    for report in args.reports:
        halves = split(report, fresh)
        print(f"{report}:")
        print(halves[True].line(f"a source in the {args.days} days asked"))
        print(halves[False].line("only older sources"))


if __name__ == "__main__":
    main()
