"""The `footnote` command: parse arguments, call the library, print. The composition root.

Each subcommand imports what it needs inside its handler, so `footnote --help` loads no torch.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Generator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from indexer.errors import FootnoteError
from service.progress import progress_bar
from service.settings import Settings

if TYPE_CHECKING:
    from service.engine import Engine
    from service.retrieval import SearchFilters

logger = logging.getLogger("footnote")

Handler = Callable[[argparse.Namespace, Settings], int]


# The exit status of a command killed by SIGPIPE (128 + 13), as `yes | head` leaves it.
SIGPIPE_STATUS = 141


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `footnote` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = settings_from_args(args)
        handler: Handler = args.handler
        return handler(args, settings)
    except FootnoteError as exc:
        print(f"footnote: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("footnote: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away ("footnote chunks | head"): stop quietly, as a command killed
        # by SIGPIPE does, and keep Python's flush at exit from failing on the closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return SIGPIPE_STATUS
    except ValueError as exc:  # pydantic ValidationError is a ValueError: bad settings
        print(f"footnote: invalid setting: {exc}", file=sys.stderr)
        return 2


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from the environment, overridden by any flag the user gave."""
    overrides = {
        name: value
        for name in Settings.model_fields
        if (value := getattr(args, name, None)) is not None
    }
    return Settings(**overrides)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="footnote",
        description="Ask questions of a news archive and get answers with verified citations.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    parser.add_argument("--version", action="version", version=f"footnote {_version()}")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    for register in _COMMANDS:
        register(sub)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("footnote")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "(not installed)"


def _setting(text: str, name: str) -> str:
    """Help for a flag that overrides a setting: what it does, its variable and its default."""
    default = Settings.model_fields[name].default
    return f"{text} (FOOTNOTE_{name.upper()}, default {default})"


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--index-dir", dest="index_dir", type=Path, help=_setting("store directory", "index_dir")
    )
    parser.add_argument(
        "--embedding-model", dest="embedding_model",
        help=_setting("sentence-transformers model the store was built with", "embedding_model"),
    )  # fmt: skip


# --- index ------------------------------------------------------------------------------------
# Integer settings `index` takes as flags: (flag, setting, what it does).
_INDEX_SETTINGS = (
    ("--chunk-tokens", "chunk_tokens", "chunk size in embedding-model tokens"),
    ("--chunk-overlap-tokens", "chunk_overlap_tokens", "tokens shared by neighbouring chunks"),
    ("--batch-size", "embedding_batch_size", "chunks embedded at once"),
    ("--max-file-bytes", "max_file_bytes", "larger files are skipped with a reason"),
)


def _register_index(sub: Any) -> None:
    p = sub.add_parser("index", help="add or update articles in the store")
    p.add_argument("paths", nargs="+", type=Path, help="files or folders of articles")
    _common(p)
    p.add_argument("--prune", action="store_true", help="remove documents whose files are gone")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument(
        "--ray", metavar="ADDRESS", dest="ray_address",
        help="parse, chunk and embed on a Ray cluster: 'auto' (the one 'ray start' began on "
        "this machine) or its head's HOST:PORT; needs pip install 'footnote[ray]' "
        "(default: index here)",
    )  # fmt: skip
    for flag, setting, text in _INDEX_SETTINGS:
        p.add_argument(flag, dest=setting, type=int, help=_setting(text, setting))
    p.set_defaults(handler=_index)


def _index(args: argparse.Namespace, settings: Settings) -> int:
    from indexer.errors import IngestError
    from service.indexing import index_into_store

    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        # A mistyped path stops the run before the store is touched (no lock, no folders).
        raise IngestError(f"no such file or folder: {', '.join(missing)}")

    with progress_bar("indexing", unit="file") as on_progress:
        summary = index_into_store(
            args.paths,
            settings,
            prune=args.prune,
            on_progress=on_progress,
            ray_address=args.ray_address,
        )
    report = summary.to_json()
    if args.json:
        print(json.dumps(report))
        return 0
    print(
        f"{summary.documents_added} added, {summary.documents_updated} updated, "
        f"{summary.documents_unchanged} unchanged, {summary.documents_removed} removed; "
        f"{summary.chunks_added} chunks in {summary.seconds:.1f}s"
    )
    print(f"published version {summary.version}" if summary.version else "no changes")
    for skipped in summary.skipped:
        print(f"skipped {skipped.path}: {skipped.reason}")
    return 0


# --- chunks -----------------------------------------------------------------------------------
def _register_chunks(sub: Any) -> None:
    p = sub.add_parser("chunks", help="print every stored chunk as a JSON line")
    _common(p)
    p.set_defaults(handler=_chunks)


def _chunks(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import asdict

    from indexer.store import Store

    store = Store.open(settings.index_dir)
    try:
        for chunk in store.iter_chunks():
            row = asdict(chunk)
            row["chunk_id"] = row.pop("id")
            print(json.dumps(row, ensure_ascii=False))
    finally:
        store.close()
    return 0


# --- documents --------------------------------------------------------------------------------
# Articles read from the store at a time, so a million-article listing streams.
DOCUMENTS_PAGE = 1000


def _register_documents(sub: Any) -> None:
    p = sub.add_parser("documents", help="list the stored articles: id, date, source and title")
    _common(p)
    p.add_argument("--json", action="store_true", help="print one JSON line per article")
    p.set_defaults(handler=_documents)


def _documents(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import asdict

    from indexer.store import Store

    store = Store.open(settings.index_dir)
    try:
        offset = 0
        while page := store.list_documents(limit=DOCUMENTS_PAGE, offset=offset):
            for info in page:
                if args.json:
                    print(json.dumps(asdict(info), ensure_ascii=False))
                else:
                    when = info.published or "undated"
                    print(f"{info.id}  {when:10}  {info.source}  {info.title or ''}")
            offset += len(page)
    finally:
        store.close()
    return 0


# --- search and ask --------------------------------------------------------------------------
def _filter_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--top-k", dest="top_k", type=int, help=_setting("passages to use", "top_k")
    )
    parser.add_argument(
        "--from", dest="published_from", type=_date, help="published on or after YYYY-MM-DD"
    )
    parser.add_argument(
        "--to", dest="published_to", type=_date, help="published on or before YYYY-MM-DD"
    )
    parser.add_argument(
        "--source", dest="sources", action="append", default=[], help="only this file or outlet"
    )
    parser.add_argument(
        "--as-of",
        dest="as_of",
        type=_date,
        help="the day the question is asked, YYYY-MM-DD (default today): that week's articles "
        "rank higher",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")


def _date(value: str) -> str:
    # The API's rule too: "March 2024" is refused (exit 2), not searched as no date at all.
    from indexer.dates import calendar_date

    try:
        return calendar_date(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _filters(args: argparse.Namespace) -> SearchFilters:
    from service.retrieval import SearchFilters

    return SearchFilters(
        args.published_from, args.published_to, tuple(args.sources), as_of=args.as_of
    )


def _register_search(sub: Any) -> None:
    p = sub.add_parser("search", help="show the passages that best match a query (no LLM)")
    p.add_argument("query", help="words to search the articles for")
    _common(p)
    _filter_flags(p)
    p.set_defaults(handler=_search)


def _search(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import asdict

    from service.answer_text import shorten
    from service.backends.extractive import ExtractiveBackend
    from service.factory import engine_for
    from service.indexing import embedder_for

    _check_before_loading(args.query, "query", settings)
    engine = engine_for(settings, backend=ExtractiveBackend(embedder_for(settings)))
    passages = engine.search(args.query, top_k=args.top_k, filters=_filters(args))
    if args.json:
        print(json.dumps({"query": args.query, "passages": [asdict(p) for p in passages]}))
        return 0
    for rank, p in enumerate(passages, start=1):
        when = p.published or "undated"
        print(f"{rank}. [{p.score:.4f}] {p.title or p.source} ({p.source}, {when})")
        print(f"   {shorten(p.text, 300)}")
    if not passages:
        print("no passages match")
    return 0


def _backend_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backend", dest="llm", choices=["llamacpp", "ollama", "extractive"],
        help=_setting("who writes the short answer; extractive uses no model", "llm"),
    )  # fmt: skip


def _register_ask(sub: Any) -> None:
    p = sub.add_parser("ask", help="answer a question with numbered, verified citations")
    p.add_argument("question", help="the question, in quotes")
    _common(p)
    _filter_flags(p)
    _backend_flag(p)
    p.add_argument(
        "--week-required",
        dest="week_required",
        action="store_const",
        const=True,
        help=_setting(
            "with --as-of: abstain where no headline of that week names the answer, no second "
            "article states it and it is not strongly supported",
            "week_required",
        ),
    )
    p.set_defaults(handler=_ask)


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from service.answer_text import answer_lines
    from service.factory import engine_for

    _check_before_loading(args.question, "question", settings)
    engine = engine_for(settings)
    filters = _filters(args)
    if args.json or not sys.stdout.isatty():
        # A pipe or a script gets only the verified answer, never text that is then withdrawn.
        answer = engine.ask(args.question, top_k=args.top_k, filters=filters)
        if args.json:
            print(json.dumps(answer.to_json(), ensure_ascii=False))
        else:
            print("\n".join(answer_lines(answer)))
        return 0
    _stream_answer(engine, args.question, args.top_k, filters)
    return 0


def _stream_answer(
    engine: Engine, question: str, top_k: int | None, filters: SearchFilters
) -> None:
    """On a terminal: the model's words stream dimmed, then the verified answer replaces them."""
    from service.answer_text import answer_lines
    from service.answers import FinalEvent
    from service.chat.render import ChatView, Console

    # https://no-color.org: a present NO_COLOR, whatever its value, turns colour off.
    out = Console(sys.stdout, tty=True, color="NO_COLOR" not in os.environ)
    view = ChatView(out, Console(sys.stderr, tty=sys.stderr.isatty()))
    events = engine.ask_stream(question, top_k=top_k, filters=filters)
    try:
        for event in events:
            if isinstance(event, FinalEvent):
                view.show(answer_lines(event.answer))
                return
            view.token(event.text)
    except KeyboardInterrupt:
        view.interrupted()
        raise
    finally:
        if isinstance(events, Generator):  # closing releases llama.cpp's lock at once
            events.close()


def _check_before_loading(text: str, what: str, settings: Settings) -> None:
    # The engine checks these too, but only after seconds of loading models.
    from indexer.store import read_manifest
    from service.errors import InvalidRequest

    if not text.strip():
        raise InvalidRequest(f"the {what} is empty")
    read_manifest(settings.index_dir)  # StoreNotFound, with the command that builds one


def _register_mcp(sub: Any) -> None:
    p = sub.add_parser(
        "mcp",
        help="serve the archive to AI assistants as MCP tools (search, ask, get_document) on stdio",
        description=(
            "An MCP server on stdin/stdout for assistants that launch it: tools search, ask "
            "and get_document. Logs go to stderr."
        ),
    )
    _common(p)
    _backend_flag(p)
    p.set_defaults(handler=_mcp)


def _mcp(args: argparse.Namespace, settings: Settings) -> int:
    from indexer.store import read_manifest
    from service.factory import engine_for
    from service.mcp_server import build_server

    read_manifest(settings.index_dir)  # a missing store is said now, not at the first call
    build_server(engine_for(settings)).run("stdio")
    return 0


def _register_serve(sub: Any) -> None:
    from service.api.command import register

    register(sub)


def _register_chat(sub: Any) -> None:
    from service.chat.command import register

    register(sub)


def _register_eval(sub: Any) -> None:
    # The composition root is the one place allowed to reach into eval/ (it depends on us).
    from eval.command import register

    register(sub)


_COMMANDS: list[Callable[[Any], None]] = [
    _register_index,
    _register_chunks,
    _register_documents,
    _register_search,
    _register_ask,
    _register_serve,
    _register_chat,
    _register_mcp,
    _register_eval,
]


if __name__ == "__main__":
    sys.exit(main())
