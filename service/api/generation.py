"""Generation is the scarce resource: a bounded queue in front of the LLM backend.

`GatedBackend` wraps the engine's backend so a slot is taken only when generation actually
starts (the first piece is asked for). Retrieval, searches and abstentions never call the
backend, so they never wait behind an LLM. Generation runs in worker threads (the engine is
synchronous), so the gate is a threading one.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Generator, Iterator

from service.api.metrics import ApiMetrics
from service.backends.base import Backend, GenerationRequest
from service.errors import QueueFull


class GenerationGate:
    """At most `concurrent` generations run and `queued` wait; beyond that QueueFull at once."""

    def __init__(self, *, concurrent: int, queued: int, max_wait_s: float) -> None:
        if concurrent < 1 or queued < 0 or max_wait_s <= 0:
            raise ValueError("concurrent must be >= 1, queued >= 0 and max_wait_s > 0")
        self.concurrent = concurrent
        self.queued = queued
        self.max_wait_s = max_wait_s
        self._changed = threading.Condition()
        self._running = 0
        self._waiting = 0

    @property
    def running(self) -> int:
        """Generations holding a slot now."""
        with self._changed:
            return self._running

    @property
    def waiting(self) -> int:
        """Generations waiting for a slot now."""
        with self._changed:
            return self._waiting

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Hold a generation slot for the body of the `with` block (blocks this thread)."""
        self._acquire()
        try:
            yield
        finally:
            self._release()

    def _acquire(self) -> None:
        with self._changed:
            # Newcomers queue behind waiters rather than overtaking them.
            if self._running < self.concurrent and self._waiting == 0:
                self._running += 1
                return
            if self._waiting >= self.queued:
                raise QueueFull(
                    f"{self._running} answers are being written and {self._waiting} are "
                    f"waiting, the most this server allows; ask again shortly"
                )
            self._waiting += 1
            try:
                deadline = time.monotonic() + self.max_wait_s
                while self._running >= self.concurrent:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise QueueFull(
                            f"no generation slot freed up within {self.max_wait_s:g} s; "
                            f"the server is overloaded, ask again later"
                        )
                    self._changed.wait(remaining)
            finally:
                self._waiting -= 1
            self._running += 1

    def _release(self) -> None:
        with self._changed:
            self._running -= 1
            self._changed.notify()


class GatedBackend:
    """A Backend that takes a gate slot while it generates, and counts what it streams."""

    def __init__(self, inner: Backend, gate: GenerationGate, metrics: ApiMetrics) -> None:
        self.inner = inner
        self.name = inner.name
        self._gate = gate
        self._metrics = metrics

    @property
    def model(self) -> str:
        """The wrapped backend's model (llama.cpp names it once it has loaded it)."""
        return self.inner.model

    def check(self) -> None:
        """The wrapped backend's check."""
        self.inner.check()

    def generate(self, request: GenerationRequest) -> Generator[str, None, None]:
        """The wrapped backend's pieces; the slot is held until the last one or close()."""
        with self._gate.slot():
            started = time.perf_counter()
            pieces = self.inner.generate(request)
            try:
                for piece in pieces:
                    self._metrics.tokens.inc()
                    yield piece
            finally:
                # Closing at once releases the backend (llama.cpp holds a lock while it streams).
                if isinstance(pieces, Generator):
                    pieces.close()
                self._metrics.generation_seconds.observe(time.perf_counter() - started)
