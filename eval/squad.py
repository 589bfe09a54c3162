"""SQuAD 2.0 as a Footnote corpus and gold set: one article file per paragraph, sampled questions.

    python -m eval.squad ../shared/datasets/squad-v2-dev/dev-v2.0.json --out DIR \\
        [--articles N] [--questions M] [--unanswerable-share 0.5] [--seed 0] [--force]

writes DIR/corpus/<title-slug>-<paragraph-index>.txt (the article title on the first line, a
blank line, the paragraph), DIR/gold.jsonl and DIR/README.md. Articles are the first N in file
order, with every paragraph; questions are sampled with a seeded random generator, the given
share of them from the unanswerable ones, in a seeded random order (so that `--limit N`
asks a fair sample). A question's gold answers are
its distinct answer texts and its source is its paragraph's file; an unanswerable one has
neither. Caveat: SQuAD marks a question unanswerable for its own paragraph only, so another
paragraph of the corpus might still answer it; abstention figures on them are an estimate.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from eval.errors import ConversionTargetExists, SquadFileError
from indexer.atomic_files import write_text_atomically
from indexer.errors import FootnoteError

CORPUS_FOLDER = "corpus"
GOLD_FILE = "gold.jsonl"
README_FILE = "README.md"
DEFAULT_QUESTIONS = 300
DEFAULT_UNANSWERABLE_SHARE = 0.5
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class SquadParagraph:
    """One paragraph of a SQuAD article, as one corpus file."""

    title: str
    index: int
    context: str

    @property
    def file_name(self) -> str:
        """<title-slug>-<paragraph-index>.txt, e.g. super-bowl-50-0.txt."""
        return f"{title_slug(self.title)}-{self.index}.txt"

    @property
    def file_text(self) -> str:
        """The title as the first line, a blank line, then the paragraph."""
        return f"{self.title}\n\n{self.context.strip()}\n"


@dataclass(frozen=True)
class SquadQuestion:
    """One SQuAD question with its distinct answer texts and its paragraph's file."""

    id: str
    question: str
    answers: tuple[str, ...]
    source: str

    def gold_record(self) -> dict[str, Any]:
        """The question as one line of a Footnote gold file."""
        answerable = bool(self.answers)
        return {
            "id": self.id,
            "question": self.question,
            "answers": list(self.answers),
            "sources": [self.source] if answerable else [],
            "type": "single" if answerable else "unanswerable",
        }


@dataclass(frozen=True)
class Conversion:
    """The paragraphs and sampled questions of a conversion."""

    paragraphs: tuple[SquadParagraph, ...]
    questions: tuple[SquadQuestion, ...]


def load_squad(path: Path) -> list[Any]:
    """The `data` list of a SQuAD JSON file; SquadFileError if it is missing or not SQuAD."""
    hint = "pass SQuAD 2.0's dev-v2.0.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SquadFileError(f"no SQuAD file at {path}; {hint}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SquadFileError(f"cannot read {path} ({exc}); {hint}") from exc
    except json.JSONDecodeError as exc:
        raise SquadFileError(
            f"{path} is not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); {hint}"
        ) from exc
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, list):
        raise SquadFileError(f"{path} has no 'data' list of articles; {hint}")
    return data


def convert(
    data: Sequence[Any],
    *,
    articles: int | None = None,
    questions: int = DEFAULT_QUESTIONS,
    unanswerable_share: float = DEFAULT_UNANSWERABLE_SHARE,
    seed: int = 0,
) -> Conversion:
    """The paragraphs of the first `articles` articles and `questions` sampled questions.

    Where a kind has fewer questions than its share asks, all of that kind are taken.
    """
    if articles is not None and articles < 1:
        raise ValueError(f"articles must be at least 1, got {articles}")
    if questions < 0 or not 0.0 <= unanswerable_share <= 1.0:
        raise ValueError("questions must be >= 0 and unanswerable_share between 0 and 1")
    paragraphs: list[SquadParagraph] = []
    pool: list[SquadQuestion] = []
    for a, article in enumerate(data[:articles]):
        title = _text(article, "title", f"data[{a}]").replace("_", " ")
        for p, paragraph in enumerate(_list(article, "paragraphs", f"data[{a}]")):
            where = f"data[{a}].paragraphs[{p}]"
            parsed = SquadParagraph(title, p, _text(paragraph, "context", where))
            paragraphs.append(parsed)
            qas = _list(paragraph, "qas", where)
            pool.extend(_question(qa, f"{where}.qas[{q}]", parsed) for q, qa in enumerate(qas))
    _check_unique_files(paragraphs)
    return Conversion(
        tuple(paragraphs), tuple(sample_questions(pool, questions, unanswerable_share, seed))
    )


def sample_questions(
    pool: Sequence[SquadQuestion], count: int, unanswerable_share: float, seed: int
) -> list[SquadQuestion]:
    """`count` questions, round(count * share) of them unanswerable, in a seeded random order.

    The order is random so that the first N questions (`footnote eval --limit N`) are a fair
    sample of the whole set rather than the first articles' questions.
    """
    rng = random.Random(seed)
    unanswerable = [i for i, q in enumerate(pool) if not q.answers]
    answerable = [i for i, q in enumerate(pool) if q.answers]
    wanted_unanswerable = min(round(count * unanswerable_share), len(unanswerable))
    wanted_answerable = min(count - wanted_unanswerable, len(answerable))
    chosen = rng.sample(unanswerable, wanted_unanswerable)
    chosen += rng.sample(answerable, wanted_answerable)
    rng.shuffle(chosen)
    return [pool[i] for i in chosen]


def write_conversion(conversion: Conversion, out_dir: Path, *, force: bool = False) -> None:
    """Write corpus/, gold.jsonl and README.md into `out_dir`."""
    corpus = out_dir / CORPUS_FOLDER
    _clear_target(out_dir, corpus, force)
    for paragraph in conversion.paragraphs:
        write_text_atomically(corpus / paragraph.file_name, paragraph.file_text)
    records = (json.dumps(q.gold_record(), ensure_ascii=False) for q in conversion.questions)
    write_text_atomically(out_dir / GOLD_FILE, "".join(f"{line}\n" for line in records))
    write_text_atomically(out_dir / README_FILE, readme_text(conversion))


def readme_text(conversion: Conversion) -> str:
    """What the output folder holds, where it comes from, and the unanswerable caveat."""
    unanswerable = sum(not q.answers for q in conversion.questions)
    titles = list(dict.fromkeys(p.title for p in conversion.paragraphs))
    return (
        "# SQuAD 2.0 as a Footnote corpus and gold set\n\n"
        "Written by `python -m eval.squad`. SQuAD 2.0 is CC BY-SA 4.0 (Rajpurkar, Jia and "
        "Liang, 2018).\n\n"
        f"- `{CORPUS_FOLDER}/`: {len(conversion.paragraphs)} paragraphs of {len(titles)} "
        "articles, one file each: the article title, a blank line, the paragraph.\n"
        f"- `{GOLD_FILE}`: {len(conversion.questions)} questions, {unanswerable} of them "
        "unanswerable (no answers, no sources).\n\n"
        "Caveat: SQuAD marks a question unanswerable for its own paragraph only. Another "
        "paragraph of this corpus might still answer it, so abstention figures on these "
        "questions are an estimate (an answer there is not always wrong).\n"
    )


def title_slug(title: str) -> str:
    """Lowercase letters and digits joined by "-": "Super Bowl 50" -> "super-bowl-50"."""
    return _NOT_SLUG.sub("-", title.lower()).strip("-") or "article"


# --- parsing ---------------------------------------------------------------------------------


def _question(qa: Any, where: str, paragraph: SquadParagraph) -> SquadQuestion:
    qid = _text(qa, "id", where)
    question = _text(qa, "question", where)
    impossible = qa.get("is_impossible", False)
    if not isinstance(impossible, bool):
        raise SquadFileError(f"{where}: 'is_impossible' must be true or false")
    texts = [
        _text(answer, "text", f"{where}.answers[{i}]")
        for i, answer in enumerate(_list(qa, "answers", where))
    ]
    answers = () if impossible else tuple(dict.fromkeys(t.strip() for t in texts))
    if not impossible and not answers:
        raise SquadFileError(f"{where}: an answerable question has no answers")
    return SquadQuestion(qid, question.strip(), answers, paragraph.file_name)


def _text(record: Any, key: str, where: str) -> str:
    value = record.get(key) if isinstance(record, Mapping) else None
    if not isinstance(value, str) or not value.strip():
        raise SquadFileError(f"{where}: {key!r} must be a non-empty string; is this SQuAD JSON?")
    return value


def _list(record: Any, key: str, where: str) -> list[Any]:
    value = record.get(key) if isinstance(record, Mapping) else None
    if not isinstance(value, list):
        raise SquadFileError(f"{where}: {key!r} must be a list; is this SQuAD JSON?")
    return value


def _check_unique_files(paragraphs: Sequence[SquadParagraph]) -> None:
    seen: set[str] = set()
    for paragraph in paragraphs:
        if paragraph.file_name in seen:
            raise SquadFileError(
                f"two paragraphs would both be {paragraph.file_name}: two articles share the "
                f"title {paragraph.title!r}; convert fewer articles"
            )
        seen.add(paragraph.file_name)


def _clear_target(out_dir: Path, corpus: Path, force: bool) -> None:
    ours = [out_dir / GOLD_FILE, out_dir / README_FILE, *sorted(corpus.glob("*.txt"))]
    present = out_dir.is_dir() and any(out_dir.iterdir())
    if present and not force:
        raise ConversionTargetExists(
            f"{out_dir} already holds files; pass --force to replace the conversion there, "
            f"or choose another --out"
        )
    for path in ours:
        path.unlink(missing_ok=True)


# --- command line ----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The converter's arguments."""
    parser = argparse.ArgumentParser(
        prog="python -m eval.squad",
        description="Convert SQuAD 2.0 JSON into a Footnote corpus folder and gold set.",
    )
    parser.add_argument("squad", type=Path, help="SQuAD JSON, e.g. dev-v2.0.json")
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    parser.add_argument("--articles", type=int, help="first N articles (default: all)")
    parser.add_argument(
        "--questions", type=int, default=DEFAULT_QUESTIONS, help="questions to sample (300)"
    )
    parser.add_argument(
        "--unanswerable-share",
        dest="unanswerable_share",
        type=float,
        default=DEFAULT_UNANSWERABLE_SHARE,
        help="share of unanswerable questions (0-1)",
    )
    parser.add_argument("--seed", type=int, default=0, help="sampling seed")
    parser.add_argument("--force", action="store_true", help="replace an earlier conversion")
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    """Convert, write, and say what was written; errors are one line on stderr, exit 1."""
    args = build_parser().parse_args(argv)
    try:
        conversion = convert(
            load_squad(args.squad),
            articles=args.articles,
            questions=args.questions,
            unanswerable_share=args.unanswerable_share,
            seed=args.seed,
        )
        write_conversion(conversion, args.out, force=args.force)
    except (FootnoteError, ValueError) as exc:
        sys.stderr.write(f"eval.squad: {exc}\n")
        return 1
    unanswerable = sum(not q.answers for q in conversion.questions)
    out.write(
        f"wrote {len(conversion.paragraphs)} passages to {args.out / CORPUS_FOLDER} and "
        f"{len(conversion.questions)} questions ({unanswerable} unanswerable) to "
        f"{args.out / GOLD_FILE}\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
