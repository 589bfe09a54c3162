"""Fit the short-answer ranker's weights (service/span_scoring.WEIGHTS) on gold sets.

    .venv/bin/python benchmarks/fit_span_weights.py GOLD:INDEX_DIR [GOLD:INDEX_DIR ...]
        [--cache-dir DIR]

Asks every answerable question of each gold set through the engine's retrieval and evidence
ranking, describes each candidate span by span_scoring.FEATURES, and fits one linear ranker
(softmax over a question's candidates, plain gradient descent, pulled towards the current
weights) on half of every set: alternate weeks where the gold has dates (rtqa-2024-dev),
alternate questions otherwise. The other half is held out. Fitting on several corpora at once
matters: weights fitted on rtqa alone leaned on how often a name recurs across its many
same-topic articles, and fell from 0.56 to 0.21 on the five seed articles. Prints, per set and
half, the share of questions whose top-ranked span contains a gold answer, for the current and
the fitted weights, then the fitted weights as Python. Nothing is written to the repository.
"""

from __future__ import annotations

import argparse
import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from eval.gold import load_gold  # noqa: E402
from eval.metrics import gold_contained  # noqa: E402
from service import SearchFilters, Settings, engine_for  # noqa: E402
from service.salience import leading_sentences  # noqa: E402
from service.span_scoring import FEATURES, WEIGHTS, sentences_about, span_features  # noqa: E402
from service.spans import candidate_spans  # noqa: E402

# Pull towards the current weights: with a few hundred questions a free fit chases one
# corpus's habits.
L2 = 0.05
STEPS = 3000
LEARNING_RATE = 0.1


def collect(gold: Path, index_dir: Path) -> list[dict[str, Any]]:
    """Per answerable question: its week, and every candidate's features and correctness.

    Each question is read as `ask` reads it (Engine.read): on the gold's day where it gives
    one, so that the week asked about counts as it does when answering.
    """
    engine = engine_for(Settings(index_dir=index_dir, llm="extractive"))
    out = []
    for record in load_gold(gold):
        if not record.answerable:
            continue
        reading = engine.read(record.question, filters=SearchFilters(as_of=record.date))
        profile = reading.profile
        rows, labels = [], []
        about = sentences_about(profile, reading.passages)
        leading = leading_sentences(reading.ranked)
        for candidate in candidate_spans(profile, reading.ranked):
            features = span_features(profile, candidate, about, leading)
            if features is not None:
                rows.append([features[name] for name in FEATURES])
                labels.append(gold_contained(candidate.text, record.answers))
        out.append({"week": record.date or "", "x": rows, "y": labels})
    return out


def top1(questions: list[dict[str, Any]], w: np.ndarray) -> float:
    """Share of questions whose best-scored candidate contains a gold answer."""
    hits = 0
    for q in questions:
        if q["x"]:
            hits += bool(q["y"][int(np.argmax(np.array(q["x"]) @ w))])
    return hits / max(len(questions), 1)


def fit(sets: list[list[dict[str, Any]]], start: np.ndarray) -> np.ndarray:
    """Weights maximising the log-probability of the gold-containing candidates.

    Each set counts equally, however many questions it has: otherwise the largest corpus's
    habits decide for all.
    """
    usable = [
        (np.array(q["x"]), np.array(q["y"], dtype=bool), 1.0 / len(questions) / len(sets))
        for questions in sets
        for q in questions
        if any(q["y"]) and not all(q["y"])
    ]
    w = start.copy()
    for _ in range(STEPS):
        grad = L2 * (w - start)
        for x, y, share in usable:
            s = x @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            pos = p * y / (p * y).sum()
            grad -= share * (pos - p) @ x
        w -= LEARNING_RATE * grad
    return w


def halves(questions: list[dict[str, Any]]) -> tuple[list[Any], list[Any]]:
    """Alternate weeks where there are dates, alternate questions otherwise."""
    weeks = sorted({q["week"] for q in questions})
    if len(weeks) > 1:
        fit_weeks = set(weeks[::2])
        return (
            [q for q in questions if q["week"] in fit_weeks],
            [q for q in questions if q["week"] not in fit_weeks],
        )
    return questions[::2], questions[1::2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="+", help="GOLD:INDEX_DIR pairs")
    parser.add_argument("--cache-dir", type=Path, help="reuse collected features from here")
    args = parser.parse_args()
    split: dict[str, tuple[list[Any], list[Any]]] = {}
    for pair in args.sets:
        gold, _, index_dir = pair.partition(":")
        cache = (
            args.cache_dir / f"{Path(gold).parent.name}-{Path(gold).stem}.pkl"
            if args.cache_dir
            else None
        )
        if cache and cache.exists():
            questions = pickle.loads(cache.read_bytes())
        else:
            questions = collect(Path(gold), Path(index_dir))
            if cache:
                cache.parent.mkdir(parents=True, exist_ok=True)
                cache.write_bytes(pickle.dumps(questions))
        split[gold] = halves(questions)
    current = np.array([WEIGHTS[name] for name in FEATURES])
    fitted = fit([fit_half for fit_half, _ in split.values()], current)
    for gold, (fit_half, held) in split.items():
        print(f"{gold}: {len(fit_half)} fitted on, {len(held)} held out")
        for label, w in (("current", current), ("fitted", fitted)):
            print(f"  {label:8} fit half {top1(fit_half, w):.3f}, held out {top1(held, w):.3f}")
    print("WEIGHTS = {")
    for name, value in zip(FEATURES, fitted, strict=True):
        print(f'    "{name}": {value:.3f},')
    print("}")


if __name__ == "__main__":
    main()
