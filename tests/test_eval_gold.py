"""Gold files load whole or not at all, and every malformed line is named with its number."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.gold import GoldFileError, GoldProblem, GoldQuestion, load_gold
from tests.conftest import shared_path

REPO = Path(__file__).resolve().parents[1]


def write_lines(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def record(**fields: object) -> str:
    base: dict[str, object] = {"id": "q1", "question": "Who?", "answers": ["X"], "sources": []}
    base.update(fields)
    return json.dumps({k: v for k, v in base.items() if v is not ...})


def problems_of(path: Path) -> tuple[GoldProblem, ...]:
    with pytest.raises(GoldFileError) as caught:
        load_gold(path)
    return caught.value.problems


def test_a_gold_file_loads_every_question_and_skips_blank_lines(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path,
        record(id="q1", question=" Who heads Sarvek? ", answers=["Imre Dascal"], sources=["a.txt"]),
        "",
        "   ",
        record(id="q2", question="How old is he?", answers=[], sources=[]),
        record(id="q3", answers=["30 years"], sources=["a.txt", "b.md"], type="multi"),
    )
    assert load_gold(path) == [
        GoldQuestion("q1", "Who heads Sarvek?", ("Imre Dascal",), ("a.txt",), "single"),
        GoldQuestion("q2", "How old is he?", (), (), "unanswerable"),
        GoldQuestion("q3", "Who?", ("30 years",), ("a.txt", "b.md"), "multi"),
    ]


def test_a_missing_type_defaults_from_whether_there_are_answers(tmp_path: Path) -> None:
    path = write_lines(tmp_path, record(id="a"), record(id="b", answers=[]))
    questions = load_gold(path)
    assert [(q.type, q.answerable) for q in questions] == [
        ("single", True),
        ("unanswerable", False),
    ]


def test_the_day_a_question_was_asked_is_read_as_an_iso_date(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path,
        record(id="a", date="2024/01/05"),
        record(id="b", date="2024-02-29"),
        record(id="c"),
    )
    assert [q.date for q in load_gold(path)] == ["2024-01-05", "2024-02-29", None]


def test_a_date_that_is_no_day_is_named(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path,
        record(id="a", date="2023/02/29"),
        record(id="b", date="last week"),
        record(id="c", date=5),
    )
    found = problems_of(path)
    assert [p.line for p in found] == [1, 2, 3]
    assert all("'date' must be a day" in p.message for p in found)


def test_invalid_json_is_reported_with_its_line_number(tmp_path: Path) -> None:
    path = write_lines(tmp_path, record(id="q1"), '{"id": "q2", "question": ')
    assert problems_of(path) == (GoldProblem(2, "invalid JSON (Expecting value at column 26)"),)


def test_a_line_that_is_not_an_object_is_reported(tmp_path: Path) -> None:
    path = write_lines(tmp_path, record(id="q1"), '["q2", "Who?"]')
    assert problems_of(path) == (GoldProblem(2, "expected a JSON object, got list"),)


def test_a_missing_or_empty_id_or_question_is_reported(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path,
        record(id=...),
        record(id="  "),
        record(id="q3", question=...),
        record(id="q4", question=""),
        record(id=5),
    )
    assert problems_of(path) == (
        GoldProblem(1, "missing 'id'"),
        GoldProblem(2, "'id' is empty"),
        GoldProblem(3, "missing 'question'"),
        GoldProblem(4, "'question' is empty"),
        GoldProblem(5, "'id' must be a string, got int"),
    )


def test_answers_and_sources_must_be_lists_of_strings(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path,
        record(id="q1", answers="Imre Dascal"),
        record(id="q2", sources=["a.txt", 3]),
        record(id="q3", answers=...),
        record(id="q4", answers=["ok", " "]),
    )
    assert problems_of(path) == (
        GoldProblem(1, "'answers' must be a list of strings, got str"),
        GoldProblem(2, "sources[1] must be a string, got int"),
        GoldProblem(3, "missing 'answers' (use [] for none)"),
        GoldProblem(4, "answers[1] is empty"),
    )


def test_an_unanswerable_type_with_answers_is_reported(tmp_path: Path) -> None:
    path = write_lines(tmp_path, record(type="unanswerable"), record(id="q2", type=7))
    assert problems_of(path) == (
        GoldProblem(1, "'type' is 'unanswerable' but 'answers' is not empty"),
        GoldProblem(2, "'type' must be a non-empty string, got 7"),
    )


def test_a_duplicate_id_names_the_line_it_first_appeared_on(tmp_path: Path) -> None:
    path = write_lines(tmp_path, record(id="q1"), "", record(id="q2"), record(id="q1"))
    assert problems_of(path) == (GoldProblem(4, "duplicate id 'q1' (first on line 1)"),)


def test_every_problem_is_listed_in_one_message_naming_the_file(tmp_path: Path) -> None:
    path = write_lines(tmp_path, "not json", record(id="ok"), record(id="q3", question=...))
    with pytest.raises(GoldFileError) as caught:
        load_gold(path)
    assert str(caught.value) == (
        f"gold file {path} has 2 problems; nothing was loaded. Fix and rerun:\n"
        "  line 1: invalid JSON (Expecting value at column 1)\n"
        "  line 3: missing 'question'"
    )
    assert caught.value.path == path


def test_a_line_with_several_problems_reports_each(tmp_path: Path) -> None:
    path = write_lines(tmp_path, json.dumps({"question": 1, "answers": None, "sources": []}))
    assert problems_of(path) == (
        GoldProblem(1, "missing 'id'"),
        GoldProblem(1, "'question' must be a string, got int"),
        GoldProblem(1, "'answers' must be a list of strings, got NoneType"),
    )


def test_the_message_lists_at_most_twenty_problems_and_counts_the_rest(tmp_path: Path) -> None:
    path = write_lines(tmp_path, *["[]"] * 25)
    with pytest.raises(GoldFileError) as caught:
        load_gold(path)
    lines = str(caught.value).splitlines()
    assert len(caught.value.problems) == 25
    assert lines[0].startswith(f"gold file {path} has 25 problems")
    assert lines[1:21] == [f"  line {n}: expected a JSON object, got list" for n in range(1, 21)]
    assert lines[21:] == ["  ... and 5 more"]


def test_a_missing_gold_file_says_what_to_pass(tmp_path: Path) -> None:
    path = tmp_path / "absent.jsonl"
    with pytest.raises(GoldFileError, match="no gold file at .*absent.jsonl; pass the path"):
        load_gold(path)


def test_a_gold_file_without_questions_is_refused(tmp_path: Path) -> None:
    path = write_lines(tmp_path, "", "  ")
    with pytest.raises(GoldFileError, match="has no questions; add one JSON object per line"):
        load_gold(path)


def test_a_gold_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_bytes(b'{"id": "q\xff"}\n')
    with pytest.raises(GoldFileError, match="is not UTF-8 text"):
        load_gold(path)


def test_the_shipped_gold_sets_load_without_problems() -> None:
    paths = sorted((REPO / "eval" / "data").glob("*.gold.jsonl"))
    if not paths:
        pytest.skip("no gold sets under eval/data yet")
    for path in paths:
        questions = load_gold(path)
        assert questions, path
        assert all(q.answerable == (q.type != "unanswerable") for q in questions), path


def test_fields_beyond_the_gold_format_such_as_a_note_are_ignored(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path,
        record(date="2024/01/05"),
        record(id="q2", answers=[], date="2024-06-13", note="its articles are not in this corpus"),
    )
    assert load_gold(path) == [
        GoldQuestion("q1", "Who?", ("X",), (), "single", "2024-01-05"),
        GoldQuestion("q2", "Who?", (), (), "unanswerable", "2024-06-13"),
    ]


def test_extra_fields_do_not_excuse_a_malformed_required_one(tmp_path: Path) -> None:
    path = write_lines(tmp_path, record(answers="Luke Humphries", date="2024/01/05"))
    assert problems_of(path) == (GoldProblem(1, "'answers' must be a list of strings, got str"),)


def test_the_realtime_qa_dev_gold_set_loads_with_its_answerable_and_unanswerable_questions() -> (
    None
):
    questions = load_gold(shared_path("datasets", "rtqa-2024-dev", "gold.jsonl"))
    unanswerable = [q for q in questions if not q.answerable]
    assert (len(questions), len(unanswerable)) == (305, 25)
    assert all(q.type == "unanswerable" and not q.sources for q in unanswerable)
    assert all(q.type == "single" and q.sources for q in questions if q.answerable)
