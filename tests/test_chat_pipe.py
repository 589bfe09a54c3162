"""`footnote chat` in a plain pipe: questions on stdin, answers on stdout, errors one line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from service.settings import Settings
from tests.conftest import REPO

LOOR_QUESTION = "When did Matthis Loor take charge of the maritime ministry?"
# Each run loads the embedding model; generous, and only a bound on a hung process.
RUN_DEADLINE_S = 300


def chat_env(**extra: str) -> dict[str, str]:
    """The environment a person's shell would give `footnote chat`, minus this machine's
    FOOTNOTE_ settings, plus offline model loading and the quick extractive backend."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOOTNOTE_")}
    env.pop("NO_COLOR", None)
    env.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        FOOTNOTE_LLM="extractive",
        PYTHONPATH=str(REPO),
    )
    env.update(extra)
    return env


def run_chat(args: list[str], stdin: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """`footnote chat ARGS` with `stdin` piped in, as `echo ... | footnote chat` runs it."""
    return subprocess.run(
        [sys.executable, "-m", "service.cli", "chat", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=chat_env(**extra),
        cwd=REPO,
        timeout=RUN_DEADLINE_S,
        check=False,
    )


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_a_piped_question_is_answered_plainly_and_the_chat_exits(
    sample_settings: Settings,
) -> None:
    result = run_chat(["--index-dir", str(sample_settings.index_dir)], f"{LOOR_QUESTION}\n")
    assert result.returncode == 0, result.stderr
    assert "November 2023" in result.stdout
    assert "\nSources:\n[1] " in result.stdout
    assert "\x1b" not in result.stdout + result.stderr
    assert result.stderr == ""
    assert "Footnote chat over" not in result.stdout, "no banner in a pipe"


def test_piped_follow_ups_and_commands_work_as_at_the_prompt(sample_settings: Settings) -> None:
    lines = [LOOR_QUESTION, "What did he say about Sarvek?", "/sources", "/open 1", "/quit"]
    result = run_chat(["--index-dir", str(sample_settings.index_dir)], "\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert "Searched for: What did Matthis Loor say about Sarvek?\n" in result.stdout
    # /open 1 prints the whole cleaned article, which goes on past the quoted sentence.
    assert "Shares in Sarvek fell 11 percent" in result.stdout
    assert "\x1b" not in result.stdout


def test_a_missing_store_is_one_line_naming_the_fix_and_exit_one(tmp_path: Path) -> None:
    missing = tmp_path / "no-store"
    result = run_chat(["--index-dir", str(missing)], f"{LOOR_QUESTION}\n")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"footnote: no index at {missing}; run 'footnote index PATH --index-dir {missing}'\n"
    )


def test_a_dead_llm_is_announced_and_the_question_answered_by_quoting(
    sample_settings: Settings, tmp_path: Path
) -> None:
    result = run_chat(
        ["--index-dir", str(sample_settings.index_dir)],
        f"{LOOR_QUESTION}\n",
        FOOTNOTE_LLM="llamacpp",
        FOOTNOTE_LLAMACPP_MODEL_PATH=str(tmp_path / "missing.gguf"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("the llamacpp backend failed: no GGUF model at ")
    assert result.stderr.endswith(
        "Answering by quoting the articles instead; type /backend llamacpp to try it again.\n"
    )
    assert result.stderr.count("\n") == 1
    assert "November 2023" in result.stdout


def test_an_unreachable_server_is_one_line_and_exit_one() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    result = run_chat(["--url", url], f"{LOOR_QUESTION}\n")
    assert result.returncode == 1
    assert result.stderr == (
        f"footnote: cannot reach Footnote at {url}; is 'footnote serve' running there?\n"
    )


def test_a_backend_flag_with_a_url_is_refused_in_one_line() -> None:
    result = run_chat(["--url", "http://127.0.0.1:9", "--backend", "ollama"], "")
    assert result.returncode == 1
    assert result.stderr == (
        "footnote: --backend works with a local store only; the server at --url chooses its own\n"
    )
