"""Prompt templates are files in prompts/; this module loads them by name and fills them in."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

from service.backends.base import ChatMessage
from service.errors import PromptNotFound
from service.passages import Passage

DEFAULT_PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
# Sources are fenced in <source> tags; a passage must not be able to close the fence early.
_FENCE_CLOSE = "</source"


class PromptLibrary:
    """The prompt templates of one directory."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or DEFAULT_PROMPTS_DIR
        if not self.directory.is_dir():
            raise PromptNotFound(
                f"no prompts directory at {self.directory}; set FOOTNOTE_PROMPTS_DIR to the "
                f"repository's prompts/ folder"
            )

    def template(self, name: str) -> str:
        """The text of prompts/NAME.txt."""
        return _read(self.directory / f"{name}.txt")

    def answer_messages(self, question: str, passages: Sequence[Passage]) -> list[ChatMessage]:
        """The chat prompt asking for a cited answer from numbered passages."""
        sources = "\n\n".join(
            self.template("source")
            .format(
                n=n,
                title=_attribute(p.title or p.source),
                published=_attribute(p.published or "unknown"),
                text=p.text.replace(_FENCE_CLOSE, "< /source"),
            )
            .strip()
            for n, p in enumerate(passages, start=1)
        )
        return [
            ChatMessage("system", self.template("answer_system").strip()),
            ChatMessage(
                "user", self.template("answer").format(sources=sources, question=question).strip()
            ),
        ]

    def condense_messages(self, history: Sequence[ChatMessage], question: str) -> list[ChatMessage]:
        """The chat prompt asking to rewrite a follow-up as a standalone question."""
        lines = "\n".join(f"{m.role.capitalize()}: {m.content}" for m in history)
        return [
            ChatMessage("system", self.template("condense_system").strip()),
            ChatMessage(
                "user", self.template("condense").format(history=lines, question=question).strip()
            ),
        ]


def _attribute(value: str) -> str:
    return value.replace('"', "'").replace("\n", " ")


@functools.cache
def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PromptNotFound(f"prompt template {path} is missing; restore it from git") from exc
