"""How the chat looks: answers, sources, articles and notices written to text streams.

Formatting is pure (functions from values to lines); ChatView adds the streaming: on a terminal
the provisional text streams dimmed and is replaced by the verified answer when it arrives.
Nothing here writes a control code unless its Console is a terminal.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TextIO

from service.answers import Answer, answered_by
from service.chat.session import Article
from service.passages import Passage
from service.retrieval import SearchFilters

# A quote under the answer is a reminder, not the passage: ~2 lines of a terminal.
QUOTE_CHARS = 200
# Around a quote, /sources shows its paragraph, cut to this much when paragraphs are huge.
PASSAGE_CHARS = 1200
CLOSEST_SHOWN = 3
_MARKER = re.compile(r"\[\d+\]")

HELP_TEXT = """\
Ask a question in plain words. Follow-ups may refer to earlier answers ("what did he say?").
  /sources               the last answer's sources with their full passages
  /open N                read the whole article behind source N
  /filter                show the filters; set them with
                         /filter from=YYYY-MM-DD to=YYYY-MM-DD source=FILE-OR-OUTLET
                         /filter as_of=YYYY-MM-DD asks as on that day (that week first)
  /filter clear          search every article again
  /backend [NAME]        show the answer backend, or switch: extractive, llamacpp, ollama
  /reset                 forget the conversation and start over
  /quit                  leave (Ctrl-D too); Ctrl-C stops an answer that is being written"""


class Console:
    """Writes text to one stream, knowing whether it is a terminal and how large."""

    def __init__(
        self,
        stream: TextIO,
        *,
        tty: bool,
        color: bool = False,
        size: Callable[[], tuple[int, int]] | None = None,
    ) -> None:
        self.stream = stream
        self.tty = tty
        self.style = Style(color and tty)
        self._size = size or (lambda: _terminal_size(stream))

    def write(self, text: str) -> None:
        """Write `text` as is, at once."""
        self.stream.write(text)
        self.stream.flush()

    def lines(self, lines: list[str]) -> None:
        """Write each line with a newline after it."""
        self.write("".join(f"{line}\n" for line in lines))

    def size(self) -> tuple[int, int]:
        """(columns, rows) of the terminal."""
        return self._size()


@dataclass(frozen=True)
class Style:
    """ANSI styling, or none at all when `color` is off."""

    color: bool

    def bold(self, text: str) -> str:
        """Text in bold."""
        return self._sgr("1", text)

    def dim(self, text: str) -> str:
        """Text dimmed."""
        return self._sgr("2", text)

    def markers(self, text: str) -> str:
        """Citation markers [n] in bold cyan."""
        if not self.color:
            return text
        return _MARKER.sub(lambda m: self._sgr("1;36", m.group()), text)

    def open_dim(self) -> str:
        """The code that starts dimmed text (for text written piece by piece)."""
        return "\x1b[2m" if self.color else ""

    def close(self) -> str:
        """The code that ends any styling."""
        return "\x1b[0m" if self.color else ""

    def _sgr(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text


# --- formatting: values in, lines out -----------------------------------------------------
def shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    """`text` on one line, cut at a word boundary with … when longer than `limit`."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if flat[limit - 1] != " " and " " in cut:  # the cut is inside a word: drop that word
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(",;:–—-") + "…"


def provenance(outlet: str | None, published: str | None, source: str) -> str:
    """'Outlet · 2024-02-15 · file.txt', leaving out what is unknown."""
    return " · ".join(part for part in (outlet, published or "undated", source) if part)


def source_lines(
    n: int, title: str | None, provenance_line: str, quote: str, style: Style
) -> list[str]:
    """A numbered source: title, where it is from, and the quoted passage."""
    return [
        f"{style.markers(f'[{n}]')} {style.bold(title or '(untitled)')}",
        f"    {style.dim(provenance_line)}",
        f'    "{quote}"',
    ]


def answer_lines(answer: Answer, outlets: Mapping[str, str | None], style: Style) -> list[str]:
    """The settled answer: what was searched, the verified text, then its numbered sources."""
    lines: list[str] = []
    searched = answer.standalone_question
    if searched and _normal(searched) != _normal(answer.question):
        lines += [style.dim(f"Searched for: {searched}"), ""]
    if answer.abstained:
        return lines + _abstention_lines(answer, style)
    lines.append(style.markers(answer.answer))
    lines.append(style.dim(f"({answered_by(answer)})"))
    if not answer.citations:
        return lines
    lines += ["", "Sources:"]
    for c in answer.citations:
        where = provenance(outlets.get(c.document_id), c.published, c.source)
        lines += source_lines(c.n, c.title, where, shorten(c.quote), style)
    return lines


def _abstention_lines(answer: Answer, style: Style) -> list[str]:
    lines = [style.bold(answer.answer)]
    if answer.reason:
        lines.append(f"Why: {answer.reason}")
    if answer.related:
        lines += ["", "Closest passages:"]
        for n, p in enumerate(answer.related[:CLOSEST_SHOWN], start=1):
            lines += source_lines(n, p.title, _passage_provenance(p), shorten(p.text), style)
    return lines


def sources_lines(
    answer: Answer, articles: Mapping[str, Article | None], style: Style
) -> list[str]:
    """Every source of `answer` in full: each quote with the paragraph around it.

    `articles` maps a cited document id to its article (None if it is gone from the archive).
    """
    if not answer.citations:
        lines = ["No sources: the articles don't say. The closest passages were:"]
        for n, p in enumerate(answer.related, start=1):
            lines += _full_source(n, p.title, _passage_provenance(p), p.text, "", style)
        return lines if answer.related else ["No sources: nothing in the archive came close."]
    lines = []
    for c in answer.citations:
        article = articles.get(c.document_id)
        outlet = article.outlet if article else None
        context = ""
        if article is not None and article.text[c.start : c.end] == c.quote:
            context = passage_around(article.text, c.start, c.end)
        where = provenance(outlet, c.published, c.source)
        lines += _full_source(c.n, c.title, where, c.quote, context, style)
    return lines


def _full_source(
    n: int, title: str | None, where: str, quote: str, context: str, style: Style
) -> list[str]:
    lines = source_lines(n, title, where, " ".join(quote.split()), style)
    if context and " ".join(context.split()) != " ".join(quote.split()):
        lines += ["", *(f"    {line}" for line in context.splitlines() if line.strip())]
    return [*lines, ""]


def passage_around(text: str, start: int, end: int, limit: int = PASSAGE_CHARS) -> str:
    """The paragraph holding text[start:end], cut to about `limit` characters around it."""
    begin = text.rfind("\n\n", 0, start)
    begin = 0 if begin < 0 else begin + 2
    stop = text.find("\n\n", end)
    stop = len(text) if stop < 0 else stop
    spare = max(0, limit - (end - start)) // 2
    begin, stop = max(begin, start - spare), min(stop, end + spare)
    head = "…" if begin > 0 and text[begin - 1] not in "\n" else ""
    tail = "…" if stop < len(text) and text[stop] not in "\n" else ""
    return f"{head}{text[begin:stop].strip()}{tail}"


def article_lines(article: Article) -> list[str]:
    """A whole article for reading: title, where it is from, then its text."""
    where = provenance(article.outlet, article.published, article.source)
    return [article.title or "(untitled)", where, "", *article.text.strip().splitlines()]


def filters_line(filters: SearchFilters) -> str:
    """The filters in force, and the day asked on where one is set, in words."""
    asked = f" Asking as of {filters.as_of}." if filters.as_of else ""
    if not filters.active:
        return f"No filters: searching every article.{asked}"
    parts = []
    if filters.published_from:
        parts.append(f"from {filters.published_from}")
    if filters.published_to:
        parts.append(f"to {filters.published_to}")
    if filters.sources:
        parts.append(f"only {', '.join(filters.sources)}")
    return f"Filters: {'; '.join(parts)}.{asked}"


def _passage_provenance(p: Passage) -> str:
    return provenance(p.outlet, p.published, p.source)


def _normal(text: str) -> str:
    return " ".join(text.lower().split()).rstrip("?.! ")


# --- streaming ----------------------------------------------------------------------------
class ChatView:
    """Shows one conversation: streamed text, settled answers, notices and errors."""

    def __init__(self, out: Console, err: Console) -> None:
        self.out = out
        self.err = err
        self.style = out.style
        self._streamed = ""

    def token(self, text: str) -> None:
        """Show a piece of the answer as it is written (on a terminal; a pipe gets only the
        verified answer, so scripts never read text that is then withdrawn)."""
        if not self.out.tty or not text:
            return
        opening = self.style.open_dim() if not self._streamed else ""
        self.out.write(opening + text)
        self._streamed += text

    def answer(self, answer: Answer, outlets: Mapping[str, str | None]) -> None:
        """Replace the streamed text with the verified answer and its sources."""
        self._withdraw()
        self.out.lines([*answer_lines(answer, outlets, self.style), ""])

    def interrupted(self) -> None:
        """The person stopped the answer: withdraw the unverified text and say so."""
        self._withdraw()
        self.out.lines([self.style.dim("(answer interrupted)"), ""])

    def notice(self, text: str) -> None:
        """Something to know about the answer, on the error stream."""
        self._withdraw()
        self.err.lines([text])

    def error(self, message: str) -> None:
        """One friendly line on the error stream."""
        self._withdraw()
        self.err.lines([f"footnote: {message}"])

    def show(self, lines: list[str]) -> None:
        """Plain lines on the output stream."""
        self._withdraw()
        self.out.lines(lines)

    def _withdraw(self) -> None:
        """Erase the streamed text: move up over the rows it took and clear to the end."""
        if not self._streamed:
            return
        columns, rows = self.out.size()
        used = _rows_taken(self._streamed, columns)
        self.out.write(self.style.close())
        if used < rows:
            up = f"\x1b[{used - 1}A" if used > 1 else ""
            self.out.write(f"{up}\r\x1b[J")
        else:  # it scrolled off the top: it cannot be erased, so mark where the answer starts
            self.out.write("\n" + self.style.dim("─" * min(columns, 40)) + "\n")
        self._streamed = ""


def _rows_taken(text: str, columns: int) -> int:
    """Terminal rows `text` takes when written from the start of a row, wrapping at `columns`."""
    return sum(max(1, math.ceil(_width(line) / columns)) for line in text.split("\n"))


def _width(text: str) -> int:
    # East Asian wide and full-width characters take two columns.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _terminal_size(stream: TextIO) -> tuple[int, int]:
    try:
        size = os.get_terminal_size(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return (80, 24)
    return (size.columns or 80, size.lines or 24)
