"""`footnote mcp`: the archive as MCP tools (search, ask, get_document) for assistants, on stdio.

Built with the official MCP SDK. Every tool answers with Footnote's own JSON: passages and
citations carry their document id and character offsets, so an assistant can quote exactly
and open the article with get_document. A FootnoteError becomes a tool error whose message
says what to do; stdout belongs to the protocol, so nothing else may write to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any, TypeVar

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from indexer.dates import calendar_date
from indexer.errors import FootnoteError
from service.archive import Archive
from service.engine import Engine
from service.errors import InvalidRequest
from service.retrieval import SearchFilters

T = TypeVar("T")

INSTRUCTIONS = """\
Footnote answers questions over a local news archive. `ask` gives a short answer with numbered
citations that were checked against the articles, or says the articles don't say (then it
shows the closest passages); trust its `grounding` field. `search` finds passages without
answering. Both take `as_of`, the day the question is asked on (YYYY-MM-DD, default today):
that week's articles come first, older ones still count. Both give document ids and character
offsets; `get_document` returns the whole article, whose text those offsets index into. Quote
the citations' text as given."""


def build_server(engine: Engine) -> MCPServer:
    """An MCP server whose tools answer from `engine` and its archive."""
    server = MCPServer(name="footnote", instructions=INSTRUCTIONS)
    archive = Archive(engine.snapshots)

    @server.tool(
        description=(
            "Passages of the archive that best match a query, best first, with their "
            "document id, title, date, and start/end offsets in the article. No answer."
        )
    )
    def search(
        query: str,
        k: int | None = None,
        published_from: str | None = None,
        published_to: str | None = None,
        sources: list[str] | None = None,
        as_of: str | None = None,
    ) -> dict[str, Any]:
        filters = _filters(published_from, published_to, sources, as_of)
        passages = _tool(lambda: engine.search(query, top_k=k, filters=filters))
        return {"query": query, "passages": [asdict(p) for p in passages]}

    @server.tool(
        description=(
            "Answer a question from the archive: a short answer and text with numbered "
            "citations (quote, document id, start/end offsets) checked against the articles, "
            "or an abstention with the closest passages when the articles don't say."
        )
    )
    def ask(
        question: str,
        top_k: int | None = None,
        published_from: str | None = None,
        published_to: str | None = None,
        sources: list[str] | None = None,
        as_of: str | None = None,
    ) -> dict[str, Any]:
        filters = _filters(published_from, published_to, sources, as_of)
        answer = _tool(lambda: engine.ask(question, top_k=top_k, filters=filters))
        return answer.to_json()

    @server.tool(
        description=(
            "One whole article by document id (from search or ask): its metadata and cleaned "
            "text, which citation and passage offsets index into."
        )
    )
    def get_document(document_id: str) -> dict[str, Any]:
        document = _tool(lambda: archive.document(document_id))
        return {**asdict(document.info), "text": document.text}

    return server


def _filters(
    published_from: str | None,
    published_to: str | None,
    sources: list[str] | None,
    as_of: str | None,
) -> SearchFilters | None:
    """The engine's filters; `as_of` (the day the question is asked on) is kept even where
    nothing is restricted, since it still decides which week's articles come first."""
    try:
        start, end, day = (
            calendar_date(d) if d else None for d in (published_from, published_to, as_of)
        )
    except ValueError as exc:
        raise ToolError(str(exc)) from exc
    kept = tuple(s for s in sources or [] if s.strip())
    filters = SearchFilters(start, end, kept, as_of=day)
    return filters if filters.given else None


def _tool(call: Callable[[], T]) -> T:
    """Run one engine call; our errors become tool errors an assistant can read and act on."""
    try:
        return call()
    except InvalidRequest as exc:
        raise ToolError(f"invalid request: {exc}") from exc
    except FootnoteError as exc:
        raise ToolError(str(exc)) from exc
