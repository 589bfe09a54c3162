"""Gold sets: the questions an eval run asks, with the answers and sources that count as right.

A gold file is JSON lines, one question per line (blank lines are skipped):

    {"id": "q1", "question": "...", "answers": ["..."], "sources": ["a.txt"], "type": "single"}

`answers` empty means the articles cannot answer the question. `sources` are document sources
(a path relative to the indexed folder, or its stem) that hold the answer. `type` is optional:
"unanswerable" when `answers` is empty, "single" otherwise.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from indexer.dates import calendar_date
from indexer.errors import FootnoteError

UNANSWERABLE = "unanswerable"
DEFAULT_ANSWERABLE_TYPE = "single"
# Enough to fix a badly broken file in one pass without flooding the terminal.
MAX_REPORTED_PROBLEMS = 20


@dataclass(frozen=True)
class GoldProblem:
    """One thing wrong with one line of a gold file."""

    line: int
    message: str


class GoldFileError(FootnoteError):
    """The gold file is missing, unreadable or has malformed lines; nothing was loaded."""

    def __init__(self, path: Path, problems: tuple[GoldProblem, ...] = (), detail: str = ""):
        self.path = path
        self.problems = problems
        super().__init__(detail or _describe_problems(path, problems))


@dataclass(frozen=True)
class GoldQuestion:
    """One gold question: `answers` empty means the archive cannot answer it."""

    id: str
    question: str
    answers: tuple[str, ...]
    sources: tuple[str, ...]
    type: str
    # The day the question was asked (ISO), when the gold set says: "this week" is the week
    # before it. The system under evaluation is told it.
    date: str | None = None

    @property
    def answerable(self) -> bool:
        """Whether the articles hold an answer (the gold set lists at least one)."""
        return bool(self.answers)


def load_gold(path: Path | str) -> list[GoldQuestion]:
    """Read every question of a gold file, or raise one GoldFileError listing every problem."""
    path = Path(path)
    text = _read_text(path)
    questions: list[GoldQuestion] = []
    problems: list[GoldProblem] = []
    first_line_of: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        question, errors = parse_gold_line(line)
        problems.extend(GoldProblem(number, error) for error in errors)
        if question is None:
            continue
        if question.id in first_line_of:
            first = first_line_of[question.id]
            problems.append(
                GoldProblem(number, f"duplicate id {question.id!r} (first on line {first})")
            )
            continue
        first_line_of[question.id] = number
        questions.append(question)
    if problems:
        raise GoldFileError(path, tuple(problems))
    if not questions:
        raise GoldFileError(
            path, detail=f"gold file {path} has no questions; add one JSON object per line"
        )
    return questions


def parse_gold_line(line: str) -> tuple[GoldQuestion | None, list[str]]:
    """One line as a question, or None with every problem found in it."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, [f"invalid JSON ({exc.msg} at column {exc.colno})"]
    if not isinstance(record, dict):
        return None, [f"expected a JSON object, got {type(record).__name__}"]
    problems: list[str] = []
    qid = _required_text(record, "id", problems)
    question = _required_text(record, "question", problems)
    answers = _string_list(record, "answers", problems)
    sources = _string_list(record, "sources", problems)
    kind = _question_type(record, answers, problems)
    asked_on = _asked_on(record, problems)
    if problems or qid is None or question is None or answers is None or sources is None:
        return None, problems
    return GoldQuestion(qid, question, answers, sources, kind, asked_on), []


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise GoldFileError(
            path, detail=f"no gold file at {path}; pass the path of a JSON-lines gold set"
        ) from exc
    except IsADirectoryError as exc:
        raise GoldFileError(
            path, detail=f"{path} is a directory; pass the gold file inside it"
        ) from exc
    except UnicodeDecodeError as exc:
        raise GoldFileError(
            path, detail=f"gold file {path} is not UTF-8 text ({exc.reason}); save it as UTF-8"
        ) from exc
    except OSError as exc:
        raise GoldFileError(path, detail=f"cannot read gold file {path}: {exc.strerror}") from exc


def _required_text(record: dict[str, object], key: str, problems: list[str]) -> str | None:
    value = record.get(key)
    if key not in record:
        problems.append(f"missing {key!r}")
    elif not isinstance(value, str):
        problems.append(f"{key!r} must be a string, got {type(value).__name__}")
    elif not value.strip():
        problems.append(f"{key!r} is empty")
    else:
        return value.strip()
    return None


def _string_list(
    record: dict[str, object], key: str, problems: list[str]
) -> tuple[str, ...] | None:
    value = record.get(key)
    if key not in record:
        problems.append(f"missing {key!r} (use [] for none)")
        return None
    if not isinstance(value, list):
        problems.append(f"{key!r} must be a list of strings, got {type(value).__name__}")
        return None
    items: list[str] = []
    for index, item in enumerate(value):
        if not isinstance(item, str):
            problems.append(f"{key}[{index}] must be a string, got {type(item).__name__}")
        elif not item.strip():
            problems.append(f"{key}[{index}] is empty")
        else:
            items.append(item.strip())
    return tuple(items) if len(items) == len(value) else None


def _asked_on(record: dict[str, object], problems: list[str]) -> str | None:
    # RealTime QA writes "2024/01/05"; the ISO form is accepted too.
    value = record.get("date")
    if value is None:
        return None
    if isinstance(value, str) and re.fullmatch(r"\d{4}/\d{2}/\d{2}|[\d-]+", value):
        try:
            return calendar_date(value.replace("/", "-"))
        except ValueError:
            pass  # the shape of a day, not a real one ("2024/02/30")
    problems.append(f"'date' must be a day as YYYY-MM-DD or YYYY/MM/DD, not {value!r}")
    return None


def _question_type(
    record: dict[str, object], answers: tuple[str, ...] | None, problems: list[str]
) -> str:
    value = record.get("type")
    if value is None:
        return UNANSWERABLE if answers == () else DEFAULT_ANSWERABLE_TYPE
    if not isinstance(value, str) or not value.strip():
        problems.append(f"'type' must be a non-empty string, got {value!r}")
        return ""
    if value.strip() == UNANSWERABLE and answers:
        problems.append("'type' is 'unanswerable' but 'answers' is not empty")
    return value.strip()


def _describe_problems(path: Path, problems: tuple[GoldProblem, ...]) -> str:
    shown = [f"  line {p.line}: {p.message}" for p in problems[:MAX_REPORTED_PROBLEMS]]
    hidden = len(problems) - len(shown)
    if hidden:
        shown.append(f"  ... and {hidden} more")
    plural = "problem" if len(problems) == 1 else "problems"
    header = f"gold file {path} has {len(problems)} {plural}; nothing was loaded. Fix and rerun:"
    return "\n".join([header, *shown])
