"""How often Footnote answers questions its archive is not about: another gold set's questions.

    .venv/bin/python benchmarks/off_topic.py GOLD:INDEX_DIR [GOLD:INDEX_DIR ...]
        [--floor F ...] [--limit N]

The gold sets' unanswerable questions are near misses, written about the same stories as their
corpus. A person also asks about things the archive never covers. Asked of another corpus, one
gold set's questions are such questions: SQuAD's Wikipedia questions of the rtqa news store,
the news questions of the SQuAD store. Every one should be refused (a few may be answered by
chance: a Wikipedia fact a news article states too).

Each question is asked as `ask` asks it, without a day and without a language model
(extractive), once per --floor given (Settings.min_topic_similarity; default: the setting's
own). Prints, per pair and floor, how many were answered and how many refused, and the
refusals by reason. Nothing is written to the repository.
"""

from __future__ import annotations

import argparse
import os
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from eval.gold import load_gold  # noqa: E402
from service import Settings, engine_for  # noqa: E402
from service.engine import Engine  # noqa: E402


def reason_kind(reason: str | None) -> str:
    """A refusal's reason without what it names: "the articles never mention X" is "the
    articles never mention", "'Title' states no outlet" is "the article states no outlet"."""
    text = re.sub(r"^'.*' states", "the article states", reason or "no reason given")
    text = re.sub(r" (mention|discuss) .*$", r" \1", text)
    return re.split(r"[:(]", text, maxsplit=1)[0].strip()


def tally(engine: Engine, questions: Sequence[str]) -> Counter[str]:
    """Answered and refused questions, and the refusals by kind of reason."""
    counts: Counter[str] = Counter()
    for question in questions:
        answer = engine.ask(question)
        counts["refused" if answer.abstained else "answered"] += 1
        if answer.abstained:
            counts[f"  {reason_kind(answer.reason)}"] += 1
    return counts


def report(label: str, floor: float | None, counts: Counter[str]) -> list[str]:
    """Lines for one pair at one floor, the commonest refusal reasons first."""
    asked = counts["answered"] + counts["refused"]
    shown = "the setting's" if floor is None else f"{floor:.2f}"
    lines = [
        f"{label}, topic floor {shown}: {asked} asked, {counts['answered']} answered "
        f"({counts['answered'] / max(asked, 1):.3f}), {counts['refused']} refused"
    ]
    reasons = [(k, n) for k, n in counts.most_common() if k.startswith("  ")]
    lines += [f"{kind}: {n}" for kind, n in reasons]
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pairs", nargs="+", help="GOLD:INDEX_DIR, the store of another corpus")
    parser.add_argument(
        "--floor", type=float, action="append", help="min_topic_similarity to try (repeatable)"
    )
    parser.add_argument("--limit", type=int, help="ask only the first N questions of each set")
    args = parser.parse_args(argv)
    for pair in args.pairs:
        gold, index_dir = (Path(part) for part in pair.split(":", 1))
        questions = [record.question for record in load_gold(gold)][: args.limit]
        label = f"{gold.parent.name}/{gold.name} asked of {index_dir}"
        for floor in args.floor or [None]:
            settings = Settings(index_dir=index_dir, llm="extractive", min_topic_similarity=floor)
            print("\n".join(report(label, floor, tally(engine_for(settings), questions))))


if __name__ == "__main__":
    main()
