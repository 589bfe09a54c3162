"""The `footnote eval` subcommand (also `python -m eval`): score a system on a gold set.

Only this module touches the process's streams; the library it calls takes an on_progress
callback. Everything is checked (gold file, baseline, options) before a model loads or a
question is asked, so a bad input never leaves a half-run behind. Heavy imports wait for the
handler, so `footnote --help` stays fast.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from eval.errors import InvalidEvalOptions
from indexer.errors import FootnoteError
from service.progress import progress_bar

if TYPE_CHECKING:
    from eval.gold import GoldQuestion
    from eval.runner import AnswerSystem, EvalRun
    from service import Settings

logger = logging.getLogger(__name__)

SYSTEMS = ("footnote", "baseline")
BACKENDS = ("llamacpp", "ollama", "extractive")
HTTP_LABEL = "service"
# Width of the figure names in the printed summary table.
NAME_WIDTH = 24


def register(sub: Any) -> None:
    """Add the `eval` subcommand to the `footnote` command."""
    parser = sub.add_parser(
        "eval",
        help="score answers, citations, abstention and latency on a gold set",
        description=_DESCRIPTION,
    )
    add_arguments(parser)
    parser.set_defaults(handler=run_command)


_DESCRIPTION = (
    "Ask every question of a gold set (JSON lines: id, question, answers, sources) and write "
    "report.md, results.jsonl, summary.json and PNG charts. Runs the service in this process "
    "(--index-dir), against a running 'footnote serve' (--url), or runs the stock LangChain "
    "recipe over a raw corpus folder for comparison (--system baseline --corpus DIR)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The eval options, shared by `footnote eval` and `python -m eval`."""
    parser.add_argument("gold", type=Path, help="gold set, JSON lines")
    parser.add_argument(
        "--index-dir", dest="index_dir", type=Path, help="store directory (FOOTNOTE_INDEX_DIR)"
    )
    parser.add_argument(
        "--embedding-model", dest="embedding_model", help="FOOTNOTE_EMBEDDING_MODEL"
    )
    parser.add_argument(
        "--backend", dest="llm", choices=BACKENDS, help="FOOTNOTE_LLM (also the recipe's LLM)"
    )
    parser.add_argument("--top-k", dest="top_k", type=int, help="passages per question (k)")
    parser.add_argument(
        "--week-required",
        dest="week_required",
        action="store_const",
        const=True,
        help=(
            "abstain where no headline of the week asked names the answer, no second article "
            "states it and it is not strongly supported (FOOTNOTE_WEEK_REQUIRED)"
        ),
    )
    parser.add_argument("--report", type=Path, help="report folder (default reports/GOLD-LABEL)")
    parser.add_argument("--json", action="store_true", help="print every figure as JSON")
    parser.add_argument(
        "--baseline", type=Path, help="an earlier run's summary.json, to show changes against"
    )
    parser.add_argument("--limit", type=int, help="ask only the first N questions")
    parser.add_argument(
        "--system",
        choices=SYSTEMS,
        default="footnote",
        help="footnote (default) or baseline: the LangChain recipe over --corpus",
    )
    parser.add_argument("--corpus", type=Path, help="raw article folder for --system baseline")
    parser.add_argument("--url", help="address of a running 'footnote serve' to evaluate")
    parser.add_argument("--api-key", dest="api_key", help="API key for --url")
    parser.add_argument("--label", help="name of this run in the report (default: the backend)")


@dataclass(frozen=True)
class EvalPlan:
    """A run's checked inputs: nothing has been loaded or asked yet."""

    gold_path: Path
    questions: list[GoldQuestion]
    baseline: dict[str, Any] | None
    k: int


def run_command(args: argparse.Namespace, settings: Settings, out: TextIO | None = None) -> int:
    """Check the inputs, run every question with a progress bar, write and print the report."""
    from eval.report import deltas, write_report
    from eval.runner import default_report_dir, run_eval

    out = out or sys.stdout
    plan = prepare(args, settings)
    system = build_system(args, settings)
    try:
        with progress_bar(f"eval {plan.gold_path.name}", unit="question") as on_progress:
            run = run_eval(plan.questions, system, k=plan.k, on_progress=on_progress)
    finally:
        system.close()
    label = args.label or run_label(system.label, run)
    report_dir = args.report or default_report_dir(plan.gold_path, label)
    write_report(report_dir, run.summary, run.results, label=label, baseline=plan.baseline)
    changes = deltas(run.summary, plan.baseline) if plan.baseline is not None else None
    if args.json:
        record: dict[str, Any] = {"label": label, "gold": str(plan.gold_path), **run.summary}
        record["report_dir"] = str(report_dir)
        if changes is not None:
            record["changes"] = changes
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    else:
        out.write(summary_table(label, run.summary, changes or {}))
        out.write(f"report: {report_dir}/report.md\n")
    return 0


def prepare(args: argparse.Namespace, settings: Settings) -> EvalPlan:
    """Check the options, the whole gold file and the baseline; raise before anything runs."""
    from eval.gold import load_gold
    from eval.report import load_baseline
    from eval.runner import select_questions

    _check_options(args)
    if args.system == "baseline" and settings.llm == "extractive":
        raise InvalidEvalOptions(
            "the LangChain recipe needs an LLM to answer; pass --backend llamacpp or ollama"
        )
    questions = load_gold(args.gold)
    baseline = load_baseline(args.baseline) if args.baseline is not None else None
    return EvalPlan(args.gold, select_questions(questions, args.limit), baseline, settings.top_k)


def _check_options(args: argparse.Namespace) -> None:
    if args.system == "baseline":
        if args.corpus is None:
            raise InvalidEvalOptions(
                "--system baseline indexes raw files itself; pass their folder with --corpus"
            )
        if args.url is not None:
            raise InvalidEvalOptions("--system baseline runs in this process; drop --url")
    elif args.corpus is not None:
        raise InvalidEvalOptions("--corpus is for --system baseline; the service reads its store")
    if args.url is not None and args.index_dir is not None:
        raise InvalidEvalOptions(
            "--url evaluates a running service with its own store; drop --index-dir"
        )
    if args.limit is not None and args.limit < 1:
        raise InvalidEvalOptions(f"--limit must be at least 1, got {args.limit}")
    if args.api_key is not None and args.url is None:
        raise InvalidEvalOptions("--api-key is for --url; drop it to run in this process")


def build_system(args: argparse.Namespace, settings: Settings) -> AnswerSystem:
    """The system the options choose; nothing heavy loads until the run checks it."""
    if args.url is not None:
        from eval.http_client import HttpSystem
        from service.errors import InvalidRequest

        try:
            return HttpSystem(args.url, api_key=args.api_key, label=HTTP_LABEL)
        except InvalidRequest as exc:  # --url is not an http(s) URL
            raise InvalidEvalOptions(str(exc)) from exc
    from service import backend_for

    if args.system == "baseline":
        from eval.baseline import LangChainRecipe
        from indexer.embedding import load_embedder

        embedder = load_embedder(settings.embedding_model, settings.embedding_batch_size)
        return LangChainRecipe(args.corpus, embedder, backend_for(settings))
    from eval.engine_system import EngineSystem
    from service import engine_for

    return EngineSystem(engine_for(settings, backend_for(settings)))


def run_label(system_label: str, run: EvalRun) -> str:
    """The system's label; over HTTP, with the service's backend, e.g. service-llamacpp."""
    backends = run.summary.get("backends") or []
    if system_label == HTTP_LABEL and len(backends) == 1:
        return f"{HTTP_LABEL}-{backends[0]}"
    return system_label


def summary_table(label: str, summary: Mapping[str, Any], changes: Mapping[str, Any]) -> str:
    """Every figure, one per line, grouped as in the report, with its change when known."""
    from eval.definitions import ALL_FIGURES, format_with_delta
    from eval.report_markdown import GROUP_TITLES

    counts = summary.get("counts", {})
    lines = [f"{label}: {counts.get('questions', 0)} questions, k = {summary.get('k')}"]
    group = ""
    for spec in ALL_FIGURES:
        if spec.group != group:
            group = spec.group
            lines.append(GROUP_TITLES.get(group, group))
        shown = format_with_delta(spec.value_in(summary), spec.value_in(changes), spec.unit)
        lines.append(f"  {spec.label:<{NAME_WIDTH}}{shown}")
    return "\n".join(lines) + "\n"


# --- python -m eval -------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The parser of `python -m eval`: the same options as `footnote eval`."""
    parser = argparse.ArgumentParser(prog="python -m eval", description=_DESCRIPTION)
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    add_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """`python -m eval`: errors are one line on stderr and exit 1, as in `footnote eval`."""
    from service import Settings

    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        overrides = {
            name: value
            for name in Settings.model_fields
            if (value := getattr(args, name, None)) is not None
        }
        return run_command(args, Settings(**overrides), out)
    except FootnoteError as exc:
        sys.stderr.write(f"eval: {exc}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("eval: interrupted\n")
        return 130
    except ValueError as exc:  # pydantic's ValidationError is a ValueError: bad settings
        sys.stderr.write(f"eval: invalid setting: {exc}\n")
        return 2
