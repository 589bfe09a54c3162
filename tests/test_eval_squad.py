"""The SQuAD converter writes a corpus folder and a gold set that our loader and scorer accept."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from eval.errors import ConversionTargetExists, SquadFileError
from eval.gold import load_gold
from eval.squad import (
    convert,
    load_squad,
    main,
    sample_questions,
    title_slug,
    write_conversion,
)
from tests.conftest import shared_path

TINY: list[dict[str, Any]] = [
    {
        "title": "Tiny_Town",
        "paragraphs": [
            {
                "context": "Tiny Town was founded in 1820 by Ann Lee.",
                "qas": [
                    {
                        "id": "t1",
                        "question": "Who founded Tiny Town?",
                        "answers": [
                            {"text": "Ann Lee", "answer_start": 33},
                            {"text": "Ann Lee ", "answer_start": 33},
                        ],
                        "is_impossible": False,
                    },
                    {
                        "id": "t2",
                        "question": "Who destroyed Tiny Town?",
                        "answers": [],
                        "is_impossible": True,
                    },
                ],
            },
            {
                "context": "Its river is the Quill.",
                "qas": [
                    {
                        "id": "t3",
                        "question": " What is its river? ",
                        "answers": [
                            {"text": "the Quill", "answer_start": 13},
                            {"text": "Quill", "answer_start": 17},
                        ],
                        "is_impossible": False,
                    }
                ],
            },
        ],
    },
    {
        "title": "Other Place!",
        "paragraphs": [
            {
                "context": "Other Place has 300 people.",
                "qas": [
                    {
                        "id": "o1",
                        "question": "How many people live in Other Place?",
                        "answers": [{"text": "300", "answer_start": 16}],
                        "is_impossible": False,
                    },
                    {
                        "id": "o2",
                        "question": "How many dogs live in Other Place?",
                        "answers": [],
                        "is_impossible": True,
                    },
                ],
            }
        ],
    },
]


def write_squad(path: Path, data: object) -> Path:
    path.write_text(json.dumps({"version": "v2.0", "data": data}), encoding="utf-8")
    return path


def run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    return main(argv, out=out), out.getvalue()


def test_converting_a_tiny_squad_file_writes_one_file_per_paragraph(tmp_path: Path) -> None:
    squad = write_squad(tmp_path / "tiny.json", TINY)
    out = tmp_path / "out"

    code, printed = run([str(squad), "--out", str(out), "--questions", "4"])

    assert code == 0
    assert printed == (
        f"wrote 3 passages to {out / 'corpus'} and 4 questions (2 unanswerable) to "
        f"{out / 'gold.jsonl'}\n"
    )
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "corpus", "gold.jsonl"]
    corpus = out / "corpus"
    assert sorted(p.name for p in corpus.iterdir()) == [
        "other-place-0.txt",
        "tiny-town-0.txt",
        "tiny-town-1.txt",
    ]
    assert (corpus / "tiny-town-0.txt").read_text(encoding="utf-8") == (
        "Tiny Town\n\nTiny Town was founded in 1820 by Ann Lee.\n"
    )
    assert (corpus / "other-place-0.txt").read_text(encoding="utf-8") == (
        "Other Place!\n\nOther Place has 300 people.\n"
    )


def test_the_gold_set_holds_distinct_answers_and_the_paragraph_as_source(tmp_path: Path) -> None:
    squad = write_squad(tmp_path / "tiny.json", TINY)
    out = tmp_path / "out"

    run([str(squad), "--out", str(out), "--questions", "4", "--seed", "0"])

    lines = (out / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        {
            "id": "o2",
            "question": "How many dogs live in Other Place?",
            "answers": [],
            "sources": [],
            "type": "unanswerable",
        },
        {
            "id": "t1",
            "question": "Who founded Tiny Town?",
            "answers": ["Ann Lee"],
            "sources": ["tiny-town-0.txt"],
            "type": "single",
        },
        {
            "id": "t2",
            "question": "Who destroyed Tiny Town?",
            "answers": [],
            "sources": [],
            "type": "unanswerable",
        },
        {
            "id": "t3",
            "question": "What is its river?",
            "answers": ["the Quill", "Quill"],
            "sources": ["tiny-town-1.txt"],
            "type": "single",
        },
    ]
    assert [q.id for q in load_gold(out / "gold.jsonl")] == ["o2", "t1", "t2", "t3"]


def test_the_readme_states_the_unanswerable_caveat(tmp_path: Path) -> None:
    squad = write_squad(tmp_path / "tiny.json", TINY)
    run([str(squad), "--out", str(tmp_path / "out"), "--questions", "4"])

    readme = (tmp_path / "out" / "README.md").read_text(encoding="utf-8")

    assert "3 paragraphs of 2 articles" in readme
    assert "4 questions, 2 of them unanswerable" in readme
    assert "Another paragraph of this corpus might still answer it" in readme


def test_sampling_takes_the_unanswerable_share_and_depends_only_on_the_seed() -> None:
    pool = convert(TINY, questions=5, unanswerable_share=0.4).questions
    assert sorted(q.id for q in pool) == ["o1", "o2", "t1", "t2", "t3"]

    picked = sample_questions(pool, 2, 0.5, seed=7)

    assert sum(not q.answers for q in picked) == 1
    assert picked == sample_questions(pool, 2, 0.5, seed=7)
    assert len(sample_questions(pool, 10, 0.5, seed=7)) == 5  # a kind runs out: take all of it


def test_articles_limits_the_corpus_to_the_first_articles() -> None:
    conversion = convert(TINY, articles=1, questions=10)

    assert [p.file_name for p in conversion.paragraphs] == ["tiny-town-0.txt", "tiny-town-1.txt"]
    assert sorted(q.id for q in conversion.questions) == ["t1", "t2", "t3"]


def test_title_slugs_keep_only_lowercase_letters_and_digits() -> None:
    assert title_slug("Super Bowl 50") == "super-bowl-50"
    assert title_slug("Harvard University!") == "harvard-university"
    assert title_slug("???") == "article"


def test_a_missing_squad_file_is_one_line_naming_what_to_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, printed = run([str(tmp_path / "nope.json"), "--out", str(tmp_path / "out")])

    assert code == 1
    assert printed == ""
    assert capsys.readouterr().err == (
        f"eval.squad: no SQuAD file at {tmp_path / 'nope.json'}; pass SQuAD 2.0's dev-v2.0.json\n"
    )
    assert not (tmp_path / "out").exists()


def test_a_squad_file_that_is_not_json_names_the_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"data": [\n  {"title": }\n]}', encoding="utf-8")

    with pytest.raises(SquadFileError, match=r"not JSON \(Expecting value at line 2, column 13\)"):
        load_squad(bad)


def test_a_paragraph_without_context_is_named_by_its_place_in_the_file(tmp_path: Path) -> None:
    broken = [{"title": "T", "paragraphs": [{"context": "ok", "qas": []}, {"qas": []}]}]

    with pytest.raises(SquadFileError, match=r"^data\[0\]\.paragraphs\[1\]: 'context' must be"):
        convert(load_squad(write_squad(tmp_path / "s.json", broken)))


def test_an_answerable_question_without_answers_is_refused() -> None:
    qa = {"id": "x", "question": "Q?", "answers": [], "is_impossible": False}
    broken = [{"title": "T", "paragraphs": [{"context": "c", "qas": [qa]}]}]

    with pytest.raises(SquadFileError, match=r"qas\[0\]: an answerable question has no answers"):
        convert(broken)


def test_an_earlier_conversion_is_replaced_only_with_force(tmp_path: Path) -> None:
    squad = write_squad(tmp_path / "tiny.json", TINY)
    out = tmp_path / "out"
    run([str(squad), "--out", str(out), "--questions", "4"])

    with pytest.raises(ConversionTargetExists, match="pass --force"):
        write_conversion(convert(TINY, articles=1), out)
    code, _ = run([str(squad), "--out", str(out), "--articles", "1", "--force"])

    assert code == 0
    assert sorted(p.name for p in (out / "corpus").iterdir()) == [
        "tiny-town-0.txt",
        "tiny-town-1.txt",
    ]


def test_the_real_squad_dev_set_converts_to_646_passages_whose_text_holds_every_answer(
    tmp_path: Path,
) -> None:
    squad = shared_path("datasets", "squad-v2-dev", "dev-v2.0.json")
    data = load_squad(squad)

    conversion = convert(data, questions=300, seed=0)

    assert len(conversion.paragraphs) == 646
    assert len({p.title for p in conversion.paragraphs}) == 16
    assert len(conversion.questions) == 300
    assert sum(not q.answers for q in conversion.questions) == 150
    assert conversion == convert(data, questions=300, seed=0)
    texts = {p.file_name: p.file_text for p in conversion.paragraphs}
    for question in conversion.questions:
        record = question.gold_record()
        assert all(source in texts for source in record["sources"])
        assert all(answer in texts[question.source] for answer in question.answers)
