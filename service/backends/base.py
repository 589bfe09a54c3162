"""The seam every answer backend implements: a generation request in, text pieces out."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from service.evidence import Evidence
from service.passages import Passage
from service.spans import SpanCandidate

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class ChatMessage:
    """One message of a chat prompt."""

    role: Role
    content: str


@dataclass(frozen=True)
class GenerationRequest:
    """What a backend is asked: the rendered prompt, plus the question and numbered passages.

    LLM backends send `messages`; the extractive backend answers from `question` and
    `passages` directly (passage n is `passages[n - 1]`).
    """

    messages: Sequence[ChatMessage]
    max_tokens: int
    question: str = ""
    passages: Sequence[Passage] = field(default_factory=tuple)
    stop: Sequence[str] = field(default_factory=tuple)
    # The engine's ranked evidence for `question`, when it has ranked it already: the extractive
    # backend quotes from it instead of embedding the sentences again. It covers every retrieved
    # passage (`Evidence.n` counts those), of which `passages` are the ones a model reads.
    evidence: Sequence[Evidence] | None = None
    # Candidate short answers, best first, when the prompt asks the model to choose among
    # them: the extractive backend answers with the best one.
    candidates: Sequence[SpanCandidate] | None = None


class Backend(Protocol):
    """An answer backend; generation is an iterator so streaming is the normal case."""

    @property
    def name(self) -> str:
        """The backend's name: llamacpp, ollama or extractive."""
        ...

    @property
    def model(self) -> str:
        """The model that writes the answers, as answers report it."""
        ...

    def generate(self, request: GenerationRequest) -> Iterator[str]:
        """Yield the answer text piece by piece; raise a BackendError subclass on failure."""
        ...

    def check(self) -> None:
        """Raise a BackendError subclass if the backend cannot answer right now."""
        ...
