"""`footnote chat` driven as a person would, in a real pseudo-terminal (pexpect)."""

from __future__ import annotations

import io
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from service.engine import EngineLimits
from service.settings import Settings
from tests.conftest import REPO
from tests.fake_ollama import FakeOllama, OllamaScript
from tests.test_chat_pipe import LOOR_QUESTION, chat_env

PROMPT = "footnote>"
SALT_QUESTION = "How much grey salt did police find hidden in the tile shipment?"
# Deadlines, not waits: the first prompt comes after the embedding model (and LLM) load.
STARTUP_S = 180
ANSWER_S = 120


class Terminal:
    """A chat running in a pseudo-terminal, with everything it wrote kept for assertions."""

    def __init__(self, args: list[str], **env: str) -> None:
        self.transcript = io.StringIO()
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "service.cli", "chat", *args],
            # No one answers prompt_toolkit's cursor-position query in a pexpect terminal.
            env=chat_env(TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1", PAGER="less", LESS="-R", **env),
            cwd=str(REPO),
            encoding="utf-8",
            dimensions=(40, 120),
            timeout=ANSWER_S,
        )
        self.child.logfile_read = self.transcript

    def expect(self, pattern: str, timeout: float = ANSWER_S) -> None:
        """Wait for `pattern` (a regex) to appear, failing at the deadline."""
        try:
            self.child.expect(pattern, timeout=timeout)
        except pexpect.TIMEOUT:
            raise AssertionError(self._missed(pattern)) from None

    def expect_text(self, text: str, timeout: float = ANSWER_S) -> None:
        """Wait for exactly `text` to appear."""
        try:
            self.child.expect_exact(text, timeout=timeout)
        except pexpect.TIMEOUT:
            raise AssertionError(self._missed(text)) from None

    def _missed(self, wanted: str) -> str:
        # The whole screen so far: a timeout alone does not say what the chat did instead.
        return f"{wanted!r} never showed; the terminal read:\n{self.transcript.getvalue()}"

    def ask(self, line: str) -> None:
        """Type a line and press Enter."""
        self.child.sendline(line)

    def exit_status(self) -> int | None:
        """Wait for the process to end; its exit status."""
        self.child.expect(pexpect.EOF, timeout=ANSWER_S)
        self.child.close()
        status: int | None = self.child.exitstatus
        return status


@pytest.fixture()
def history_file(tmp_path: Path) -> Path:
    return tmp_path / "data" / "chat_history"


@pytest.fixture()
def terminal(sample_settings: Settings, history_file: Path) -> Iterator[Terminal]:
    term = Terminal(
        ["--index-dir", str(sample_settings.index_dir)],
        FOOTNOTE_CHAT_HISTORY=str(history_file),
    )
    yield term
    if term.child.isalive():
        term.child.terminate(force=True)


def test_a_conversation_with_follow_up_sources_filters_and_quit(
    terminal: Terminal, history_file: Path
) -> None:
    terminal.expect_text("Footnote chat over the store at", timeout=STARTUP_S)
    terminal.expect_text(PROMPT, timeout=STARTUP_S)

    terminal.ask(LOOR_QUESTION)
    terminal.expect_text("November 2023")
    terminal.expect_text("Sources:")
    terminal.expect_text(PROMPT)

    terminal.ask("What did he say about Sarvek?")
    terminal.expect_text("Searched for: What did Matthis Loor say about Sarvek?")
    terminal.expect_text(PROMPT)

    terminal.ask("/sources")
    terminal.expect_text('"Loor, who took over the ministry in November 2023')
    terminal.expect_text(PROMPT)

    terminal.ask("/filter from=2024-01-01 source=2024-port-selvane-deal-cancelled.md")
    terminal.expect_text("Filters: from 2024-01-01; only 2024-port-selvane-deal-cancelled.md.")
    terminal.ask("/filter clear")
    terminal.expect_text("No filters: searching every article.")
    terminal.ask("/reset")
    terminal.expect_text("New conversation: earlier questions are forgotten.")
    terminal.ask("/help")
    terminal.expect_text("/open N")
    terminal.expect_text(PROMPT)

    terminal.child.sendcontrol("c")  # at an empty prompt: a fresh prompt, not an exit
    terminal.ask("/backend")
    terminal.expect_text("Answering with extractive.")
    terminal.expect_text(PROMPT)

    terminal.ask("/quit")
    assert terminal.exit_status() == 0
    assert "Traceback" not in terminal.transcript.getvalue()
    kept = history_file.read_text(encoding="utf-8")
    assert f"+{LOOR_QUESTION}\n" in kept
    assert "+What did he say about Sarvek?\n" in kept


@pytest.mark.skipif(shutil.which("less") is None, reason="the pager test needs less")
def test_open_pages_the_whole_article_and_ctrl_d_leaves(terminal: Terminal) -> None:
    terminal.expect_text(PROMPT, timeout=STARTUP_S)
    terminal.ask(SALT_QUESTION)
    terminal.expect_text("Veldrian News Service (VNS)")  # the outlet under source [1]
    terminal.expect_text(PROMPT)
    terminal.ask("/open 1")
    terminal.expect_text("Veldrian police seize 740 kilograms")
    terminal.expect_text("Operation Lantern")  # from the body, beyond the quoted sentence
    terminal.child.send("q")  # leave the pager
    terminal.expect_text(PROMPT)
    terminal.child.sendeof()
    assert terminal.exit_status() == 0


def test_ctrl_c_stops_a_streaming_answer_and_the_chat_goes_on(
    sample_settings: Settings, history_file: Path
) -> None:
    # The answer streams from a loopback Ollama (the one process boundary faked here) a piece
    # a second, cut at the engine's token limit as Ollama would (num_predict): 24 s in all, so
    # the ^C sent on the first piece lands mid-answer even on a loaded machine.
    slow_reply = ["The ", "concession ", "was ", "cancelled "] + ["because "] * 56
    written = EngineLimits().max_answer_tokens
    with FakeOllama(OllamaScript(reply=slow_reply, piece_delay_s=1.0)) as fake:
        term = Terminal(
            ["--index-dir", str(sample_settings.index_dir)],
            FOOTNOTE_LLM="ollama",
            FOOTNOTE_OLLAMA_MODEL="llama3.2",
            FOOTNOTE_ASK_MODEL_ALWAYS="true",  # asked even where its reply cannot matter
            OLLAMA_HOST=fake.url,
            FOOTNOTE_CHAT_HISTORY=str(history_file),
        )
        try:
            term.expect_text("answering with ollama", timeout=STARTUP_S)
            term.expect_text(PROMPT, timeout=STARTUP_S)
            term.ask("Why was the North Quay terminal concession cancelled?")
            # The model's words stream dimmed; interrupt once the first of them shows.
            term.expect_text("The concession")
            term.child.sendcontrol("c")
            term.expect_text("(answer interrupted)")
            term.expect_text(PROMPT)
            # Cut short: far fewer pieces than the model would have written.
            assert term.transcript.getvalue().count("because") < written - 8

            # The chat goes on: the next answer streams whole and is verified as usual.
            fake.script.reply = ["Loor took over the ministry ", "in November 2023 [1]."]
            fake.script.piece_delay_s = 0.0
            term.ask(LOOR_QUESTION)
            term.expect_text("Sources:")
            term.expect_text(PROMPT)
            term.ask("/quit")
            assert term.exit_status() == 0
            assert "Traceback" not in term.transcript.getvalue()
        finally:
            if term.child.isalive():
                term.child.terminate(force=True)
