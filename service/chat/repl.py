"""The chat's loop: read a line, do what it says, show the result; at a terminal or in a pipe."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable

from indexer.errors import DocumentNotFound, FootnoteError, StoreError
from service.answers import TokenEvent
from service.chat.commands import (
    Ask,
    ClearFilters,
    Command,
    Invalid,
    OpenSource,
    Quit,
    Reset,
    SetFilters,
    ShowFilters,
    ShowHelp,
    ShowSources,
    UseBackend,
    merged_filters,
    parse_command,
)
from service.chat.render import (
    HELP_TEXT,
    ChatView,
    article_lines,
    filters_line,
    sources_lines,
)
from service.chat.session import Article, ChatSession, Notice
from service.errors import InvalidRequest, ServiceClientError, Unauthorized
from service.retrieval import SearchFilters

logger = logging.getLogger(__name__)

# In a pipe nobody can fix these between two lines, so the rest of the input would fail alike.
FATAL_IN_PIPE: tuple[type[FootnoteError], ...] = (StoreError, ServiceClientError, Unauthorized)

Pager = Callable[[list[str]], None]


class ChatLoop:
    """Carries out one line at a time against a ChatSession, showing results in a ChatView."""

    def __init__(self, session: ChatSession, view: ChatView, page: Pager) -> None:
        self.session = session
        self.view = view
        self.page = page

    def handle(self, line: str) -> bool:
        """Do what `line` says; False when the person asked to leave.

        FootnoteError and KeyboardInterrupt propagate: the caller decides what they end.
        """
        command = parse_command(line)
        if command is None:
            return True
        if isinstance(command, Quit):
            return False
        self._do(command)
        return True

    def _do(self, command: Command) -> None:
        if isinstance(command, Ask):
            self._ask(command.text)
        elif isinstance(command, ShowHelp):
            self.view.show(HELP_TEXT.splitlines())
        elif isinstance(command, ShowSources):
            self._sources()
        elif isinstance(command, OpenSource):
            self.page(article_lines(self.session.source_article(command.n)))
        elif isinstance(command, ShowFilters | ClearFilters | SetFilters):
            self._filter(command)
        elif isinstance(command, UseBackend):
            self._backend(command.name)
        elif isinstance(command, Reset):
            self.session.reset()
            self.view.show(["New conversation: earlier questions are forgotten."])
            if self.session.filters.given:
                self.view.show([filters_line(self.session.filters)])
        elif isinstance(command, Invalid):
            raise InvalidRequest(command.message)

    def _ask(self, question: str) -> None:
        events = self.session.ask(question)
        # Closing the stream on Ctrl-C stops the generation (or the HTTP response) at once.
        with contextlib.closing(events):
            for event in events:
                if isinstance(event, TokenEvent):
                    self.view.token(event.text)
                elif isinstance(event, Notice):
                    self.view.notice(event.text)
                else:
                    self.view.answer(event.answer, self.session.outlets(event.answer))

    def _sources(self) -> None:
        answer = self.session.last
        if answer is None:
            self.view.show(["There is no answer yet; ask a question first."])
            return
        articles: dict[str, Article | None] = {}
        for citation in answer.citations:
            try:
                articles[citation.document_id] = self.session.article(citation.document_id)
            except DocumentNotFound:  # re-indexed since: show the quote without its context
                articles[citation.document_id] = None
        self.view.show(sources_lines(answer, articles, self.view.style))

    def _filter(self, command: ShowFilters | ClearFilters | SetFilters) -> None:
        if isinstance(command, ClearFilters):
            self.session.filters = SearchFilters()
        elif isinstance(command, SetFilters):
            self.session.filters = merged_filters(self.session.filters, command)
        self.view.show([filters_line(self.session.filters)])

    def _backend(self, name: str | None) -> None:
        if name is not None:
            self.session.use_backend(name)
        self.view.show([f"Answering with {self.session.transport.backend_label()}."])


def run_interactive(loop: ChatLoop, read_line: Callable[[], str]) -> int:
    """Prompt until /quit or Ctrl-D. Ctrl-C stops an answer, or clears the prompt; errors are
    shown and the chat goes on, since the person can fix them (start the server, /filter...)."""
    while True:
        try:
            line = read_line()
        except KeyboardInterrupt:  # at the prompt: a fresh prompt, not an exit
            continue
        except EOFError:
            return 0
        try:
            if not loop.handle(line):
                return 0
        except KeyboardInterrupt:
            loop.view.interrupted()
        except FootnoteError as exc:
            loop.view.error(str(exc))


def run_pipe(loop: ChatLoop, lines: Iterable[str]) -> int:
    """Answer each line until the input ends; 1 if any line failed, so scripts notice."""
    failed = False
    for line in lines:
        try:
            if not loop.handle(line):
                break
        except FATAL_IN_PIPE as exc:
            loop.view.error(str(exc))
            return 1
        except FootnoteError as exc:
            loop.view.error(str(exc))
            failed = True
    return 1 if failed else 0
