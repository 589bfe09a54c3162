"""A backend with no LLM: it answers with the best candidate span, or quotes the evidence.

Deterministic and fast; the answer of last resort when an LLM's reply cannot be verified.
"""

from __future__ import annotations

from collections.abc import Iterator

from indexer.embedding import Embedder
from service.backends.base import GenerationRequest
from service.evidence import rank_evidence


class ExtractiveBackend:
    """Answers with the best candidate span, or with the best evidence sentence, cited."""

    name = "extractive"
    model = "extractive"

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def check(self) -> None:
        """Always ready: nothing to load beyond the embedder."""

    def generate(self, request: GenerationRequest) -> Iterator[str]:
        """The best candidate span when the request has candidates; else the best sentence."""
        if request.candidates:
            yield request.candidates[0].text
            return
        ranked = request.evidence
        if ranked is None:
            ranked = rank_evidence(request.question, request.passages, self.embedder)
        if ranked:
            yield f"{ranked[0].text} [{ranked[0].n}]"
