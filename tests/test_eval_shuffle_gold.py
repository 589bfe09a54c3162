"""Shuffling a gold set reorders its lines by seed and changes nothing else."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from eval.gold import GoldFileError, load_gold
from eval.shuffle_gold import main, shuffled_lines, write_shuffled_gold


def gold_lines(count: int) -> list[str]:
    """`count` questions in file order, the last one unanswerable, as sorted sets have them."""
    lines = [
        json.dumps({"id": f"q{i}", "question": f"Q{i}?", "answers": [f"A{i}"], "sources": ["a"]})
        for i in range(count - 1)
    ]
    last = {"id": "u", "question": "U?", "answers": [], "sources": [], "note": "not here"}
    return [*lines, json.dumps(last)]


def write_gold(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    return path


def test_a_shuffle_keeps_every_line_unchanged_and_drops_blank_ones() -> None:
    lines = gold_lines(20)
    shuffled = shuffled_lines("\n".join(lines) + "\n\n  \n", seed=0)
    assert sorted(shuffled) == sorted(lines)
    assert shuffled != lines


def test_the_same_seed_gives_the_same_order_and_another_seed_another() -> None:
    text = "\n".join(gold_lines(20))
    assert shuffled_lines(text, seed=3) == shuffled_lines(text, seed=3)
    assert shuffled_lines(text, seed=3) != shuffled_lines(text, seed=4)


def test_the_shuffled_file_loads_as_the_same_questions(tmp_path: Path) -> None:
    source = write_gold(tmp_path, gold_lines(20))
    out = tmp_path / "work" / "shuffled.jsonl"

    count = write_shuffled_gold(source, out, seed=0)

    before, after = load_gold(source), load_gold(out)
    assert count == 20
    assert sorted(before, key=lambda q: q.id) == sorted(after, key=lambda q: q.id)
    assert [q.id for q in after] != [q.id for q in before]


def test_a_malformed_gold_file_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    source = write_gold(tmp_path, [*gold_lines(3), '{"id": "bad"}'])
    out = tmp_path / "shuffled.jsonl"
    with pytest.raises(GoldFileError, match="line 4: missing 'question'"):
        write_shuffled_gold(source, out, seed=0)
    assert not out.exists()


def test_shuffling_a_gold_file_onto_itself_is_refused(tmp_path: Path) -> None:
    source = write_gold(tmp_path, gold_lines(3))
    before = source.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="is the gold file itself; write the shuffle to another"):
        write_shuffled_gold(source, tmp_path / "." / "gold.jsonl", seed=0)
    assert source.read_text(encoding="utf-8") == before


def test_the_command_says_what_it_wrote_and_fails_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_gold(tmp_path, gold_lines(5))
    out = io.StringIO()
    assert main([str(source), "--out", str(tmp_path / "s.jsonl"), "--seed", "7"], out=out) == 0
    assert out.getvalue() == f"wrote 5 questions of {source} to {tmp_path / 's.jsonl'} (seed 7)\n"

    assert main([str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "t.jsonl")]) == 1
    assert capsys.readouterr().err.startswith("eval.shuffle_gold: no gold file at ")
