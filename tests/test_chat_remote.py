"""`footnote chat --url`: the chat as a client of the real service, on uvicorn on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.embedding import SentenceTransformerEmbedder
from indexer.errors import DocumentNotFound
from service.answers import FinalEvent, TokenEvent
from service.chat.remote import RemoteTransport
from service.chat.session import ChatSession
from service.errors import InvalidRequest, Unauthorized
from service.retrieval import SearchFilters
from service.settings import Settings
from tests.api_server import extractive_engine, serve
from tests.conftest import make_settings
from tests.test_chat_pipe import LOOR_QUESTION, run_chat
from tests.test_chat_terminal import PROMPT, STARTUP_S, Terminal

API_KEY = "chat-tests-key-0123456789"


@pytest.fixture(scope="module")
def service_url(sample_settings: Settings, embedder: SentenceTransformerEmbedder) -> Iterator[str]:
    """The real app over the sample store, on a free loopback port, with an API key."""
    settings = make_settings(sample_settings.index_dir, llm="extractive", api_keys=API_KEY)
    with serve(settings, extractive_engine(settings, embedder)) as url:
        yield url


@pytest.fixture()
def remote(service_url: str) -> Iterator[RemoteTransport]:
    transport = RemoteTransport(service_url, api_key=API_KEY)
    yield transport
    transport.close()


def test_a_piped_remote_chat_answers_follows_up_and_opens_articles(service_url: str) -> None:
    lines = [LOOR_QUESTION, "What did he say about Sarvek?", "/open 1", "/quit"]
    result = run_chat(["--url", service_url, "--api-key", API_KEY], "\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert "November 2023" in result.stdout
    assert "\nSources:\n[1] " in result.stdout
    assert "Searched for: What did Matthis Loor say about Sarvek?\n" in result.stdout
    assert "Shares in Sarvek fell 11 percent" in result.stdout
    assert "\x1b" not in result.stdout
    assert result.stderr == ""


def test_a_remote_chat_without_the_key_says_to_pass_one(service_url: str) -> None:
    result = run_chat(["--url", service_url], f"{LOOR_QUESTION}\n")
    assert result.returncode == 1
    expected = f"footnote: the server at {service_url} needs an API key; pass --api-key\n"
    assert result.stderr == expected


def test_a_remote_chat_in_a_terminal_streams_then_settles(service_url: str, tmp_path: Path) -> None:
    term = Terminal(
        ["--url", service_url, "--api-key", API_KEY],
        FOOTNOTE_CHAT_HISTORY=str(tmp_path / "chat_history"),
    )
    try:
        term.expect_text(f"Footnote chat over {service_url}", timeout=STARTUP_S)
        term.expect_text(PROMPT)
        term.ask(LOOR_QUESTION)
        term.expect_text("Sources:")
        term.expect_text(PROMPT)
        term.ask("/backend")
        term.expect_text(f"Answering with extractive, chosen by the server at {service_url}.")
        term.ask("/backend llamacpp")
        term.expect_text("footnote: the server chooses the backend")
        term.ask("/quit")
        assert term.exit_status() == 0
        assert "Traceback" not in term.transcript.getvalue()
    finally:
        if term.child.isalive():
            term.child.terminate(force=True)


def test_the_remote_stream_has_tokens_then_one_authoritative_answer(
    remote: RemoteTransport,
) -> None:
    events = list(remote.answer([], LOOR_QUESTION, top_k=3, filters=SearchFilters()))
    assert isinstance(events[-1], FinalEvent)
    assert all(isinstance(e, TokenEvent) for e in events[:-1])
    answer = events[-1].answer
    assert answer.citations and "November 2023" in answer.answer
    assert remote.backend_name() == "extractive"


def test_remote_filters_reach_the_server(remote: RemoteTransport) -> None:
    session = ChatSession(remote)
    session.filters = SearchFilters(sources=("2023-veldria-port-deal.txt",))
    answer = [e for e in session.ask("Who heads Sarvek?") if isinstance(e, FinalEvent)][0].answer
    cited = {c.source for c in answer.citations} | {p.source for p in answer.related}
    assert cited == {"2023-veldria-port-deal.txt"}


def test_the_day_asked_on_reaches_the_server(remote: RemoteTransport) -> None:
    # The 2023 deal and its 2024 cancellation both match; the day asked on decides which the
    # answer tells of.
    session = ChatSession(remote)
    question = "What happened to the Veldria North Quay terminal concession with Sarvek?"
    for as_of, told, source in (
        ("2023-03-12", "signed", "2023-veldria-port-deal.txt"),
        ("2024-02-18", "cancelled", "2024-port-selvane-deal-cancelled.md"),
    ):
        session.filters = SearchFilters(as_of=as_of)
        final = [e for e in session.ask(question) if isinstance(e, FinalEvent)][0].answer
        assert told in final.answer
        assert source in {c.source for c in final.citations}


def test_a_remote_article_matches_its_citation(remote: RemoteTransport) -> None:
    session = ChatSession(remote)
    answer = [e for e in session.ask(LOOR_QUESTION) if isinstance(e, FinalEvent)][0].answer
    citation = answer.citations[0]
    article = session.source_article(1)
    assert article.text[citation.start : citation.end] == citation.quote
    with pytest.raises(DocumentNotFound):
        remote.article("no-such-document")


def test_a_wrong_key_is_told_to_check_it(service_url: str) -> None:
    transport = RemoteTransport(service_url, api_key="wrong-key-0123456789")
    try:
        with pytest.raises(Unauthorized, match="refused the API key; check --api-key"):
            list(transport.answer([], LOOR_QUESTION, top_k=None, filters=SearchFilters()))
    finally:
        transport.close()


def test_closing_a_remote_answer_midway_leaves_the_client_usable(remote: RemoteTransport) -> None:
    stream = remote.answer([], LOOR_QUESTION, top_k=None, filters=SearchFilters())
    next(stream)
    stream.close()
    again = list(remote.answer([], LOOR_QUESTION, top_k=None, filters=SearchFilters()))
    assert isinstance(again[-1], FinalEvent)


def test_the_server_chooses_the_backend(remote: RemoteTransport) -> None:
    with pytest.raises(InvalidRequest, match="the server chooses the backend"):
        ChatSession(remote).use_backend("llamacpp")


def test_a_url_that_is_not_http_is_refused() -> None:
    with pytest.raises(InvalidRequest, match="is not an http"):
        RemoteTransport("localhost:8000")
