"""ChatSession over the in-process transport, with the real engine over the sample store."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest

from service.answers import FinalEvent, TokenEvent
from service.backends.base import Backend
from service.backends.llamacpp import LlamaCppBackend
from service.chat.local import LocalTransport
from service.chat.render import ChatView, Console
from service.chat.repl import ChatLoop, run_pipe
from service.chat.session import ChatEvent, ChatSession, Notice
from service.engine import Engine
from service.errors import BackendUnavailable, InvalidRequest
from service.factory import backend_for, engine_for
from service.retrieval import SearchFilters
from service.settings import Settings
from tests.conftest import make_settings

LOOR_QUESTION = "When did Matthis Loor take charge of the maritime ministry?"
SALT_QUESTION = "How much grey salt did police find hidden in the tile shipment?"


@pytest.fixture(scope="module")
def extractive_settings(sample_settings: Settings) -> Settings:
    return make_settings(sample_settings.index_dir, llm="extractive")


@pytest.fixture(scope="module")
def engine(extractive_settings: Settings) -> Engine:
    return engine_for(extractive_settings)


def _transport(engine: Engine, settings: Settings) -> LocalTransport:
    def make_backend(name: str) -> Backend:
        return backend_for(settings, name)  # type: ignore[arg-type]

    return LocalTransport(engine, make_backend)


@pytest.fixture()
def session(engine: Engine, extractive_settings: Settings) -> ChatSession:
    chat = ChatSession(_transport(engine, extractive_settings))
    assert list(chat.start()) == []
    return chat


def _final(events: list[ChatEvent]) -> FinalEvent:
    finals = [e for e in events if isinstance(e, FinalEvent)]
    assert len(finals) == 1, events
    assert events[-1] is finals[0], "the final answer comes last"
    return finals[0]


def test_an_answer_streams_tokens_then_settles_and_is_remembered(session: ChatSession) -> None:
    events = list(session.ask(LOOR_QUESTION))
    answer = _final(events).answer
    assert any(isinstance(e, TokenEvent) for e in events)
    assert "November 2023" in answer.answer
    assert session.last == answer
    assert [m.role for m in session.history] == ["user", "assistant"]
    assert session.history[0].content == LOOR_QUESTION


def test_a_follow_up_is_searched_as_a_standalone_question(session: ChatSession) -> None:
    list(session.ask(LOOR_QUESTION))
    answer = _final(list(session.ask("What did he say about Sarvek?"))).answer
    assert answer.question == "What did he say about Sarvek?"
    assert answer.standalone_question == "What did Matthis Loor say about Sarvek?"
    assert "Loor" in answer.answer


def test_reset_forgets_the_conversation_so_pronouns_stay_as_typed(session: ChatSession) -> None:
    list(session.ask(LOOR_QUESTION))
    session.reset()
    assert session.history == [] and session.last is None
    answer = _final(list(session.ask("What did he say about Sarvek?"))).answer
    assert answer.standalone_question is None


def test_filters_restrict_the_sources_an_answer_may_cite(session: ChatSession) -> None:
    session.filters = SearchFilters(sources=("2023-veldria-port-deal.txt",))
    answer = _final(list(session.ask("Who heads Sarvek?"))).answer
    cited = {c.source for c in answer.citations} | {p.source for p in answer.related}
    assert cited == {"2023-veldria-port-deal.txt"}


def test_a_source_opens_as_the_article_its_quote_was_cut_from(session: ChatSession) -> None:
    answer = _final(list(session.ask(SALT_QUESTION))).answer
    for citation in answer.citations:
        article = session.source_article(citation.n)
        assert article.document_id == citation.document_id
        assert article.text[citation.start : citation.end] == citation.quote
    assert session.outlets(answer)[answer.citations[0].document_id] == (
        "Veldrian News Service (VNS)"
    )


def test_opening_a_source_that_is_not_there_says_which_there_are(session: ChatSession) -> None:
    with pytest.raises(InvalidRequest, match="there is no answer yet; ask a question first"):
        session.source_article(1)
    answer = _final(list(session.ask(SALT_QUESTION))).answer
    count = len(answer.citations)
    with pytest.raises(InvalidRequest, match=f"the last answer has sources 1 to {count}, not 9"):
        session.source_article(9)


def test_a_dead_llm_at_start_falls_back_to_quoting_and_says_how_to_retry(
    engine: Engine, extractive_settings: Settings, tmp_path: Path
) -> None:
    dead = LlamaCppBackend(tmp_path / "missing.gguf")
    broken = Engine(engine.snapshots, dead, engine.embedder, engine.prompts, engine.limits)
    chat = ChatSession(_transport(broken, extractive_settings))
    notices = list(chat.start())
    assert len(notices) == 1
    assert notices[0].text.startswith("the llamacpp backend failed: no GGUF model at ")
    assert notices[0].text.endswith("type /backend llamacpp to try it again.")
    assert chat.transport.backend_name() == "extractive"
    assert "November 2023" in _final(list(chat.ask(LOOR_QUESTION))).answer.answer


def test_an_llm_failing_mid_question_is_announced_then_the_question_answered_by_quoting(
    engine: Engine, extractive_settings: Settings, tmp_path: Path
) -> None:
    dead = LlamaCppBackend(tmp_path / "missing.gguf")
    asking = replace(engine.limits, ask_model_always=True)  # the dead model is asked
    broken = Engine(engine.snapshots, dead, engine.embedder, engine.prompts, asking)
    chat = ChatSession(_transport(broken, extractive_settings))
    events = list(chat.ask(LOOR_QUESTION))
    assert isinstance(events[0], Notice)
    answer = _final(events).answer
    assert answer.backend == "extractive"
    assert "November 2023" in answer.answer


def test_switching_to_a_backend_that_cannot_load_keeps_the_current_one(
    session: ChatSession, tmp_path: Path, sample_settings: Settings
) -> None:
    settings = make_settings(
        sample_settings.index_dir, llm="extractive", llamacpp_model_path=tmp_path / "x.gguf"
    )
    transport = _transport(engine_for(settings), settings)
    chat = ChatSession(transport)
    with pytest.raises(BackendUnavailable, match="no GGUF model at"):
        chat.use_backend("llamacpp")
    assert transport.backend_label() == "extractive"


def _loop(session: ChatSession) -> tuple[ChatLoop, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    view = ChatView(Console(out, tty=False), Console(err, tty=False))
    return ChatLoop(session, view, view.show), out, err


def test_piped_lines_are_answered_and_commands_carried_out(session: ChatSession) -> None:
    loop, out, err = _loop(session)
    lines = [LOOR_QUESTION, "/sources", "/filter from=2024-01-01", "/backend", "/quit", "x"]
    assert run_pipe(loop, lines) == 0
    written = out.getvalue()
    assert "Sources:\n[1] " in written
    assert "Filters: from 2024-01-01.\n" in written
    assert "Answering with extractive.\n" in written
    assert session.filters == SearchFilters(published_from="2024-01-01")
    assert len(session.history) == 2, "the line after /quit is not read"
    assert err.getvalue() == ""


def test_a_piped_bad_line_is_reported_the_rest_answered_and_the_exit_status_is_one(
    session: ChatSession,
) -> None:
    loop, out, err = _loop(session)
    assert run_pipe(loop, ["/open 1", "/open x", LOOR_QUESTION]) == 1
    assert err.getvalue() == (
        "footnote: there is no answer yet; ask a question first\n"
        "footnote: usage: /open N, where N is a source number of the last answer\n"
    )
    assert "November 2023" in out.getvalue()
