"""The `footnote chat` subcommand: a conversation over a local store or a running service.

Only this module touches the process's streams and environment; everything it builds takes
them as arguments. Heavy imports wait for the handler, so `footnote --help` stays fast.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from service.settings import Settings

if TYPE_CHECKING:
    from service.chat.repl import ChatLoop
    from service.chat.session import Transport

logger = logging.getLogger(__name__)

PROMPT = "footnote> "


def register(sub: Any) -> None:
    """Add the `chat` subcommand."""
    p = sub.add_parser(
        "chat",
        help="talk with the archive: follow-up questions, sources, filters",
        description=(
            "A conversation with the archive, over a local store (--index-dir) or a running "
            "'footnote serve' (--url). Type /help inside for the commands. Reads questions "
            "from stdin, one per line, when stdin is not a terminal."
        ),
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--index-dir", dest="index_dir", type=Path, help="store directory (FOOTNOTE_INDEX_DIR)"
    )
    where.add_argument("--url", help="address of a running 'footnote serve', e.g. http://host:8000")
    p.add_argument("--api-key", dest="api_key", help="API key for --url, if the server needs one")
    p.add_argument("--embedding-model", dest="embedding_model", help="FOOTNOTE_EMBEDDING_MODEL")
    p.add_argument(
        "--backend", dest="llm", choices=["llamacpp", "ollama", "extractive"], help="FOOTNOTE_LLM"
    )
    p.add_argument("--top-k", dest="top_k", type=int, help="passages to use (FOOTNOTE_TOP_K)")
    p.set_defaults(handler=chat)


def chat(args: argparse.Namespace, settings: Settings) -> int:
    """Run the chat until /quit, Ctrl-D or the end of piped input."""
    from service.chat.render import ChatView, Console
    from service.chat.repl import ChatLoop, run_interactive, run_pipe
    from service.chat.session import ChatSession

    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    # https://no-color.org: a present NO_COLOR, whatever its value, turns colour off.
    color = "NO_COLOR" not in os.environ
    out = Console(sys.stdout, tty=sys.stdout.isatty(), color=color)
    err = Console(sys.stderr, tty=sys.stderr.isatty(), color=color)
    view = ChatView(out, err)
    transport = _transport(args, settings)
    try:
        session = ChatSession(transport, top_k=args.top_k)
        for notice in session.start():
            view.notice(notice.text)
        if not interactive:
            return run_pipe(ChatLoop(session, view, view.show), sys.stdin)
        loop = ChatLoop(session, view, _pager)
        view.show(
            [
                f"Footnote chat over {transport.description}, "
                f"answering with {transport.backend_label()}.",
                "Ask a question, or type /help. Ctrl-D leaves.",
                "",
            ]
        )
        return run_interactive(loop, _prompt_reader(loop))
    finally:
        transport.close()


def _transport(args: argparse.Namespace, settings: Settings) -> Transport:
    from service.errors import InvalidRequest

    if args.url:
        if args.llm:
            raise InvalidRequest(
                "--backend works with a local store only; the server at --url chooses its own"
            )
        from service.chat.remote import RemoteTransport

        return RemoteTransport(args.url, api_key=args.api_key)
    if args.api_key:
        raise InvalidRequest("--api-key goes with --url; a local store needs no key")
    from indexer.store import read_manifest
    from service.backends.base import Backend
    from service.chat.local import LocalTransport
    from service.factory import backend_for, engine_for
    from service.settings import LLMName

    # Say a store is missing before the embedding model spends seconds loading.
    read_manifest(settings.index_dir)

    def make_backend(name: str) -> Backend:
        # parse_command accepts only the names LLMName lists.
        return backend_for(settings, cast("LLMName", name))

    return LocalTransport(engine_for(settings), make_backend)


def history_path() -> Path:
    """Where typed lines are kept between chats: $XDG_DATA_HOME/footnote/chat_history.

    FOOTNOTE_CHAT_HISTORY overrides it (tests point it at a temporary file).
    """
    override = os.environ.get("FOOTNOTE_CHAT_HISTORY")
    if override:
        return Path(override)
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "footnote" / "chat_history"


def _prompt_reader(loop: ChatLoop) -> Callable[[], str]:
    """prompt_toolkit's line editor, with history kept in the user's data directory."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    path = history_path()
    history: Any
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
        history = FileHistory(str(path))
    except OSError as exc:
        loop.view.error(f"cannot keep the chat history at {path} ({exc}); it is kept in memory")
        history = InMemoryHistory()
    prompt: Any = PromptSession(history=history)

    def read_line() -> str:
        return str(prompt.prompt(PROMPT))

    return read_line


def _pager(lines: list[str]) -> None:
    """Page long text on a terminal ($PAGER, else less)."""
    import pydoc

    pydoc.pager("\n".join(lines) + "\n")
