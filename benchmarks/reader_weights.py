"""How much the reader (service/reader.py) should count: top-1 of the candidate ranking per weight.

    .venv/bin/python benchmarks/reader_weights.py GOLD:INDEX_DIR [GOLD:INDEX_DIR ...]
        [--cache FILE]

Reads every answerable question as `ask` reads it (Engine.read, on the gold's day where it
gives one), ranks the candidate spans by the rules (span_scoring), and has the real reader score
the first READ_DEPTH of them, each beside its own sentence, as `ask` does. Prints, per gold set,
how many questions have a gold answer in the rules' first candidate, among the first READ_DEPTH,
and first after adding each weight times the reader's likelihood under three length norms (sum,
mean, per square root of the tokens); "alone" is the reader's own choice among them. The
likelihoods are cached (--cache), so trying other weights costs nothing. Nothing is written to
the repository.
"""

from __future__ import annotations

import argparse
import math
import os
import pickle
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from eval.gold import load_gold  # noqa: E402
from eval.metrics import gold_contained  # noqa: E402
from service import SearchFilters, Settings, engine_for  # noqa: E402
from service.prompting import PromptLibrary  # noqa: E402
from service.reader import READ_DEPTH, log_probabilities, shared_reader  # noqa: E402
from service.span_scoring import rank_candidates  # noqa: E402

WEIGHTS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.7)
NORMS = ("sum", "mean", "sqrt")


def collect(gold: Path, index_dir: Path) -> list[dict[str, Any]]:
    """Per answerable question: the rules' first READ_DEPTH candidates, their scores, whether
    each holds a gold answer, and the reader's total log-probability and token count for each."""
    engine = engine_for(Settings(index_dir=index_dir, llm="extractive"))
    reader, prompts = shared_reader(), PromptLibrary()
    out: list[dict[str, Any]] = []
    for record in load_gold(gold):
        if not record.answerable:
            continue
        reading = engine.read(record.question, filters=SearchFilters(as_of=record.date))
        read = rank_candidates(
            reading.profile, reading.ranked, reading.passages, week=reading.week
        )[:READ_DEPTH]
        if not read:
            out.append({"scores": [], "gold": [], "lp": []})
            continue
        out.append(
            {
                "scores": [c.score for c in read],
                "gold": [gold_contained(c.text, record.answers) for c in read],
                "lp": log_probabilities(reader, prompts, record.question, read),
            }
        )
    return out


def first_right(q: dict[str, Any], weight: float, norm: str) -> bool:
    """Whether the best candidate after adding the reader's weighted likelihood holds gold."""
    if not q["scores"]:
        return False
    divisor = {"sum": lambda n: 1.0, "mean": float, "sqrt": math.sqrt}[norm]
    combined = [
        score + weight * total / divisor(n)
        for score, (total, n) in zip(q["scores"], q["lp"], strict=True)
    ]
    return bool(q["gold"][combined.index(max(combined))])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="+", help="GOLD:INDEX_DIR pairs")
    parser.add_argument("--cache", type=Path, help="pickle of the reader's scores, reused")
    args = parser.parse_args()
    if args.cache and args.cache.is_file():
        collected = pickle.loads(args.cache.read_bytes())
    else:
        collected = {}
        for pair in args.sets:
            gold, index_dir = (Path(part) for part in pair.split(":", 1))
            collected[f"{gold.parent.name}/{gold.name}"] = collect(gold, index_dir)
        if args.cache:
            args.cache.write_bytes(pickle.dumps(collected))
    for name, questions in collected.items():
        rules = sum(bool(q["gold"] and q["gold"][0]) for q in questions)
        within = sum(any(q["gold"]) for q in questions)
        alone = sum(first_right(q, 1e6, "sum") for q in questions)
        print(
            f"{name}: {len(questions)} answerable; gold first by the rules {rules}, among "
            f"the first {READ_DEPTH} {within}, first by the reader alone {alone}"
        )
        for norm in NORMS:
            cells = " ".join(
                f"{w}:{sum(first_right(q, w, norm) for q in questions)}" for w in WEIGHTS
            )
            print(f"  {norm:4s} {cells}")


if __name__ == "__main__":
    main()
