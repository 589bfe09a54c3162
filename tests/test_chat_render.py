"""How the chat shows answers: exact text for hand-made answers, and the terminal's streaming."""

from __future__ import annotations

import io

import pytest

from service.answers import Answer, Citation
from service.chat.render import (
    ChatView,
    Console,
    Style,
    answer_lines,
    article_lines,
    filters_line,
    passage_around,
    shorten,
    sources_lines,
)
from service.chat.session import Article
from service.passages import Passage
from service.retrieval import SearchFilters

PLAIN = Style(color=False)
ARTICLE_TEXT = (
    "Veldria cancels Port Selvane terminal concession\n\n"
    "Maritime Minister Matthis Loor announced the cancellation on Thursday. "
    "Loor took over the ministry in November 2023.\n\n"
    "Sarvek said it rejects the decision."
)
QUOTE = "Loor took over the ministry in November 2023."
QUOTE_START = ARTICLE_TEXT.index(QUOTE)


def _citation(n: int = 1, quote: str = QUOTE, start: int = QUOTE_START) -> Citation:
    return Citation(
        n=n,
        document_id="doc-loor",
        source="2024-port-selvane-deal-cancelled.md",
        title="Veldria cancels Port Selvane terminal concession",
        published="2024-02-16",
        quote=quote,
        start=start,
        end=start + len(quote),
        score=0.91,
    )


def _answer(**changes: object) -> Answer:
    fields: dict[str, object] = {
        "question": "When did he take over?",
        "answer": "Loor took over the ministry in November 2023. [1]",
        "abstained": False,
        "grounding": "verified",
        "citations": [_citation()],
        "related": [],
        "backend": "llamacpp",
        "model": "SmolLM2",
        "timings_ms": {},
        "standalone_question": "When did Matthis Loor take over?",
    }
    fields.update(changes)
    return Answer(**fields)  # type: ignore[arg-type]


def _passage(n: int, text: str) -> Passage:
    return Passage(
        chunk_id=n,
        document_id=f"doc-{n}",
        source=f"file-{n}.txt",
        title=f"Article {n}",
        published=None,
        outlet="Harbour Post",
        text=text,
        start=0,
        end=len(text),
        score=0.1,
    )


def test_an_answer_shows_what_was_searched_the_text_and_each_source() -> None:
    lines = answer_lines(_answer(), {"doc-loor": "Veldria Times"}, PLAIN)
    assert lines == [
        "Searched for: When did Matthis Loor take over?",
        "",
        "Loor took over the ministry in November 2023. [1]",
        "(Verified: SmolLM2's answer is stated plainly by the cited evidence.)",
        "",
        "Sources:",
        "[1] Veldria cancels Port Selvane terminal concession",
        "    Veldria Times · 2024-02-16 · 2024-port-selvane-deal-cancelled.md",
        '    "Loor took over the ministry in November 2023."',
    ]


def test_the_searched_question_is_left_out_when_it_is_what_was_typed() -> None:
    answer = _answer(standalone_question="when did he take over")
    assert answer_lines(answer, {}, PLAIN)[0] == "Loor took over the ministry in November 2023. [1]"


def test_an_unknown_outlet_and_date_are_left_out_or_called_undated() -> None:
    citation = Citation(
        n=1,
        document_id="d",
        source="wire.jsonl#2",
        title=None,
        published=None,
        quote="Rates held.",
        start=0,
        end=11,
        score=1.0,
    )
    lines = answer_lines(
        _answer(citations=[citation], standalone_question=None, answer="Rates held. [1]"), {}, PLAIN
    )
    assert lines[-3:] == ["[1] (untitled)", "    undated · wire.jsonl#2", '    "Rates held."']


@pytest.mark.parametrize(
    ("changes", "line"),
    [
        ({}, "(Verified: SmolLM2's answer is stated plainly by the cited evidence.)"),
        (
            {"grounding": "extractive", "removed_sentences": ["Loor is 40."]},
            "(Chosen from the articles: SmolLM2's reply was not supported by the evidence and "
            "was set aside.)",
        ),
        (
            {"grounding": "extractive"},
            "(Chosen from the articles with SmolLM2; not verified: the evidence does not state "
            "it plainly enough.)",
        ),
        (
            {"grounding": "extractive", "backend": "extractive", "model": "extractive"},
            "(Chosen from the articles, without a language model.)",
        ),
        ({"grounding": "metadata"}, "(From the article's metadata (byline, outlet or date).)"),
    ],
)
def test_every_answer_says_who_answered_and_how_far_it_was_checked(
    changes: dict[str, object], line: str
) -> None:
    answer = _answer(standalone_question=None, **changes)
    assert answer_lines(answer, {}, PLAIN)[1] == line


def test_an_abstention_is_plain_with_its_reason_and_the_closest_passages() -> None:
    answer = _answer(
        answer="The articles don't say.",
        abstained=True,
        grounding="abstained",
        citations=[],
        related=[_passage(n, f"Passage {n} text.") for n in range(1, 5)],
        reason="no passage mentions an age",
        standalone_question=None,
    )
    assert answer_lines(answer, {}, PLAIN) == [
        "The articles don't say.",
        "Why: no passage mentions an age",
        "",
        "Closest passages:",
        "[1] Article 1",
        "    Harbour Post · undated · file-1.txt",
        '    "Passage 1 text."',
        "[2] Article 2",
        "    Harbour Post · undated · file-2.txt",
        '    "Passage 2 text."',
        "[3] Article 3",
        "    Harbour Post · undated · file-3.txt",
        '    "Passage 3 text."',
    ]


def test_a_long_quote_is_cut_at_a_word_with_an_ellipsis() -> None:
    text = "The minister said " + "very " * 60 + "little."
    short = shorten(text, 40)
    assert short == "The minister said very very very very…"
    assert len(short) <= 40
    assert shorten("  short\n quote ") == "short quote"


def test_a_cut_does_not_leave_a_dangling_comma() -> None:
    assert shorten("Sarvek, the operator, said nothing at all", 22) == "Sarvek, the operator…"


def test_sources_show_each_full_quote_with_its_paragraph() -> None:
    article = Article(
        "doc-loor",
        "2024-port-selvane-deal-cancelled.md",
        "Veldria cancels Port Selvane terminal concession",
        "Veldria Times",
        "2024-02-16",
        ARTICLE_TEXT,
    )
    lines = sources_lines(_answer(), {"doc-loor": article}, PLAIN)
    assert lines == [
        "[1] Veldria cancels Port Selvane terminal concession",
        "    Veldria Times · 2024-02-16 · 2024-port-selvane-deal-cancelled.md",
        '    "Loor took over the ministry in November 2023."',
        "",
        "    Maritime Minister Matthis Loor announced the cancellation on Thursday. "
        "Loor took over the ministry in November 2023.",
        "",
    ]


def test_sources_of_a_vanished_article_show_the_quote_alone() -> None:
    lines = sources_lines(_answer(), {"doc-loor": None}, PLAIN)
    assert lines == [
        "[1] Veldria cancels Port Selvane terminal concession",
        "    2024-02-16 · 2024-port-selvane-deal-cancelled.md",
        '    "Loor took over the ministry in November 2023."',
        "",
    ]


def test_sources_of_an_abstention_are_the_closest_passages_in_full() -> None:
    long_text = "word " * 100
    answer = _answer(abstained=True, citations=[], related=[_passage(1, long_text)])
    lines = sources_lines(answer, {}, PLAIN)
    assert lines[0] == "No sources: the articles don't say. The closest passages were:"
    assert lines[3] == f'    "{long_text.strip()}"'


def test_the_paragraph_around_a_quote_is_cut_near_it_when_paragraphs_are_huge() -> None:
    text = "a " * 2000 + "THE QUOTE." + " b" * 2000
    start = text.index("THE QUOTE.")
    around = passage_around(text, start, start + 10, limit=30)
    assert around.startswith("…") and around.endswith("…")
    assert "THE QUOTE." in around
    assert len(around) < 40


def test_an_article_reads_title_provenance_then_text() -> None:
    article = Article("d", "f.txt", None, None, "2024-01-02", "One.\n\nTwo.\n")
    assert article_lines(article) == ["(untitled)", "2024-01-02 · f.txt", "", "One.", "", "Two."]


def test_filters_are_described_in_words() -> None:
    assert filters_line(SearchFilters()) == "No filters: searching every article."
    assert (
        filters_line(SearchFilters("2017-01-01", None, ("a.txt", "Veldria Times")))
        == "Filters: from 2017-01-01; only a.txt, Veldria Times."
    )
    assert (
        filters_line(SearchFilters(as_of="2024-02-18"))
        == "No filters: searching every article. Asking as of 2024-02-18."
    )


def _view(*, tty: bool, columns: int = 20, rows: int = 10) -> tuple[ChatView, io.StringIO]:
    out = io.StringIO()
    console = Console(out, tty=tty, color=tty, size=lambda: (columns, rows))
    return ChatView(console, Console(io.StringIO(), tty=False)), out


def test_in_a_pipe_only_the_verified_answer_is_written_with_no_control_codes() -> None:
    view, out = _view(tty=False)
    view.token("Loor took over in ")
    view.token("November.")
    view.answer(_answer(standalone_question=None), {})
    written = out.getvalue()
    assert "\x1b" not in written
    assert written.startswith("Loor took over the ministry in November 2023. [1]\n")
    assert "Loor took over in November." not in written


def test_on_a_terminal_streamed_text_is_erased_row_by_row_before_the_answer() -> None:
    view, out = _view(tty=True, columns=20)
    view.token("x" * 30)  # two rows of 20 columns
    view.token("\nmore")  # a third row
    view.answer(_answer(standalone_question=None), {})
    written = out.getvalue()
    streamed, settled = written.split("\x1b[0m", 1)
    assert streamed == "\x1b[2m" + "x" * 30 + "\nmore"
    assert settled.startswith("\x1b[2A\r\x1b[J")  # up two rows, clear to the end of the screen
    assert "\x1b[1;36m[1]\x1b[0m" in settled


def test_streamed_text_taller_than_the_terminal_is_kept_and_a_rule_drawn() -> None:
    view, out = _view(tty=True, columns=10, rows=3)
    view.token("y" * 45)  # five rows: the top ones have scrolled away
    view.interrupted()
    assert out.getvalue().endswith(
        "\x1b[0m\n\x1b[2m──────────\x1b[0m\n\x1b[2m(answer interrupted)\x1b[0m\n\n"
    )


def test_an_interrupted_answer_is_withdrawn_and_says_so() -> None:
    view, out = _view(tty=True)
    view.token("Partial")
    view.interrupted()
    assert out.getvalue() == "\x1b[2mPartial\x1b[0m\r\x1b[J\x1b[2m(answer interrupted)\x1b[0m\n\n"
