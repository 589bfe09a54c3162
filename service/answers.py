"""Answer and Citation: what the engine returns, and their one JSON form."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from service.passages import Passage

# verified: the model's answer is a span that the evidence sentence about the question states;
# extractive: chosen from the articles without the model; metadata: from an article's byline,
# outlet or date; abstained: no answer.
Grounding = Literal["verified", "extractive", "metadata", "abstained"]
ABSTENTION_TEXT = "The articles don't say."


@dataclass(frozen=True)
class Citation:
    """A numbered source of an answer: `quote == article_text[start:end]`, verbatim."""

    n: int
    document_id: str
    source: str
    title: str | None
    published: str | None
    quote: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class ShortAnswer:
    """The answer in a few words: `text == article_text[start:end]` of citation `citation`.

    An answer from an article's metadata names its `field` (author, outlet, published) and has
    no offsets: the byline and masthead are not part of the article's text.
    """

    text: str
    citation: int
    start: int | None
    end: int | None
    field: str | None = None


@dataclass(frozen=True)
class Answer:
    """A verified answer, or an abstention with the closest passages."""

    question: str
    answer: str
    abstained: bool
    grounding: Grounding
    citations: list[Citation]
    related: list[Passage]
    backend: str
    model: str
    timings_ms: dict[str, float | None]
    reason: str = ""
    standalone_question: str | None = None
    removed_sentences: list[str] = field(default_factory=list)
    short_answer: ShortAnswer | None = None
    # The base model that rescored the candidate short answers (service/reader.py), if any.
    reader: str | None = None
    # False where the model was not asked to reply: its reply could only have confirmed the
    # best candidate, which the evidence does not state plainly enough to verify
    # (short_answers.reply_can_matter).
    model_asked: bool = True

    def to_json(self) -> dict[str, Any]:
        """The answer as plain JSON types (the API's response body and `ask --json`)."""
        return asdict(self)


def answered_by(answer: Answer) -> str:
    """One line saying who answered and how far it was checked; empty for an abstention."""
    if answer.abstained:
        return ""
    if answer.grounding == "metadata":
        return "From the article's metadata (byline, outlet or date)."
    read = f" Candidates rescored by {answer.reader}." if answer.reader else ""
    if answer.grounding == "verified":
        return f"Verified: {answer.model}'s answer is stated plainly by the cited evidence.{read}"
    if answer.backend == "extractive":
        return "Chosen from the articles, without a language model."
    if not answer.model_asked:
        return (
            f"Chosen from the articles; not verified: the evidence does not state it plainly "
            f"enough for {answer.model} to confirm it, so it was not asked.{read}"
        )
    if answer.removed_sentences:
        return (
            f"Chosen from the articles: {answer.model}'s reply was not supported by the "
            f"evidence and was set aside.{read}"
        )
    return (
        f"Chosen from the articles with {answer.model}; not verified: the evidence does not "
        f"state it plainly enough.{read}"
    )


@dataclass(frozen=True)
class TokenEvent:
    """A piece of text as the model writes it; the final answer may differ."""

    text: str


@dataclass(frozen=True)
class FinalEvent:
    """The verified answer: authoritative over any tokens streamed before it."""

    answer: Answer


AnswerEvent = TokenEvent | FinalEvent
