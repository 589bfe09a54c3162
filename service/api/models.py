"""Request and response models of the question, chat, search and health routes.

Requests and responses are separate classes; every field is described (a test walks the
OpenAPI document). Responses mirror the frozen dataclasses the engine returns.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from indexer.dates import calendar_date
from service.errors import InvalidRequest
from service.retrieval import SearchFilters

# Enough turns for any conversation a person keeps; condensing reads only the last few.
MAX_CHAT_MESSAGES = 100
MAX_SOURCES = 50


IsoDate = Annotated[
    str,
    StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$"),
    AfterValidator(calendar_date),
    Field(json_schema_extra={"format": "date"}),  # a real calendar date, not just the shape
]


class _Request(BaseModel):
    # Unknown fields are refused, so a misspelt option fails loudly instead of being ignored.
    model_config = ConfigDict(extra="forbid")


# --- requests ---------------------------------------------------------------------------------
AS_OF_DESCRIPTION = (
    "The date the question is asked on (YYYY-MM-DD; default today): articles published in the "
    "week up to it rank higher, as 'this week' means."
)


class FiltersRequest(_Request):
    """Restrictions on which articles may be used."""

    published_from: IsoDate | None = Field(
        None, description="Only articles published on or after this date (YYYY-MM-DD)."
    )
    published_to: IsoDate | None = Field(
        None, description="Only articles published on or before this date (YYYY-MM-DD)."
    )
    sources: list[str] = Field(
        default_factory=list,
        max_length=MAX_SOURCES,
        description="Only these sources: a file name as indexed, a folder prefix, or an outlet.",
    )
    as_of: IsoDate | None = Field(
        None, description=AS_OF_DESCRIPTION + " Not a restriction: older articles still count."
    )

    def to_filters(self) -> SearchFilters:
        """The engine's filter object."""
        return search_filters(self.published_from, self.published_to, self.sources, self.as_of)


def search_filters(
    published_from: str | None,
    published_to: str | None,
    sources: list[str],
    as_of: str | None = None,
) -> SearchFilters:
    """SearchFilters from request values; a reversed date range is refused."""
    if published_from and published_to and published_from > published_to:
        raise InvalidRequest(
            f"published_from {published_from} is after published_to {published_to}; swap them"
        )
    kept = tuple(s for s in sources if s.strip())
    return SearchFilters(published_from, published_to, kept, as_of=as_of)


class AskRequest(_Request):
    """A question about the archive."""

    question: str = Field(
        description="The question; it must not be empty or longer than the server's limit."
    )
    top_k: int | None = Field(
        None,
        ge=1,
        strict=True,  # JSON true is no number of passages
        description="Passages to retrieve; default and maximum are server settings.",
    )
    filters: FiltersRequest | None = Field(None, description="Restrict the articles searched.")
    stream: bool | None = Field(
        None,
        description=(
            "Answer as Server-Sent Events (token, final, done). Default: stream when the "
            "Accept header asks for text/event-stream."
        ),
    )


class ChatMessageRequest(_Request):
    """One turn of a conversation."""

    role: Literal["user", "assistant"] = Field(description="Who wrote this message.")
    content: str = Field(description="The message text.")


class ChatRequest(_Request):
    """A conversation whose last message, from the user, is the question to answer."""

    messages: list[ChatMessageRequest] = Field(
        min_length=1,
        max_length=MAX_CHAT_MESSAGES,
        description="The conversation, oldest first; the last message must be the user's.",
    )
    top_k: int | None = Field(
        None,
        ge=1,
        strict=True,  # JSON true is no number of passages
        description="Passages to retrieve; default and maximum are server settings.",
    )
    filters: FiltersRequest | None = Field(None, description="Restrict the articles searched.")
    stream: bool | None = Field(
        None,
        description=(
            "Answer as Server-Sent Events (token, final, done). Default: stream when the "
            "Accept header asks for text/event-stream."
        ),
    )


# --- responses --------------------------------------------------------------------------------
class PassageResponse(BaseModel):
    """A retrieved chunk of an article; `text == article_text[start:end]`."""

    chunk_id: int = Field(description="Id of the chunk in this store version.")
    document_id: str = Field(description="Id of the article (GET /v1/documents/{id}).")
    source: str = Field(description="The article's file name (or file#record) as indexed.")
    title: str | None = Field(description="The article's headline, if known.")
    published: str | None = Field(description="Publication date (YYYY-MM-DD), if known.")
    outlet: str | None = Field(description="The publishing outlet, if known.")
    text: str = Field(description="The passage text.")
    start: int = Field(description="Offset of the passage in the article's cleaned text.")
    end: int = Field(description="End offset (exclusive) in the article's cleaned text.")
    score: float = Field(description="Fused retrieval score; higher is better.")
    dense_score: float | None = Field(
        None, description="Cosine similarity to the query, if the dense ranker found it."
    )
    lexical_score: float | None = Field(
        None, description="BM25 score, if the lexical ranker found it."
    )


class CitationResponse(BaseModel):
    """A numbered source of the answer: `quote == article_text[start:end]`, verbatim."""

    n: int = Field(description="The number used as [n] in the answer text.")
    document_id: str = Field(description="Id of the cited article.")
    source: str = Field(description="The cited article's file name as indexed.")
    title: str | None = Field(description="The cited article's headline, if known.")
    published: str | None = Field(description="Publication date (YYYY-MM-DD), if known.")
    quote: str = Field(description="The supporting sentence, verbatim from the article.")
    start: int = Field(description="Offset of the quote in the article's cleaned text.")
    end: int = Field(description="End offset (exclusive) of the quote.")
    score: float = Field(description="How strongly the quote supports its answer sentence.")


class ShortAnswerResponse(BaseModel):
    """The answer in a few words: `text == article_text[start:end]` of the cited article."""

    text: str = Field(description="A name, number, date or short phrase, verbatim.")
    citation: int = Field(description="The n of the citation whose article holds the span.")
    start: int | None = Field(
        description="Offset of the span in that article's cleaned text (null for metadata)."
    )
    end: int | None = Field(description="End offset (exclusive) of the span (null for metadata).")
    field: str | None = Field(
        None,
        description="For an answer from the article's metadata: author, outlet or published.",
    )


class AnswerResponse(BaseModel):
    """A verified answer with numbered citations, or an abstention with the closest passages."""

    question: str = Field(description="The question as asked.")
    answer: str = Field(description="The answer text with [n] markers, or the abstention text.")
    abstained: bool = Field(description="True when the articles do not support an answer.")
    grounding: Literal["verified", "extractive", "metadata", "abstained"] = Field(
        description=(
            "verified: the model's answer is a span that the cited sentence about the question "
            "states; extractive: chosen from the articles without the model; metadata: from "
            "an article's byline, outlet or date; abstained: no answer."
        )
    )
    short_answer: ShortAnswerResponse | None = Field(
        None, description="The answer in a few words, cited; null for an abstention."
    )
    citations: list[CitationResponse] = Field(description="The sources the [n] markers name.")
    related: list[PassageResponse] = Field(
        description="When there are no citations: the closest passages found."
    )
    backend: str = Field(description="The answer backend used (llamacpp, ollama, extractive).")
    model: str = Field(description="The model the backend ran.")
    reader: str | None = Field(
        None,
        description=(
            "The base model that rescored the candidate short answers (service/reader.py); "
            "null where none did (extractive, or the reader turned off)."
        ),
    )
    timings_ms: dict[str, float | None] = Field(
        description=(
            "Milliseconds from arrival to retrieval, reading (the reader, where one ran), "
            "first_token and total."
        )
    )
    reason: str = Field("", description="Why the service abstained (empty otherwise).")
    standalone_question: str | None = Field(
        None, description="For chat: the standalone question that was searched for."
    )
    removed_sentences: list[str] = Field(
        default_factory=list,
        description="Generated sentences dropped because no passage supported them.",
    )
    model_asked: bool = Field(
        True,
        description=(
            "False where the model was not asked to reply: with no margin to choose within, "
            "its reply could only confirm the best candidate, which the evidence does not "
            "state plainly enough to verify."
        ),
    )


class SearchResponse(BaseModel):
    """Passages matching a query, best first; no LLM involved."""

    query: str = Field(description="The query as given.")
    passages: list[PassageResponse] = Field(description="Matching passages, best first.")


class HealthResponse(BaseModel):
    """The process is up."""

    status: Literal["ok"] = Field(description="Always 'ok' when the process answers.")


class ReadyResponse(BaseModel):
    """The store is open and the answer backend can answer."""

    status: Literal["ready"] = Field(description="Always 'ready' when this is returned.")
    store_version: str = Field(description="The store version new requests are answered from.")
    documents: int = Field(description="Articles in that version.")
    chunks: int = Field(description="Chunks (passages) in that version.")
    backend: str = Field(description="The answer backend.")
    model: str = Field(description="The model the backend runs.")


class ProblemResponse(BaseModel):
    """An error, as RFC 9457 problem details (media type application/problem+json)."""

    type: str = Field(description="A URI naming the kind of problem; switch on this.")
    title: str = Field(description="A short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong with this request, and what to do.")
    instance: str | None = Field(None, description="The path of the request that failed.")
    request_id: str = Field(description="The request's id, as in the X-Request-ID header.")
    errors: list[ValidationIssue] | None = Field(
        None, description="For 400 and 422 from validation: each field that was refused."
    )
    reason: str | None = Field(
        None, description="For /readyz: the kind of error that keeps the service from being ready."
    )


class ValidationIssue(BaseModel):
    """One refused part of a request."""

    loc: list[str | int] = Field(description="Where: body, query or path, then the field.")
    msg: str = Field(description="What is wrong with it.")
    type: str = Field(description="pydantic's error type, e.g. missing or int_parsing.")


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem+json errors a route may answer with."""
    common = (401, 422, 500)
    return {
        status: {"model": ProblemResponse, "description": HTTPStatus(status).phrase}
        for status in sorted({*common, *statuses})
    }
