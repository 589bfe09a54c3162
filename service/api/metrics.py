"""Prometheus metrics of one app, in a registry of its own (tests create many apps)."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# Latency buckets in seconds: retrieval is milliseconds, a CPU LLM answer tens of seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class ApiMetrics:
    """Request, retrieval and generation metrics; names are prefixed footnote_."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "footnote_http_requests",
            "HTTP requests answered, by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "footnote_http_request_duration_seconds",
            "Time to answer an HTTP request (to the last byte of a stream).",
            ["route", "method", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.retrieval_seconds = Histogram(
            "footnote_retrieval_seconds",
            "Time to retrieve passages for a search or a question.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.generation_seconds = Histogram(
            "footnote_generation_seconds",
            "Time an LLM generation held its slot, from start to its last piece.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.tokens = Counter(
            "footnote_tokens_generated",
            "Pieces of text the LLM backend streamed (about one token each).",
            registry=self.registry,
        )
        self.abstentions = Counter(
            "footnote_abstentions",
            "Questions answered with an abstention.",
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "footnote_generation_queue_depth",
            "Generations waiting for a slot.",
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "footnote_generations_in_flight",
            "Generations running now.",
            registry=self.registry,
        )

    def watch_gate(self, waiting: Callable[[], int], running: Callable[[], int]) -> None:
        """Read the queue gauges from the generation gate when scraped."""
        self.queue_depth.set_function(lambda: float(waiting()))
        self.in_flight.set_function(lambda: float(running()))

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        labels = {"route": route, "method": method, "status": str(status)}
        self.requests.labels(**labels).inc()
        self.request_seconds.labels(**labels).observe(seconds)

    def render(self) -> bytes:
        """The registry in Prometheus' text format."""
        return generate_latest(self.registry)
