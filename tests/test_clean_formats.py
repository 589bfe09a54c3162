"""Tests for cleaning Markdown, HTML and meta-line layouts; the sample corpus files end to end."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from indexer.clean import CleanedArticle, clean_article, clean_html, html_to_text
from indexer.markup import html_metadata, is_link_list, markdown_plain
from tests.conftest import SAMPLE_NEWS, TEST_DATA

BODY = "The governor said on Monday that the road would reopen within a week."
BODY_2 = "Traders in the city welcomed the news, saying prices had doubled since the closure."
LINKED = "The [ministry's report](https://example.gov/report) blamed the floods (see [map](/m))."

# --- Markdown: plain views ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "plain"),
    [
        ("# Road reopens after floods", "Road reopens after floods"),
        ("### Leave a Reply ###", "Leave a Reply"),
        ("*By Jane Doe | Published: 2024-02-16*", "By Jane Doe | Published: 2024-02-16"),
        ("**Tags:** roads, floods", "Tags: roads, floods"),
        ("Share: [Facebook](#) | [X](https://x.example/share?u=1)", "Share: Facebook | X"),
        ("- [Home](/) > [World](/world)", "Home > World"),
        ("![A flooded road](/img/road.jpg)", "A flooded road"),
        ("---", ""),
        ("Required fields are marked *", "Required fields are marked *"),
        (
            "The file_name_here stayed put; 5 * 3 is 15.",
            "The file_name_here stayed put; 5 * 3 is 15.",
        ),
        (BODY, BODY),
    ],
)
def test_markdown_lines_read_as_their_plain_text(line: str, plain: str) -> None:
    assert markdown_plain(line) == plain


def test_only_lines_of_several_links_or_an_image_count_as_link_lists() -> None:
    assert is_link_list("[Home](/) › [Business](/business) › [Ports](/business/ports)")
    assert is_link_list("![Photo](/a.jpg)")
    assert not is_link_list("[Read the full report](https://example.gov/report)")
    assert not is_link_list(LINKED)


# --- Markdown: articles ---------------------------------------------------------------------


def test_a_markdown_heading_gives_the_title_without_its_marks() -> None:
    cleaned = clean_article(f"# Road reopens after floods\n\n{BODY}")
    assert (cleaned.title, cleaned.body) == ("Road reopens after floods", BODY)


def test_a_long_markdown_heading_is_still_the_title() -> None:
    headline = " ".join(["Word"] * 25) + "."
    assert clean_article(f"# {headline}\n\n{BODY}").title == headline


def test_a_subheading_in_the_body_stays_without_its_marks() -> None:
    cleaned = clean_article(f"# Road reopens\n\n{BODY}\n\n## What comes next\n\n{BODY_2}")
    assert cleaned.body == f"{BODY}\n\nWhat comes next\n\n{BODY_2}"


def test_body_sentences_keep_their_link_syntax_verbatim() -> None:
    cleaned = clean_article(f"# Road reopens\n\n{LINKED}\n\n{BODY}")
    assert cleaned.body == f"{LINKED}\n\n{BODY}"


def test_a_lone_link_in_the_body_is_kept() -> None:
    link = "[Read the full report](https://example.gov/report)"
    assert clean_article(f"{BODY}\n\n{link}\n\n{BODY_2}").body == f"{BODY}\n\n{link}\n\n{BODY_2}"


@pytest.mark.parametrize(
    "crumbs",
    [
        "[Home](/) › [World](/world) › [Asia](/world/asia)",
        "[World](/world) > [Asia](/world/asia)",
        "[News](/news) / [Local](/local) / [Roads](/roads)",
    ],
)
def test_a_breadcrumb_of_links_is_dropped(crumbs: str) -> None:
    cleaned = clean_article(f"{crumbs}\n\n# Road reopens\n\n{BODY}")
    assert (cleaned.title, cleaned.body) == ("Road reopens", BODY)


def test_an_emphasised_byline_gives_author_and_date_and_leaves_the_body() -> None:
    cleaned = clean_article(f"# Road reopens\n\n*By Jane Doe | Published: 2024-02-16*\n\n{BODY}")
    assert (cleaned.author, cleaned.published, cleaned.body) == ("Jane Doe", "2024-02-16", BODY)


def test_an_emphasised_date_label_gives_the_date() -> None:
    cleaned = clean_article(f"# Road reopens\n\n_Updated: March 3, 2021_\n\n{BODY}")
    assert (cleaned.published, cleaned.body) == ("2021-03-03", BODY)


@pytest.mark.parametrize(
    "widget",
    [
        "Share: [Facebook](#) | [X](#) | [WhatsApp](#) | [Email](#)",
        "**Share this story:** [Facebook](https://fb.example/s) [LinkedIn](https://li.example/s)",
        "**Tags:** roads, floods, Kabul",
        "*Filed under:* [Asia](/asia), [Roads](/roads)",
        "---",
        "![The reopened road](/img/road.jpg)",
    ],
)
def test_markdown_widgets_and_term_lists_are_dropped(widget: str) -> None:
    assert clean_article(f"{BODY}\n\n{widget}\n\n{BODY_2}").body == f"{BODY}\n\n{BODY_2}"


@pytest.mark.parametrize(
    "section",
    [
        "**Related:**\n\n- [Another road closes](/a)\n\nA full sentence of another story.",
        "## Related articles\n\n[Another road closes](/a)",
        "### Leave a Reply\n\nYour email address will not be published.",
        "## 3 Comments\n\nA reader wrote that the road was never closed.",
    ],
)
def test_markdown_related_and_comment_sections_end_the_article(section: str) -> None:
    assert clean_article(f"{BODY}\n\n{BODY_2}\n\n{section}").body == f"{BODY}\n\n{BODY_2}"


def test_an_inline_related_link_is_dropped_and_the_article_goes_on() -> None:
    text = f"{BODY}\n\n**Related:** [Another road closes](/roads/closure)\n\n{BODY_2}"
    assert clean_article(text).body == f"{BODY}\n\n{BODY_2}"


# Body lines near the Markdown rules (links, emphasis, a lone link) without being boilerplate.
MARKDOWN_BODY = (
    BODY,
    BODY_2,
    LINKED,
    "*This article was updated to correct the length of the road.*",
    "Engineers said [the bridge](/roads/bridge) would be checked by **Friday**.",
    "Tags on the trucks showed they came from the border, police said.",
    "Subscribers to the transport ministry's newsletter were told first.",
    "Follow-up inspections are due in May, the engineers said.",
)
MARKDOWN_HEAD = (
    "[Home](/) › [World](/world)",
    "# Road to Kabul reopens after floods",
    "*By Jane Doe | Published: 2024-02-16*",
    "Share: [Facebook](#) | [X](#)",
)
MARKDOWN_TAIL = (
    "---",
    "**Tags:** roads, floods",
    "Subscribe to our newsletter for the latest news from the region.",
    "Share this article: Facebook | X | LinkedIn | Email",
)


@pytest.mark.parametrize("seed", range(30))
def test_every_body_line_of_a_generated_markdown_article_survives_verbatim(seed: int) -> None:
    rng = random.Random(seed)
    head = [line for line in MARKDOWN_HEAD if rng.random() < 0.5]
    body = rng.sample(MARKDOWN_BODY, rng.randint(1, len(MARKDOWN_BODY)))
    tail = rng.sample(MARKDOWN_TAIL, rng.randint(0, len(MARKDOWN_TAIL)))
    end = rng.choice(["### Leave a Reply\n\nYour email address will not be published.", ""])
    text = "\n\n".join([*head, *body, *tail, end])
    assert clean_article(text).body == "\n\n".join(body)


# --- Mastheads and meta lines ---------------------------------------------------------------


def test_a_masthead_gives_outlet_and_date_and_the_next_line_is_the_title() -> None:
    text = f"Kabul Evening Post | World | 2023-10-05\n\nRoad reopens after floods\n\n{BODY}"
    cleaned = clean_article(text)
    found = (cleaned.title, cleaned.outlet, cleaned.published, cleaned.body)
    assert found == ("Road reopens after floods", "Kabul Evening Post", "2023-10-05", BODY)


@pytest.mark.parametrize(
    "meta",
    [
        "March 3, 2021 | editor | Roads | 4 min read",
        "3 March 2021 · Roads · 2 Comments",
        "Roads — March 3, 2021 — 5-minute read",
    ],
)
def test_a_meta_line_of_date_account_section_and_reading_time_gives_the_date(meta: str) -> None:
    cleaned = clean_article(f"Road reopens after floods\n\n{meta}\n\n{BODY}")
    found = (cleaned.title, cleaned.published, cleaned.author, cleaned.body)
    assert found == ("Road reopens after floods", "2021-03-03", None, BODY)


@pytest.mark.parametrize("separator", [" · ", " | ", " • ", " - "])
def test_a_byline_with_a_date_gives_author_and_date(separator: str) -> None:
    cleaned = clean_article(f"Road reopens\n\nBy Jane Doe{separator}3 May 2024\n\n{BODY}")
    assert (cleaned.author, cleaned.published, cleaned.body) == ("Jane Doe", "2024-05-03", BODY)


@pytest.mark.parametrize(
    "line",
    [
        "Kabul | The road reopened on Monday after a week of repairs, officials said.",
        "Sport | World",
        "Repairs | March 3, 2021 | the ministry said the road would reopen",
    ],
)
def test_a_separated_line_with_prose_or_no_date_field_is_kept(line: str) -> None:
    assert clean_article(f"{BODY}\n\n{line}").body == f"{BODY}\n\n{line}"


def test_a_bare_date_above_the_story_gives_the_date() -> None:
    cleaned = clean_article(f"Road reopens after floods\n\nSeptember 2, 2024\n\n{BODY}")
    assert (cleaned.published, cleaned.body) == ("2024-09-02", BODY)


# --- Newsletter, follow and share calls -----------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        "Subscribe to our newsletter for the latest business news from the region.",
        "Sign up for our free morning briefing",
        "Get the day's top stories delivered to your inbox.",
        "Follow us on Facebook and X for updates.",
        "Share this article: Facebook | X | LinkedIn | Email",
        "Share the story",
    ],
)
def test_newsletter_follow_and_share_calls_are_dropped(call: str) -> None:
    assert clean_article(f"{BODY}\n\n{call}\n\n{BODY_2}").body == f"{BODY}\n\n{BODY_2}"


@pytest.mark.parametrize(
    "sentence",
    [
        "Subscribers to the newsletter rose by 10 percent last year, the company said.",
        "The union urged members to sign up for its newsletter before the vote.",
        "Readers can subscribe to the council's alerts, the mayor said, but few have.",
    ],
)
def test_sentences_about_newsletters_are_kept(sentence: str) -> None:
    assert clean_article(f"{BODY}\n\n{sentence}").body == f"{BODY}\n\n{sentence}"


# --- HTML -----------------------------------------------------------------------------------

PAGE = f"""<!DOCTYPE html><html><head>
<title>Road reopens after floods | Kabul Courier</title>
<meta property="og:site_name" content="The Kabul Courier">
<meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2024-05-02T22:30:00+04:30">
<link rel="canonical" href="https://courier.example/roads/reopen">
</head><body>
<header><h1 class="logo">Kabul Courier</h1><time datetime="2024-06-01">Today</time></header>
<main><article><header><h1>Road reopens after floods in Kabul</h1>
<p>By Jane Doe · <time datetime="2024-05-03">3 May 2024</time></p></header>
<svg><title>Share icon</title></svg>
<p>{BODY}</p><p>Updated: May 9, 2024</p><p>{BODY_2}</p></article></main>
<footer>© 2024 Kabul Courier. All rights reserved.</footer></body></html>"""


def test_html_metadata_reads_meta_tags_the_story_headline_and_the_canonical_url() -> None:
    page = html_metadata(PAGE)
    assert page.title == "Road reopens after floods in Kabul"
    assert page.published == "2024-05-02T22:30:00+04:30"
    assert (page.author, page.outlet) == ("Jane Doe", "The Kabul Courier")
    assert page.url == "https://courier.example/roads/reopen"


def test_a_time_in_the_story_is_the_date_when_no_meta_tag_gives_one() -> None:
    html = '<header><time datetime="2024-06-01">Today</time></header>'
    html += '<article><time datetime="2024-05-03">3 May</time><p>Text.</p></article>'
    assert html_metadata(html).published == "2024-05-03"
    marked = html + '<p><time itemprop="datePublished" datetime="2024-05-01">1 May</time></p>'
    assert html_metadata(marked).published == "2024-05-01"


@pytest.mark.parametrize(
    ("title_tag", "h1", "title", "outlet"),
    [
        ("Roads open | Kabul Courier", "Roads open at last", "Roads open at last", "Kabul Courier"),
        ("Kabul Courier - Road reopens", None, "Kabul Courier - Road reopens", None),
        ("Road reopens", "Road reopens", "Road reopens", None),
    ],
)  # fmt: skip
def test_a_title_tag_names_the_site_beside_the_visible_headline(
    title_tag: str, h1: str | None, title: str, outlet: str | None
) -> None:
    heading = f"<article><h1>{h1}</h1></article>" if h1 else ""
    page = html_metadata(f"<title>{title_tag}</title>{heading}")
    assert (page.title, page.outlet) == (title, outlet)


def test_a_header_inside_the_article_is_visible_text_and_one_outside_is_not() -> None:
    assert html_to_text(PAGE).split("\n\n")[:2] == [
        "Road reopens after floods in Kabul",
        "By Jane Doe · 3 May 2024",
    ]


def test_clean_html_prefers_the_pages_declared_date_and_drops_the_byline() -> None:
    cleaned = clean_html(PAGE)
    assert cleaned == CleanedArticle(
        title="Road reopens after floods in Kabul",
        body=f"{BODY}\n\n{BODY_2}",
        published="2024-05-02",
        published_raw="2024-05-02T22:30:00+04:30",
        outlet="The Kabul Courier",
        author="Jane Doe",
        url="https://courier.example/roads/reopen",
    )


def test_clean_html_without_metadata_falls_back_to_the_text() -> None:
    html = f"<h1>Road reopens</h1><p>By Jane Doe | 3 May 2024</p><p>{BODY}</p>"
    cleaned = clean_html(html)
    assert (cleaned.title, cleaned.published, cleaned.author) == (
        "Road reopens",
        "2024-05-03",
        "Jane Doe",
    )
    assert cleaned.body == BODY


# --- The sample corpus ----------------------------------------------------------------------


def _sample(name: str) -> str:
    return (SAMPLE_NEWS / name).read_text(encoding="utf-8")


def _assert_cleaned(cleaned: CleanedArticle, kept: tuple[str, ...], gone: tuple[str, ...]) -> None:
    for sentence in kept:
        assert sentence in cleaned.body
    for boilerplate in gone:
        assert boilerplate not in cleaned.body


def test_the_tram_strike_masthead_gives_outlet_and_date_and_the_headline_is_the_title() -> None:
    cleaned = clean_article(_sample("2023-harnau-tram-strike-ends.txt"))
    assert cleaned.title == "Harnau tram strike ends after nine days with 7.5% pay deal"
    assert (cleaned.published, cleaned.outlet) == ("2023-10-05", "Harnau Evening Post")
    _assert_cleaned(
        cleaned,
        kept=(
            "Tram and bus drivers in Harnau returned to work on Thursday morning",
            "The previous record was a six-day stoppage in 2011.",
        ),
        gone=("Harnau Evening Post", "pay deal\n", "Share on", "Related Posts", "Leave a comment"),
    )


def test_the_markdown_sample_gives_title_author_and_date_and_loses_its_widgets() -> None:
    cleaned = clean_article(_sample("2024-port-selvane-deal-cancelled.md"))
    assert cleaned.title == "Veldria cancels Port Selvane terminal concession with Sarvek"
    assert (cleaned.published, cleaned.author, cleaned.outlet) == (
        "2024-02-16",
        "Mirela Ostrun",
        None,
    )
    _assert_cleaned(
        cleaned,
        kept=(
            "Veldria's Ministry of Maritime Affairs has cancelled the North Quay terminal",
            '"We warned about this on the first day," she said.',
            "Shares in Sarvek fell 11 percent on the Calmoran stock exchange",
        ),
        gone=(
            "#",
            "[Home]",
            "*By",
            "Share:",
            "---",
            "Related",
            "Tags",
            "Leave a Reply",
            "Required",
        ),
    )


def test_the_html_sample_gives_time_byline_and_site_name() -> None:
    html = _sample("2024-port-selvane-flood-barrier.html")
    cleaned = clean_html(html)
    assert cleaned.title == "Port Selvane approves Tessel flood barrier after Storm Ilse"
    assert (cleaned.published, cleaned.author, cleaned.outlet) == (
        "2024-05-03",
        "Tomas Hrabe",
        "Selvane Courier",
    )
    _assert_cleaned(
        cleaned,
        kept=(
            "Port Selvane city council on Thursday approved the construction of the Tessel",
            "the city the remaining 220 million.",
            "cheered from the public gallery when the result was announced.",
        ),
        gone=("By Tomas Hrabe", "3 May 2024", "Most read", "Subscribe", "All rights reserved"),
    )
    # Text alone, as read before clean_html existed, still finds the byline's author and date.
    plain = clean_article(html_to_text(html))
    assert (plain.title, plain.published, plain.author) == (
        cleaned.title,
        "2024-05-03",
        "Tomas Hrabe",
    )
    assert plain.body == cleaned.body


def test_the_naval_exercise_meta_line_gives_the_date_and_is_dropped() -> None:
    cleaned = clean_article(_sample("2024-silver-tide-naval-exercise.txt"))
    expected_title = "Veldria and Calmora hold first joint naval exercise in the Gulf of Tessel"
    assert (cleaned.title, cleaned.published, cleaned.author) == (
        expected_title,
        "2024-09-02",
        None,
    )
    _assert_cleaned(
        cleaned,
        kept=(
            "VT-PORT SELVANE: The navies and coast guards of Veldria and Calmora",
            "No live ammunition was used.",
        ),
        gone=("min read", "| admin |", "Share this", "About admin", "Check Also", "togel"),
    )


def test_the_wire_records_lose_their_newsletter_and_share_lines() -> None:
    lines = _sample("veldria-news-wire.jsonl").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    cleaned = [
        clean_article(
            r["text"],
            title=r["title"],
            url=r["url"],
            published=r["published"],
            outlet=r["source"],
        )
        for r in records
    ]
    assert [(c.published, c.outlet) for c in cleaned] == [
        ("2024-04-22", "Calmora Business Daily"),
        ("2024-06-20", "Harnau Ledger"),
    ]
    assert cleaned[0].body.endswith("partly recovering the losses of February.")
    assert cleaned[1].body.endswith("The board's next rate decision is due on August 1.")
    for c in cleaned:
        _assert_cleaned(c, kept=(), gone=("Subscribe", "newsletter", "Share this", "Read more"))


def test_the_good_markdown_fixture_gives_its_heading_title_and_date() -> None:
    text = (TEST_DATA / "bad-files" / "good.md").read_text(encoding="utf-8")
    cleaned = clean_article(text)
    assert (cleaned.title, cleaned.published) == (
        "Lannick council approves new cycle path",
        "2024-04-09",
    )
    _assert_cleaned(
        cleaned,
        kept=(
            "NT-LANNICK: Lannick town council on Monday approved a 3.2-kilometre cycle path",
            "and the council agreed to keep 15 of them.",
        ),
        gone=("#", "Published", "*"),
    )


ARTICLE_FILES = sorted(p for p in SAMPLE_NEWS.iterdir() if p.suffix in {".txt", ".md", ".html"})


@pytest.mark.parametrize("path", ARTICLE_FILES, ids=lambda p: p.name)
def test_every_sample_body_paragraph_is_source_text(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    cleaned = clean_html(text) if path.suffix == ".html" else clean_article(text)
    source = html_to_text(text) if path.suffix == ".html" else text
    assert all(p in source for p in cleaned.body.split("\n\n"))
