"""A backend with no LLM: it answers by quoting the sentences that best answer the question.

Deterministic and fast; the answer of last resort when an LLM's sentences cannot be verified.
"""

from __future__ import annotations

from collections.abc import Iterator

from indexer.embedding import Embedder
from service.backends.base import GenerationRequest
from service.evidence import Evidence, rank_evidence

# A second quote is added only when it is nearly as good as the first: two half-relevant
# sentences make a worse answer than one good one.
SECOND_QUOTE_RATIO = 0.75


class ExtractiveBackend:
    """Answers with one or two verbatim sentences from the passages, each cited."""

    name = "extractive"
    model = "extractive"

    def __init__(self, embedder: Embedder, *, max_sentences: int = 3) -> None:
        if max_sentences < 1:
            raise ValueError("max_sentences must be at least 1")
        self.embedder = embedder
        self.max_sentences = max_sentences

    def check(self) -> None:
        """Always ready: nothing to load beyond the embedder."""

    def generate(self, request: GenerationRequest) -> Iterator[str]:
        """Yield the chosen sentences, each followed by its citation marker."""
        ranked = request.evidence
        if ranked is None:
            ranked = rank_evidence(request.question, request.passages, self.embedder)
        chosen = select_quotes(list(ranked), self.max_sentences)
        for i, evidence in enumerate(chosen):
            yield ("" if i == 0 else " ") + f"{evidence.text} [{evidence.n}]"


def select_quotes(ranked: list[Evidence], max_sentences: int) -> list[Evidence]:
    """The best sentence, plus close runners-up from other passages."""
    if not ranked:
        return []
    chosen = [ranked[0]]
    for evidence in ranked[1:]:
        if len(chosen) >= max_sentences or evidence.score < ranked[0].score * SECOND_QUOTE_RATIO:
            break
        if all(
            (evidence.passage.document_id, evidence.start) != (c.passage.document_id, c.start)
            for c in chosen
        ):
            chosen.append(evidence)
    return chosen
