"""The `footnote` command's own behaviour: version, refused arguments, listings (real process)."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

import pexpect

from service.settings import Settings
from tests.conftest import REPO
from tests.fake_ollama import FakeOllama, OllamaScript
from tests.test_chat_pipe import LOOR_QUESTION, chat_env
from tests.test_indexing import footnote


def test_version_is_printed() -> None:
    result = footnote("--version")
    assert result.stdout.startswith("footnote ") and result.stdout.split()[1][0].isdigit()


def test_a_date_that_is_not_iso_is_refused_as_the_api_refuses_it(
    sample_settings: Settings,
) -> None:
    index_dir = str(sample_settings.index_dir)
    result = footnote(
        "search", "port", "--from", "March 2024", "--index-dir", index_dir, check=False
    )
    assert result.returncode == 2
    assert "'March 2024' is not a calendar date (YYYY-MM-DD)" in result.stderr
    result = footnote("search", "port", "--to", "2024-02-30", "--index-dir", index_dir, check=False)
    assert result.returncode == 2 and "2024-02-30" in result.stderr


def test_as_of_puts_the_week_asked_about_first(sample_settings: Settings) -> None:
    index_dir = str(sample_settings.index_dir)
    query = "Veldria North Quay terminal concession Sarvek"
    for as_of, source in (
        ("2023-03-12", "2023-veldria-port-deal.txt"),
        ("2024-02-18", "2024-port-selvane-deal-cancelled.md"),
    ):
        result = footnote("search", query, "--as-of", as_of, "--json", "--index-dir", index_dir)
        assert json.loads(result.stdout)["passages"][0]["source"] == source
    refused = footnote(
        "search", query, "--as-of", "2024/02/18", "--index-dir", index_dir, check=False
    )
    assert refused.returncode == 2 and "2024/02/18" in refused.stderr


def test_indexing_a_path_that_does_not_exist_fails_and_creates_nothing(tmp_path: Path) -> None:
    store = tmp_path / "store"
    result = footnote("index", "does-not-exist.txt", "--index-dir", str(store), check=False)
    assert result.returncode == 1
    assert "no such file or folder: does-not-exist.txt" in result.stderr
    assert not store.exists()  # no lock file, no empty versions/ folder


def test_a_source_filter_that_matches_no_article_is_an_error_not_an_abstention(
    sample_settings: Settings,
) -> None:
    result = footnote(
        "ask", "Who signed the port agreement?", "--source", "nosuch.txt",
        "--backend", "extractive", "--index-dir", str(sample_settings.index_dir),
        check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "no article matches the source 'nosuch.txt'" in result.stderr
    assert "don't say" not in result.stdout


def test_documents_lists_every_article(sample_settings: Settings) -> None:
    index_dir = str(sample_settings.index_dir)
    rows = footnote("documents", "--json", "--index-dir", index_dir).stdout.splitlines()
    listed = [json.loads(row) for row in rows]
    assert len(listed) == 9
    assert {"id", "source", "title", "published"} <= listed[0].keys()
    plain = footnote("documents", "--index-dir", index_dir).stdout.splitlines()
    assert [line.split()[0] for line in plain] == [d["id"] for d in listed]


def test_an_empty_query_or_a_missing_store_is_refused_with_what_to_do(tmp_path: Path) -> None:
    empty = footnote("search", "  ", "--index-dir", str(tmp_path), check=False)
    assert empty.returncode == 1 and "the query is empty" in empty.stderr
    missing = footnote("ask", "Who signed?", "--index-dir", str(tmp_path / "none"), check=False)
    assert missing.returncode == 1
    assert f"no index at {tmp_path / 'none'}; run 'footnote index PATH" in missing.stderr


def test_every_argument_of_every_command_has_help() -> None:
    from service.cli import build_parser

    parser = build_parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    undocumented = [
        f"{name} {action.option_strings or action.dest}"
        for name, command in commands.choices.items()
        for action in command._actions
        if not action.help
    ]
    assert not undocumented, f"give these a help text: {undocumented}"
    flags = commands.choices["index"].format_help()
    assert "(FOOTNOTE_CHUNK_TOKENS, default 160)" in " ".join(flags.split())


def test_ask_on_a_terminal_streams_the_model_words_then_replaces_them(
    sample_settings: Settings,
) -> None:
    # The model's pieces come a fifth of a second apart from a loopback Ollama (the one faked
    # process boundary), so the terminal must show them before the answer settles.
    reply = ["Loor ", "took ", "over ", "the ", "ministry ", "in ", "November ", "2023 [1]."]
    args = [
        "-m",
        "service.cli",
        "ask",
        LOOR_QUESTION,
        "--index-dir",
        str(sample_settings.index_dir),
    ]
    with FakeOllama(OllamaScript(reply=reply, piece_delay_s=0.2)) as fake:
        env = chat_env(
            FOOTNOTE_LLM="ollama",
            FOOTNOTE_OLLAMA_MODEL="llama3.2",
            FOOTNOTE_ASK_MODEL_ALWAYS="true",  # asked even where its reply cannot matter
            OLLAMA_HOST=fake.url,
        )
        child = pexpect.spawn(
            sys.executable, args, env=env, cwd=str(REPO), encoding="utf-8", dimensions=(40, 120),
            timeout=120,
        )  # fmt: skip
        transcript = io.StringIO()
        child.logfile_read = transcript
        try:
            child.expect_exact("\x1b[2mLoor took")  # dimmed, while the model is still writing
            assert "Sources" not in transcript.getvalue() and "[1] " not in transcript.getvalue()
            child.expect(pexpect.EOF)
        finally:
            child.close(force=True)
    shown = transcript.getvalue()
    streamed_end = shown.index("2023 [1].") + len("2023 [1].")
    # Then it is withdrawn (styling closed, cursor back, the rest cleared) and the verified
    # answer with who answered and its numbered sources takes its place.
    assert shown[streamed_end:].startswith("\x1b[0m\r\x1b[J")
    settled = shown[streamed_end:]
    assert "(Verified: llama3.2" in settled or "(Chosen from the articles" in settled, settled
    assert "\n[1] " in settled.replace("\r\n", "\n")
    assert child.exitstatus == 0 and "Traceback" not in shown
