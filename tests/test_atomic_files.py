"""Atomic writes: the target is the old file or the new one, whole, and no temporary is left."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.atomic_files import atomic_file, atomic_path, write_text_atomically


def test_a_write_replaces_the_file_and_leaves_nothing_beside_it(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "report.md"
    write_text_atomically(target, "first ✓\n")
    write_text_atomically(target, "second\n")
    assert target.read_text(encoding="utf-8") == "second\n"
    assert list(target.parent.iterdir()) == [target]


def test_a_write_that_fails_midway_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "model.gguf"
    target.write_bytes(b"old model")
    with pytest.raises(ValueError, match="checksum"), atomic_file(target) as out:
        out.write(b"half of a new")
        raise ValueError("checksum differs")
    assert target.read_bytes() == b"old model"
    assert list(tmp_path.iterdir()) == [target]


def test_a_writer_given_a_path_publishes_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "copy.gguf"
    with pytest.raises(RuntimeError), atomic_path(target) as temporary:
        temporary.write_bytes(b"partial")
        raise RuntimeError("quantizer failed")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []
    with atomic_path(target) as temporary:
        assert temporary.parent == target.parent  # same file system: the rename is atomic
        temporary.write_bytes(b"whole")
    assert target.read_bytes() == b"whole"
    assert list(tmp_path.iterdir()) == [target]
