"""The `footnote` command's own behaviour: version, refused arguments, listings (real process)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from service.settings import Settings
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
