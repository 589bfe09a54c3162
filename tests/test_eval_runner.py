"""`footnote eval` / `python -m eval` runs the real engine over a real store and writes reports."""

from __future__ import annotations

import copy
import io
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eval.command import main, summary_table
from eval.definitions import ALL_FIGURES
from eval.engine_system import EngineSystem
from eval.gold import GoldQuestion, load_gold
from eval.http_client import HttpSystem
from eval.metrics import citation_valid
from eval.runner import default_report_dir, gold_set_name, select_questions
from indexer.embedding import SentenceTransformerEmbedder
from service.errors import InvalidRequest, ServiceUnreachable
from service.settings import Settings
from tests.api_server import extractive_engine, serve
from tests.conftest import REPO, SAMPLE_NEWS, make_settings

SAMPLE_GOLD = REPO / "eval" / "data" / "sample-news.gold.jsonl"
LIMIT = 6
REPORT_FILES = (
    "report.md",
    "results.jsonl",
    "summary.json",
    "metrics.png",
    "latency.png",
    "retrieval_ranks.png",
)


def eval_args(settings: Settings, report: Path, *extra: str) -> list[str]:
    """Arguments of a fast run: the extractive backend, the first six sample questions."""
    return [
        str(SAMPLE_GOLD),
        "--index-dir",
        str(settings.index_dir),
        "--backend",
        "extractive",
        "--limit",
        str(LIMIT),
        "--report",
        str(report),
        *extra,
    ]


def last_json_line(text: str) -> dict[str, Any]:
    record = json.loads(text.strip().splitlines()[-1])
    assert isinstance(record, dict)
    return record


@pytest.fixture(scope="module")
def first_run(
    sample_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any]]:
    """One --json run of six sample questions: its report folder and its last stdout line."""
    report = tmp_path_factory.mktemp("eval-run") / "report"
    out = io.StringIO()
    code = main(eval_args(sample_settings, report, "--json"), out=out)
    assert code == 0
    return report, last_json_line(out.getvalue())


def test_a_run_writes_every_report_file(first_run: tuple[Path, dict[str, Any]]) -> None:
    report, _ = first_run
    assert sorted(p.name for p in report.iterdir()) == sorted(REPORT_FILES)
    results = (report / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in results] == [f"sample-00{i}" for i in range(1, 7)]
    assert (
        (report / "report.md")
        .read_text(encoding="utf-8")
        .startswith("# Footnote eval: extractive\n\n6 questions; k = 10; backend: extractive")
    )


def test_json_last_line_holds_every_figure_of_the_summary(
    first_run: tuple[Path, dict[str, Any]],
) -> None:
    report, record = first_run
    summary = json.loads((report / "summary.json").read_text(encoding="utf-8"))
    assert record["label"] == "extractive"
    assert record["report_dir"] == str(report)
    for spec in ALL_FIGURES:
        assert spec.key in record[spec.group], spec
        assert record[spec.group][spec.key] == summary[spec.group][spec.key], spec
    assert record["counts"]["questions"] == LIMIT
    assert record["counts"]["answerable"] == LIMIT
    assert "changes" not in record


def test_every_rate_of_the_run_lies_between_zero_and_one(
    first_run: tuple[Path, dict[str, Any]],
) -> None:
    _, record = first_run
    rates = [s.value_in(record) for s in ALL_FIGURES if s.unit == "rate"]
    assert all(0.0 <= r <= 1.0 for r in rates if r is not None)
    # Six answerable questions answered by quoting: answer and retrieval figures all apply.
    assert None not in [record["retrieval"]["hit_at_k"], record["answers"]["token_f1"]]
    assert record["citations"]["validity"] == 1.0  # quotes are verbatim by construction


def test_baseline_run_reports_the_change_of_every_figure(
    sample_settings: Settings,
    first_run: tuple[Path, dict[str, Any]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    earlier_report, earlier = first_run
    before = json.loads((earlier_report / "summary.json").read_text(encoding="utf-8"))
    before = copy.deepcopy(before)
    before["label"] = "last week"
    before["retrieval"]["mrr"] = 0.25
    before["counts"]["correct"] = 1
    baseline = tmp_path / "before.json"
    baseline.write_text(json.dumps(before), encoding="utf-8")

    code = main(eval_args(sample_settings, tmp_path / "r", "--json", "--baseline", str(baseline)))

    record = last_json_line(capsys.readouterr().out)
    assert code == 0
    assert record["changes"]["retrieval"]["mrr"] == pytest.approx(record["retrieval"]["mrr"] - 0.25)
    assert record["changes"]["counts"]["correct"] == record["counts"]["correct"] - 1
    assert record["changes"]["answers"]["token_f1"] == 0.0  # deterministic: same answers
    report = (tmp_path / "r" / "report.md").read_text(encoding="utf-8")
    assert 'Each figure shows its change (Δ) against the baseline "last week".' in report
    assert record["answers"] == earlier["answers"]


def test_the_human_summary_prints_each_figure_with_its_change() -> None:
    summary = {"k": 5, "counts": {"questions": 2, "correct": 1}, "retrieval": {"mrr": 0.75}}
    changes = {"retrieval": {"mrr": 0.25}, "counts": {"correct": -1}}

    lines = summary_table("extractive", summary, changes).splitlines()

    assert lines[0] == "extractive: 2 questions, k = 5"
    assert "  MRR                     0.750 (Δ +0.250)" in lines
    assert "  hit@k                   n/a" in lines
    assert "  correct                 1 (Δ -1)" in lines


def test_the_human_summary_prints_answer_length_in_words_and_the_new_rates() -> None:
    summary = {
        "k": 5,
        "counts": {"questions": 4, "verified": 3},
        "answers": {"median_words": 12.5, "wrong_among_verified": 0.25},
        "abstention": {"false_abstention_rate": None},
    }
    changes = {"answers": {"median_words": -2.0}}

    lines = summary_table("llamacpp", summary, changes).splitlines()

    assert "  median answer words     12.5 words (Δ -2.0 words)" in lines
    assert "  wrong among verified    0.250" in lines
    assert "  false abstention        n/a" in lines
    assert "  verified answers        3" in lines


def test_malformed_gold_fails_before_any_question_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gold = tmp_path / "broken.gold.jsonl"
    good = '{"id": "q1", "question": "Who?", "answers": ["Ann"], "sources": ["a.txt"]}'
    gold.write_text(f'{good}\n{{"id": "q2", "question": "When?"}}\n', encoding="utf-8")
    report = tmp_path / "report"

    # No store exists at --index-dir: a run that got past the gold file would fail on it.
    code = main([str(gold), "--index-dir", str(tmp_path / "none"), "--report", str(report)])

    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith(f"eval: gold file {gold} has 2 problems; nothing was loaded.")
    assert "  line 2: missing 'answers' (use [] for none)" in err
    assert "  line 2: missing 'sources' (use [] for none)" in err
    assert not report.exists()


def test_baseline_system_without_a_corpus_is_refused_before_loading_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([str(SAMPLE_GOLD), "--system", "baseline", "--report", str(tmp_path / "r")])

    assert code == 1
    assert capsys.readouterr().err == (
        "eval: --system baseline indexes raw files itself; pass their folder with --corpus\n"
    )
    assert not (tmp_path / "r").exists()


def test_the_recipe_with_the_extractive_backend_is_refused_before_loading_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--system", "baseline", "--corpus", str(SAMPLE_NEWS), "--backend", "extractive"]

    code = main([str(SAMPLE_GOLD), *args, "--report", str(tmp_path / "r")])

    assert code == 1
    assert capsys.readouterr().err == (
        "eval: the LangChain recipe needs an LLM to answer; pass --backend llamacpp or ollama\n"
    )


def test_a_missing_store_is_named_with_the_command_that_builds_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [str(SAMPLE_GOLD), "--index-dir", str(tmp_path / "none"), "--backend", "extractive"]
    )

    assert code == 1
    assert "footnote index" in capsys.readouterr().err


def test_python_m_eval_help_lists_the_same_options_as_footnote_eval() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "eval", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: python -m eval")
    for option in ("--index-dir", "--backend", "--top-k", "--report", "--json", "--baseline"):
        assert option in done.stdout
    assert "--limit" in done.stdout and "--url" in done.stdout and "--system" in done.stdout


def test_footnote_eval_is_registered_as_a_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    from service.cli import main as footnote

    with pytest.raises(SystemExit) as exited:
        footnote(["eval", "--help"])

    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("usage: footnote eval")


def test_the_engine_system_ranks_by_search_and_fetches_every_cited_article(
    sample_settings: Settings,
) -> None:
    from service import backend_for, engine_for

    extractive = sample_settings.model_copy(update={"llm": "extractive"})
    engine = engine_for(extractive, backend_for(extractive))
    system = EngineSystem(engine)
    question = "Who commanded the Silver Tide exercise?"

    reply = system.reply(question, 4)

    assert system.label == "extractive"
    assert reply.retrieved_sources == tuple(p.source for p in engine.search(question, top_k=4))
    assert reply.retrieved_sources[0] == "2024-silver-tide-naval-exercise.txt"
    citations = reply.answer["citations"]
    assert {c["document_id"] for c in citations} == set(reply.articles)
    assert all(citation_valid(c, reply.articles[c["document_id"]]) for c in citations)


WEEKS = (
    ("2023-03-12", "2023-veldria-port-deal.txt"),
    ("2024-02-18", "2024-port-selvane-deal-cancelled.md"),
)
WEEK_QUESTION = "What happened to the Veldria North Quay terminal concession with Sarvek?"


def test_the_engine_system_asks_on_the_gold_question_date(sample_settings: Settings) -> None:
    from service import backend_for, engine_for

    extractive = sample_settings.model_copy(update={"llm": "extractive"})
    system = EngineSystem(engine_for(extractive, backend_for(extractive)))
    for as_of, source in WEEKS:
        assert system.reply(WEEK_QUESTION, 5, as_of=as_of).retrieved_sources[0] == source


def test_the_http_system_asks_on_the_gold_question_date(service_url: str) -> None:
    system = HttpSystem(service_url, api_key=API_KEY)
    try:
        for as_of, source in WEEKS:
            reply = system.reply(WEEK_QUESTION, 5, as_of=as_of)
            assert reply.retrieved_sources[0] == source
            cited = [c["source"] for c in reply.answer["citations"]]
            assert source in cited
    finally:
        system.close()


def test_an_unreachable_service_fails_the_check_with_a_hint() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago and has no listener
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    system = HttpSystem(f"http://127.0.0.1:{port}")

    with pytest.raises(ServiceUnreachable, match="is 'footnote serve' running there"):
        system.check()
    system.close()


def test_a_url_that_is_not_http_is_refused_at_once() -> None:
    with pytest.raises(InvalidRequest, match="is not an http"):
        HttpSystem("127.0.0.1:8000")


def test_limit_takes_the_first_questions_in_file_order() -> None:
    questions = load_gold(SAMPLE_GOLD)

    assert [q.id for q in select_questions(questions, 2)] == ["sample-001", "sample-002"]
    assert select_questions(questions, None) == questions
    with pytest.raises(ValueError, match="limit must be at least 1"):
        select_questions(questions, 0)


def test_gold_set_names_drop_the_gold_suffixes() -> None:
    assert gold_set_name(Path("eval/data/seed-news.gold.jsonl")) == "seed-news"
    assert gold_set_name(Path("x/squad-dev/gold.jsonl")) == "squad-dev"
    assert gold_set_name(Path("questions.jsonl")) == "questions"
    assert default_report_dir(Path("a/seed-news.gold.jsonl"), "service/llama cpp") == Path(
        "reports/seed-news-service-llama-cpp"
    )


def test_sample_gold_sources_name_files_of_the_sample_corpus() -> None:
    files = {p.name for p in SAMPLE_NEWS.iterdir()}
    gold: list[GoldQuestion] = load_gold(SAMPLE_GOLD)
    sources = {s.split("#")[0] for q in gold for s in q.sources}
    assert sources <= files


# --- over HTTP: the real app on uvicorn on loopback ------------------------------------------

API_KEY = "eval-tests-key-0123456789"


@pytest.fixture(scope="module")
def service_url(sample_settings: Settings, embedder: SentenceTransformerEmbedder) -> Iterator[str]:
    """The real app over the sample store (extractive backend, one API key) on a free port."""
    settings = make_settings(sample_settings.index_dir, llm="extractive", api_keys=API_KEY)
    with serve(settings, extractive_engine(settings, embedder)) as url:
        yield url


def test_a_run_over_http_scores_the_same_as_in_process(
    service_url: str, first_run: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    out = io.StringIO()
    args = [str(SAMPLE_GOLD), "--url", service_url, "--api-key", API_KEY, "--limit", str(LIMIT)]

    code = main([*args, "--json", "--report", str(tmp_path / "r")], out=out)

    record = last_json_line(out.getvalue())
    _, local = first_run
    assert code == 0
    assert record["label"] == "service-extractive"
    for group in ("retrieval", "answers", "citations", "abstention", "counts"):
        assert record[group] == local[group], group


def test_a_run_over_http_without_the_key_says_to_pass_one(
    service_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([str(SAMPLE_GOLD), "--url", service_url, "--report", str(tmp_path / "r")])

    assert code == 1
    assert (
        capsys.readouterr().err
        == f"eval: the server at {service_url} needs an API key; pass --api-key\n"
    )
    assert not (tmp_path / "r").exists()
