"""Progress off a terminal: a log gets about ten plain lines, the last one saying done."""

from __future__ import annotations

import pytest

from service.progress import PLAIN_LINES, progress_bar


def test_off_a_terminal_progress_is_a_few_plain_lines_ending_at_the_total(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with progress_bar("indexing", unit="file") as on_progress:
        for done in range(0, 1001):
            on_progress(done, 1000)
        on_progress(1000, 1000)  # a repeated report is not a new line

    lines = capsys.readouterr().err.splitlines()
    assert lines[-1] == "indexing: 1000/1000 files"
    assert PLAIN_LINES <= len(lines) <= PLAIN_LINES + 1
    assert lines.count("indexing: 1000/1000 files") == 1
