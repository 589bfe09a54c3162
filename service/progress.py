"""Progress on stderr for long work: a tqdm bar on a terminal, about ten plain lines otherwise.

Libraries report through an `on_progress(done, total)` callback; only the command layer turns
that into something a person sees, so batch stages stay free of terminal concerns.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

# A log of a long background run shows about this many steps instead of a redrawn bar.
PLAIN_LINES = 10

OnProgress = Callable[[int, int], None]


@contextlib.contextmanager
def progress_bar(label: str, *, unit: str) -> Iterator[OnProgress]:
    """An on_progress(done, total) callback that shows `label` advancing in `unit`s."""
    if not sys.stderr.isatty():
        yield _PlainLines(label, unit)
        return
    from tqdm import tqdm

    bar = tqdm(desc=label, unit=unit, file=sys.stderr)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()


class _PlainLines:
    def __init__(self, label: str, unit: str) -> None:
        self.label = label
        self.unit = unit
        self._last = -1

    def __call__(self, done: int, total: int) -> None:
        step = max(1, total // PLAIN_LINES)
        if done != self._last and (done == total or done % step == 0):
            self._last = done
            sys.stderr.write(f"{self.label}: {done}/{total} {self.unit}s\n")
