"""Batcher: concurrent calls share batches, each caller gets its own result or error."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from indexer.embedding import SentenceTransformerEmbedder
from indexer.store import Store
from service.batching import Batcher
from service.retrieval import Retriever
from service.settings import Settings


class Doubler:
    """Doubles numbers; the first batch blocks until released, so callers pile up behind it."""

    def __init__(self, *, block_first: bool) -> None:
        self.batches: list[list[int]] = []
        self.started = threading.Event()
        self.release = threading.Event()
        if not block_first:
            self.release.set()

    def __call__(self, items: Sequence[int]) -> list[int]:
        self.batches.append(list(items))
        self.started.set()
        self.release.wait(timeout=30)
        if any(i < 0 for i in items):
            raise ValueError("negative")
        return [2 * i for i in items]


def wait_for_waiters(batcher: Batcher[int, int], count: int) -> None:
    for _ in range(3000):
        if len(batcher._waiting) == count:
            return
        threading.Event().wait(0.01)
    raise AssertionError(f"{count} callers never queued up")


def behind_a_running_batch(
    pool: ThreadPoolExecutor,
    batcher: Batcher[int, int],
    run: Doubler,
    first: int,
    queued: list[int],
) -> tuple[Future[int], list[Future[int]]]:
    """Call with `first` (its batch blocks), then with `queued` while it runs; then release."""
    head = pool.submit(batcher, first)
    assert run.started.wait(timeout=30)
    rest = [pool.submit(batcher, i) for i in queued]
    wait_for_waiters(batcher, len(queued))
    run.release.set()
    return head, rest


def test_a_lone_call_runs_at_once_by_itself() -> None:
    run = Doubler(block_first=False)
    batcher = Batcher(run, lanes=1, max_batch=8)
    assert batcher(21) == 42
    assert run.batches == [[21]]


def test_calls_arriving_while_a_batch_runs_are_taken_together() -> None:
    run = Doubler(block_first=True)
    batcher = Batcher(run, lanes=1, max_batch=3)
    with ThreadPoolExecutor(max_workers=8) as pool:
        first, rest = behind_a_running_batch(pool, batcher, run, 1, [2, 3, 4, 5, 6])
        results = [first.result(timeout=30)] + [f.result(timeout=30) for f in rest]
    assert results == [2, 4, 6, 8, 10, 12]
    # One call alone, then the five waiting ones, oldest first and at most three at a time.
    assert run.batches[0] == [1]
    assert sorted(len(b) for b in run.batches[1:]) == [2, 3]
    assert sorted(i for b in run.batches[1:] for i in b) == [2, 3, 4, 5, 6]


def test_a_failing_batch_fails_its_callers_only() -> None:
    run = Doubler(block_first=True)
    batcher = Batcher(run, lanes=1, max_batch=8)
    with ThreadPoolExecutor(max_workers=4) as pool:
        first, (bad, good) = behind_a_running_batch(pool, batcher, run, 1, [-1, 5])
        assert first.result(timeout=30) == 2
        for future in (bad, good):  # batched with the bad item, so it fails too
            with pytest.raises(ValueError, match="negative"):
                future.result(timeout=30)
    assert batcher(4) == 8  # the batcher is still usable


def test_concurrent_searches_find_what_one_search_finds(
    sample_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    retriever = Retriever(Store.open(sample_settings.index_dir), embedder)
    queries = [
        "Who signed the port agreement?",
        "tram strike pay rise",
        "How much will the flood barrier cost?",
        "grey salt seized by police",
        "central bank interest rate",
        "border crossing reopened to trucks",
    ] * 3
    alone = [retriever.search(q, top_k=3 + i % 3) for i, q in enumerate(queries)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(
            pool.map(lambda iq: retriever.search(iq[1], top_k=3 + iq[0] % 3), enumerate(queries))
        )
    assert [[p.chunk_id for p in ps] for ps in together] == [
        [p.chunk_id for p in ps] for ps in alone
    ]
