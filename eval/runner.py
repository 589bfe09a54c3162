"""The eval loop: ask a system every gold question, score each reply, summarize the run.

A system is anything that answers a question with an Answer-shaped JSON dict and says which
sources it retrieved: the service's Engine in this process (eval/engine_system.py), a running
service over HTTP (eval/http_client.py) or the LangChain recipe (eval/baseline.py). One scorer
(eval/scoring.py) scores them all.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from eval.gold import GoldQuestion
from eval.scoring import QuestionResult, score_question, summarize

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]
DEFAULT_REPORTS_DIR = Path("reports")
_GOLD_SUFFIXES = (".jsonl", ".gold")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class SystemReply:
    """What a system said to one question, with what scoring needs beside the answer.

    `answer` has the shape of the service's Answer.to_json(); `retrieved_sources` are the
    sources of the retrieved passages in rank order; `articles` maps the id of every cited
    document to its text, so citations can be checked against it.
    """

    answer: Mapping[str, Any]
    retrieved_sources: tuple[str, ...]
    articles: Mapping[str, str]


class AnswerSystem(Protocol):
    """A question-answering system under evaluation."""

    label: str

    def check(self) -> None:
        """Raise a FootnoteError if the system cannot answer now (before any question runs)."""
        ...

    def reply(self, question: str, k: int, as_of: str | None = None) -> SystemReply:
        """Answer `question` using (and reporting) the top `k` retrieved passages.

        `as_of`: the day the question is asked (ISO), when the gold set gives one.
        """
        ...

    def close(self) -> None:
        """Release connections or other resources the system holds."""
        ...


@dataclass(frozen=True)
class EvalRun:
    """A finished run: one result per question, in gold order, and their summary."""

    label: str
    results: tuple[QuestionResult, ...]
    summary: dict[str, Any]


def select_questions(questions: Sequence[GoldQuestion], limit: int | None) -> list[GoldQuestion]:
    """The first `limit` questions in file order (all of them when `limit` is None)."""
    if limit is None:
        return list(questions)
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}; or leave it out for all")
    return list(questions[:limit])


def run_eval(
    questions: Sequence[GoldQuestion],
    system: AnswerSystem,
    *,
    k: int,
    on_progress: ProgressCallback | None = None,
) -> EvalRun:
    """Check the system, then ask and score every question in order."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if not questions:
        raise ValueError("no questions to ask; pass a gold set with at least one question")
    system.check()
    results: list[QuestionResult] = []
    for done, gold in enumerate(questions, start=1):
        reply = system.reply(gold.question, k, as_of=gold.date)
        results.append(
            score_question(gold, reply.answer, reply.retrieved_sources, reply.articles, k)
        )
        logger.debug("scored %s (%d of %d)", gold.id, done, len(questions))
        if on_progress is not None:
            on_progress(done, len(questions))
    return EvalRun(system.label, tuple(results), summarize(results))


def gold_set_name(gold_path: Path) -> str:
    """A gold file's short name: "seed-news" for seed-news.gold.jsonl.

    A file named just gold.jsonl (as the SQuAD converter writes) takes its folder's name.
    """
    name = gold_path.name
    changed = True
    while changed:
        changed = False
        for suffix in _GOLD_SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                name, changed = name[: -len(suffix)], True
    if name == "gold" and gold_path.parent.name:
        name = gold_path.resolve().parent.name
    return name


def default_report_dir(gold_path: Path, label: str, root: Path = DEFAULT_REPORTS_DIR) -> Path:
    """reports/<gold set>-<label>/, with characters unsafe in a folder name replaced by "-"."""
    folder = _UNSAFE_NAME.sub("-", f"{gold_set_name(gold_path)}-{label}").strip("-")
    return root / folder
