"""Prompt templates are files in prompts/; this module loads them by name and fills them in."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

from service.backends.base import ChatMessage
from service.errors import PromptNotFound
from service.evidence import Evidence

DEFAULT_PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


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

    def short_answer_messages(
        self, question: str, evidence: Sequence[Evidence], candidates: Sequence[str]
    ) -> list[ChatMessage]:
        """The chat prompt asking for a short answer from numbered evidence sentences."""
        sentences = "\n".join(
            self.template("evidence_sentence")
            .format(
                n=n,
                title=_attribute(e.passage.title or e.passage.source),
                published=_attribute(e.passage.published or "date unknown"),
                text=" ".join(e.text.split()),
            )
            .strip()
            for n, e in enumerate(evidence, start=1)
        )
        user = self.template("short_answer").format(
            sentences=sentences, candidates="; ".join(candidates), question=question
        )
        return [
            ChatMessage("system", self.template("short_answer_system").strip()),
            ChatMessage("user", user.strip()),
        ]

    def reader_prompt(self, question: str, sentences: Sequence[str]) -> str:
        """The plain-text prompt whose continuation the reader scores (no chat template: the
        reader is a base model)."""
        text = "\n".join(" ".join(s.split()) for s in sentences)
        return self.template("reader").format(sentences=text, question=question).strip()

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
