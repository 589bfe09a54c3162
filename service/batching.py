"""Run a batch function for concurrent callers together, without making any caller wait.

Embedding eight queries in one call costs less than eight calls, and FAISS scans its vectors
once for a batch of queries. `Batcher` turns concurrent single calls into such batches: a
caller that finds a free lane runs at once, with every call waiting at that moment; callers
that arrive while all lanes are busy wait, and the next free lane takes them together. An
idle service therefore answers exactly as without batching, and a busy one gets batches.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class _Call(Generic[T, R]):
    __slots__ = ("item", "result", "error", "done")

    def __init__(self, item: T) -> None:
        self.item = item
        self.result: R | None = None
        self.error: BaseException | None = None
        self.done = False


class Batcher(Generic[T, R]):
    """Calls `run(items) -> results` (one result per item, in order) for concurrent callers.

    `lanes` batches run at once (one per core is right for CPU-bound work); a batch takes at
    most `max_batch` waiting calls, oldest first. An exception fails every call of its batch.
    """

    def __init__(self, run: Callable[[Sequence[T]], Sequence[R]], *, lanes: int, max_batch: int):
        if lanes < 1 or max_batch < 1:
            raise ValueError("lanes and max_batch must be at least 1")
        self._run = run
        self._lanes = lanes
        self._max_batch = max_batch
        self._waiting: deque[_Call[T, R]] = deque()
        self._busy = 0
        self._changed = threading.Condition()

    def __call__(self, item: T) -> R:
        call: _Call[T, R] = _Call(item)
        with self._changed:
            self._waiting.append(call)
            while not call.done:
                if self._busy < self._lanes and self._waiting:
                    batch = [
                        self._waiting.popleft()
                        for _ in range(min(self._max_batch, len(self._waiting)))
                    ]
                    self._busy += 1
                    self._changed.release()
                    try:
                        _settle(batch, self._run)
                    finally:
                        self._changed.acquire()
                        self._busy -= 1
                        self._changed.notify_all()
                else:
                    self._changed.wait()
        if call.error is not None:
            raise call.error
        return call.result  # type: ignore[return-value]


def _settle(batch: list[_Call[T, R]], run: Callable[[Sequence[T]], Sequence[R]]) -> None:
    try:
        results = run([c.item for c in batch])
        if len(results) != len(batch):
            raise RuntimeError(f"batch function gave {len(results)} results for {len(batch)}")
        for call, result in zip(batch, results, strict=True):
            call.result = result
    except BaseException as exc:  # every caller of the batch sees the failure
        for call in batch:
            call.error = exc
    for call in batch:
        call.done = True
