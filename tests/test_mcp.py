"""`footnote mcp`, a real subprocess on stdio, driven by the MCP SDK's own client."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from mcp import Client
from mcp.client.stdio import StdioServerParameters

from service.settings import Settings
from tests.api_server import LOOR_QUESTION
from tests.conftest import REPO

# The 2023 deal and its 2024 cancellation both match; the day asked on decides which leads.
WEEK_QUERY = "Veldria North Quay terminal concession Sarvek"
WEEKS = (
    ("2023-03-12", "2023-veldria-port-deal.txt"),
    ("2024-02-18", "2024-port-selvane-deal-cancelled.md"),
)

# A deadline for each call: the first one waits for the server to load the embedding model.
CALL_S = 180.0


def run_with_footnote(
    settings: Settings, session: Callable[[Client], Awaitable[None]], *extra: str
) -> None:
    """Start `footnote mcp` over the settings' store and run `session` against it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOOTNOTE_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONPATH=str(REPO))
    server = StdioServerParameters(
        command=sys.executable,
        args=["-m", "service.cli", "mcp", "--index-dir", str(settings.index_dir), *extra],
        env=env,
        cwd=REPO,
    )

    async def main() -> None:
        async with Client(server, read_timeout_seconds=CALL_S) as client:
            await session(client)

    asyncio.run(main())


def structured(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content
    data: dict[str, Any] = result.structured_content
    return data


def test_an_assistant_can_search_ask_and_read_the_cited_article(
    sample_settings: Settings,
) -> None:
    async def session(client: Client) -> None:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert set(tools) == {"search", "ask", "get_document"}
        assert all(tool.description for tool in tools.values())

        found = structured(await client.call_tool("search", {"query": "Matthis Loor", "k": 3}))
        assert 1 <= len(found["passages"]) <= 3
        answer = structured(await client.call_tool("ask", {"question": LOOR_QUESTION}))
        assert "November 2023" in answer["short_answer"]["text"]
        assert answer["citations"]
        # Each quote is exactly the article's text between its offsets.
        for citation in answer["citations"]:
            article = structured(
                await client.call_tool("get_document", {"document_id": citation["document_id"]})
            )
            assert article["text"][citation["start"] : citation["end"]] == citation["quote"]
            assert article["id"] == citation["document_id"]

        dated = structured(
            await client.call_tool(
                "search", {"query": "port", "published_from": "2024-01-01", "sources": []}
            )
        )
        assert all(p["published"] >= "2024-01-01" for p in dated["passages"])

        # The day asked on decides which of the 2023 deal and its 2024 cancellation leads.
        for as_of, source in WEEKS:
            week = {"query": WEEK_QUERY, "k": 5, "as_of": as_of}
            first = structured(await client.call_tool("search", week))["passages"][0]
            assert first["source"] == source

    run_with_footnote(sample_settings, session, "--backend", "extractive")


def test_bad_calls_are_tool_errors_that_say_what_to_do(sample_settings: Settings) -> None:
    async def session(client: Client) -> None:
        missing = await client.call_tool("get_document", {"document_id": "no-such-id"})
        assert missing.is_error and "no-such-id" in str(missing.content)
        empty = await client.call_tool("ask", {"question": "   "})
        assert empty.is_error and "empty" in str(empty.content)
        bad_date = await client.call_tool("search", {"query": "port", "published_to": "May"})
        assert bad_date.is_error and "YYYY-MM-DD" in str(bad_date.content)
        bad_day = await client.call_tool(
            "ask", {"question": "Who heads Sarvek?", "as_of": "2024-02-30"}
        )
        assert bad_day.is_error and "YYYY-MM-DD" in str(bad_day.content)
        # The server keeps answering after errors.
        still = structured(await client.call_tool("search", {"query": "Sarvek"}))
        assert still["passages"]

    run_with_footnote(sample_settings, session, "--backend", "extractive")
