"""A gold set in seeded random order, so that `--limit N` asks a fair sample of it.

    python -m eval.shuffle_gold GOLD --out FILE [--seed 0]

Some gold sets come sorted: RealTime QA's by week, with its unanswerable questions last, so the
first N questions of the file would all be answerable and all from January. The whole file must
load as a gold set first; its lines are then copied unchanged, only reordered.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from eval.gold import load_gold
from indexer.atomic_files import write_text_atomically
from indexer.errors import FootnoteError


def shuffled_lines(text: str, seed: int) -> list[str]:
    """The non-blank lines of a JSON-lines text in an order fixed by `seed`."""
    lines = [line for line in text.splitlines() if line.strip()]
    random.Random(seed).shuffle(lines)
    return lines


def write_shuffled_gold(source: Path, out: Path, *, seed: int) -> int:
    """Check `source` as a gold set, write its lines shuffled to `out`; the number of questions."""
    if out.resolve() == source.resolve():
        raise ValueError(f"--out {out} is the gold file itself; write the shuffle to another file")
    load_gold(source)
    lines = shuffled_lines(source.read_text(encoding="utf-8"), seed)
    write_text_atomically(out, "".join(f"{line}\n" for line in lines))
    return len(lines)


def build_parser() -> argparse.ArgumentParser:
    """The command's arguments."""
    parser = argparse.ArgumentParser(
        prog="python -m eval.shuffle_gold",
        description="Write a gold set's questions in seeded random order.",
    )
    parser.add_argument("gold", type=Path, help="gold set, JSON lines")
    parser.add_argument("--out", type=Path, required=True, help="file to write the shuffle to")
    parser.add_argument("--seed", type=int, default=0, help="shuffling seed (0)")
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    """Shuffle and say what was written; errors are one line on stderr, exit 1."""
    args = build_parser().parse_args(argv)
    try:
        count = write_shuffled_gold(args.gold, args.out, seed=args.seed)
    except (FootnoteError, ValueError) as exc:
        sys.stderr.write(f"eval.shuffle_gold: {exc}\n")
        return 1
    out.write(f"wrote {count} questions of {args.gold} to {args.out} (seed {args.seed})\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
