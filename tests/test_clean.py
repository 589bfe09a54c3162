"""Tests for indexer.clean: boilerplate goes, every body sentence stays, metadata is found."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

import pytest

from indexer.clean import CleanedArticle, clean_article, fallback_title, html_to_text
from indexer.ingest import documents_from_bytes

# --- The five real scraped articles in ../shared ----------------------------------------------


@dataclass(frozen=True)
class SeedExpectation:
    """What cleaning one seed article must give; sentences and boilerplate listed by hand."""

    title: str | None
    published: str | None
    published_raw: str | None
    outlet: str | None
    author: str | None
    kept: tuple[str, ...]
    gone: tuple[str, ...]


SEEDS = {
    "000": SeedExpectation(
        # The headline is quoted on the page; the quotes are kept as part of it.
        title="“U.S.-Russia counter-terrorism cooperation, an expedient stride”",
        published=None,
        published_raw=None,
        outlet=None,
        author=None,
        kept=(
            "AT-KABUL: Afghanistan welcomes the US proposal over a joint campaign with Russia in "
            "fight against terrorism, presidential office said Sunday, calling the alliance of "
            "both powers in favor of a robust war on terror.",
            "US officials had earlier accused Russia of supporting Taliban in Afghanistan, an "
            "allegation rejected by Moscow.",
            "Karimi said that Russia would not work with the US until its concerns are solved.",
        ),
        gone=(
            "Home / Latest Updates",
            "About admin",
            "Check Also",
            "Russian Intelligence Chief Accuses",
            "https://",
            "agen bandar bola",
        ),
    ),
    "001": SeedExpectation(
        title="US and its allies are against the stability of Afghanistan, says Russia",
        published=None,
        published_raw=None,
        outlet="AT News",
        author=None,
        kept=(
            "Kabul: The Russian Foreign Intelligence Service, referring to the recent ISIS attack "
            "on the Russian embassy in Kabul, said in a statement:",
            "Flirting with extremists will inevitably lead to increased international security "
            "threats and new terrorist attacks.",
            "Earlier, China also accused the US of killing more than 50,000 civilians in "
            "Afghanistan.",
        ),
        gone=("Home / Latest", "AT News", "About admin", "Check Also", "technical team ended"),
    ),
    "002": SeedExpectation(
        title="Afghanistan Considers Russia Key Regional Ally: Atmar",
        published="2017-03-18",
        published_raw="March 18, 2017",
        outlet="Ariana News",
        author="Hesamuddin Hesam",
        kept=(
            "Afghanistan’s National Security Advisor Mohammad Hanif Atmar on Friday met with "
            "Russian Foreign Minister Sergey Lavrov in Moscow.",
            "Atmar left Kabul for Moscow on Friday.",
            "The dialogue raised strong reaction and protest from the Kabul government for being "
            "left out of it.",
        ),
        gone=(
            "Breaking News",
            "Last Updated On",
            "By: Hesamuddin Hesam",
            "About Ariana News",
            "Check Also",
            "Taliban Stress on Full",
            "August 20, 2019",
        ),
    ),
    "003": SeedExpectation(
        # No headline line in this scrape; none is made up from the first sentence.
        title=None,
        published=None,
        published_raw="July 2",
        outlet="ANI",
        author=None,
        kept=(
            "Moscow [Russia], July 2 (ANI): Afghanistan National Security Advisor (NSA) Hamdullah "
            "Mohib held talks",
            "The two NSAs reinforced their desire to work jointly with regional counterparts in "
            "support of shared security goals.",
            "in several Afghan provinces. (ANI)",
        ),
        gone=("POST COMMENTS", "(0)"),
    ),
    "004": SeedExpectation(
        title="America and Pakistan agree on increasing anti-terrorist cooperation",
        published="2024-05-14",
        published_raw="Tuesday 14 May 2024",
        outlet="Afghan Voice Agency (AVA)",
        author=None,
        kept=(
            "The United States and Pakistan have said in a joint statement that the two countries "
            "have agreed to increase cooperation",
            "Afghan Voice Agency (AVA) - International Service: Washington and Islamabad issued a "
            "joint statement on Monday, May 13,",
            'Pakistan must answer in this regard."',
        ),
        gone=("Publish date", "Story Code", "290374", "Post a comment", "Your Name", "Your Email"),
    ),
}


def _seed(seed_news_dir: Path, prefix: str) -> tuple[str, CleanedArticle]:
    (path,) = seed_news_dir.glob(f"{prefix}_*.txt")
    text = path.read_text(encoding="utf-8")
    return text, clean_article(text)


@pytest.mark.parametrize("prefix", sorted(SEEDS))
def test_seed_articles_keep_their_sentences_and_lose_their_boilerplate(
    seed_news_dir: Path, prefix: str
) -> None:
    _, cleaned = _seed(seed_news_dir, prefix)
    expected = SEEDS[prefix]
    for sentence in expected.kept:
        assert sentence in cleaned.body
    for boilerplate in expected.gone:
        assert boilerplate not in cleaned.body


@pytest.mark.parametrize("prefix", sorted(SEEDS))
def test_seed_articles_yield_their_title_date_outlet_and_author(
    seed_news_dir: Path, prefix: str
) -> None:
    _, cleaned = _seed(seed_news_dir, prefix)
    expected = SEEDS[prefix]
    found = (cleaned.title, cleaned.published, cleaned.published_raw, cleaned.outlet)
    assert found == (expected.title, expected.published, expected.published_raw, expected.outlet)
    assert cleaned.author == expected.author


@pytest.mark.parametrize("prefix", sorted(SEEDS))
def test_seed_article_bodies_are_whole_source_lines_without_the_title(
    seed_news_dir: Path, prefix: str
) -> None:
    text, cleaned = _seed(seed_news_dir, prefix)
    source_lines = {line.strip() for line in text.splitlines()}
    paragraphs = cleaned.body.split("\n\n")
    assert paragraphs and all(p in source_lines for p in paragraphs)
    assert cleaned.title is None or cleaned.title not in paragraphs


# --- Titles, breadcrumbs and kickers --------------------------------------------------------

BODY = "The governor said on Monday that the road would reopen within a week."
BODY_2 = "Traders in the city welcomed the news, saying prices had doubled since the closure."


def test_a_breadcrumb_is_dropped_and_its_last_segment_names_the_repeated_title() -> None:
    headline = "Road to Kabul reopens after floods"
    text = f"Home » World » {headline}\n\n{headline}\n\n{BODY}"
    cleaned = clean_article(text)
    assert (cleaned.title, cleaned.body) == (headline, BODY)


def test_a_breadcrumb_headline_is_the_title_when_the_page_does_not_repeat_it() -> None:
    cleaned = clean_article(f"Home > News > Road to Kabul reopens after floods\n{BODY}")
    assert (cleaned.title, cleaned.body) == ("Road to Kabul reopens after floods", BODY)


def test_a_breadcrumb_ending_in_a_section_name_gives_no_title() -> None:
    cleaned = clean_article(f"Home / World\n\n{BODY}")
    assert (cleaned.title, cleaned.body) == (None, BODY)


def test_kicker_lines_above_the_title_are_dropped() -> None:
    cleaned = clean_article(f"EXCLUSIVE\n\nBreaking News\n\nRoad reopens\n\n{BODY}")
    assert (cleaned.title, cleaned.body) == ("Road reopens", BODY)


def test_the_title_is_the_first_short_line_without_sentence_punctuation() -> None:
    cleaned = clean_article(f"Road reopens after floods: governor\n{BODY}\n{BODY_2}")
    assert cleaned.title == "Road reopens after floods: governor"
    assert cleaned.body == f"{BODY}\n\n{BODY_2}"


def test_an_article_that_starts_with_a_sentence_has_no_title() -> None:
    cleaned = clean_article(f"{BODY}\n\n{BODY_2}")
    assert (cleaned.title, cleaned.body) == (None, f"{BODY}\n\n{BODY_2}")


# --- Bylines, sources, story codes and date lines -------------------------------------------


def test_by_lines_give_the_author_and_leave_the_body() -> None:
    for line in ("By: Jane Doe", "By Jane Doe", "By Jane Doe, Staff Writer"):
        cleaned = clean_article(f"{BODY}\n\n{line}")
        assert (cleaned.author, cleaned.body) == ("Jane Doe", BODY)


def test_a_sentence_that_starts_with_by_is_not_a_byline() -> None:
    sentence = "By Friday, the ministry had reopened three of the schools"
    cleaned = clean_article(f"{BODY}\n\n{sentence}")
    assert (cleaned.author, cleaned.body) == (None, f"{BODY}\n\n{sentence}")


def test_about_lines_are_dropped_and_name_the_outlet_only_when_it_is_one() -> None:
    assert clean_article(f"{BODY}\n\nAbout admin") == clean_article(BODY)
    cleaned = clean_article(f"{BODY}\n\nAbout Kabul Daily News")
    assert (cleaned.outlet, cleaned.body) == ("Kabul Daily News", BODY)


def test_a_lone_source_line_under_the_title_names_the_outlet() -> None:
    cleaned = clean_article(f"Road reopens\n\nXY News\n\n{BODY}")
    assert (cleaned.title, cleaned.outlet, cleaned.body) == ("Road reopens", "XY News", BODY)


def test_story_code_lines_are_dropped() -> None:
    assert clean_article(f"Story Code : 123456\nRoad reopens\n{BODY}").body == BODY
    assert clean_article(f"Article ID: 98\n{BODY}").body == BODY


@pytest.mark.parametrize(
    ("line", "iso", "raw"),
    [
        ("(Last Updated On: March 18, 2017)", "2017-03-18", "March 18, 2017"),
        ("Publish dateTuesday 14 May 2024 - 15:07", "2024-05-14", "Tuesday 14 May 2024"),
        ("Published: 2024-05-14T10:00:00Z", "2024-05-14", "2024-05-14T10:00:00Z"),
        ("Posted on May 14, 2024", "2024-05-14", "May 14, 2024"),
    ],
)
def test_date_lines_give_the_published_date_and_leave_the_body(
    line: str, iso: str, raw: str
) -> None:
    cleaned = clean_article(f"Road reopens\n\n{line}\n\n{BODY}")
    assert (cleaned.published, cleaned.published_raw, cleaned.body) == (iso, raw, BODY)


def test_a_date_label_glued_to_the_first_sentence_is_cut_and_the_sentence_kept() -> None:
    cleaned = clean_article(f"Road reopens\n\n(Last Updated On: March 18, 2017){BODY}")
    assert (cleaned.published, cleaned.body) == ("2017-03-18", BODY)


# --- Teasers, comment forms, widgets and spam -----------------------------------------------


def test_check_also_ends_the_article_with_its_teaser_date_and_spam() -> None:
    text = (
        f"{BODY}\n\n{BODY_2}\n\nCheck Also\n\nTaliban Stress on Withdrawal\n\n"
        "(Last Updated On: August 20, 2019)If the United States does not pull out all of …\n"
        "Later paragraphs of the teaser page, with full sentences.\n"
    )
    cleaned = clean_article(text)
    assert cleaned.body == f"{BODY}\n\n{BODY_2}"
    assert (cleaned.published, cleaned.published_raw) == (None, None)


@pytest.mark.parametrize("marker", ["Related", "Related Posts", "You may also like", "Read more"])
def test_related_story_blocks_after_the_body_end_the_article(marker: str) -> None:
    text = f"{BODY}\n\n{marker}\n\nAnother headline entirely\n\nIts excerpt, cut off …"
    assert clean_article(text).body == BODY


def test_an_inline_read_more_teaser_is_dropped_and_the_article_goes_on() -> None:
    text = f"{BODY}\n\nRead more: Floods cut the road to Kabul\n\n{BODY_2}"
    assert clean_article(text).body == f"{BODY}\n\n{BODY_2}"


def test_a_related_sidebar_above_the_article_is_skipped_and_the_article_kept() -> None:
    text = f"Related\nOther headline\nAnother headline\n{BODY}\n{BODY_2}"
    assert clean_article(text).body == f"{BODY}\n\n{BODY_2}"


@pytest.mark.parametrize(
    "form",
    [
        "Post a comment\nYour Name\nYour Email Address",
        "POST COMMENTS (0)",
        "Leave a Reply\nYour email address will not be published. Required fields are marked *",
        "Comments\nA reader wrote that the road was never closed.",
        "3 Comments",
    ],
)
def test_comment_sections_after_the_body_are_dropped(form: str) -> None:
    assert clean_article(f"{BODY}\n{BODY_2}\n{form}").body == f"{BODY}\n\n{BODY_2}"


@pytest.mark.parametrize(
    "widget",
    [
        "Share this:",
        "Facebook Twitter WhatsApp",
        "Tweet",
        "Advertisement",
        "© 2024 Example Times. All rights reserved.",
        "https://spam.example/a https://spam.example/b https://spam.example/c",
        "agen bandar bola online indonesia",
        "situs slot gacor maxwin",
    ],
)
def test_share_widgets_ads_link_lists_and_gambling_spam_are_dropped(widget: str) -> None:
    assert clean_article(f"{BODY}\n\n{widget}\n\n{BODY_2}").body == f"{BODY}\n\n{BODY_2}"


def test_sentences_that_mention_a_casino_or_cite_a_link_are_kept() -> None:
    casino = "Police closed an online casino that had operated from a hotel in the city."
    link = "The full report is published at https://example.gov/report for anyone to read."
    assert clean_article(f"{casino}\n\n{link}").body == f"{casino}\n\n{link}"


# --- Datelines ------------------------------------------------------------------------------


def test_a_wire_dateline_stays_in_the_body_and_gives_outlet_and_yearless_date() -> None:
    first = "Moscow [Russia], July 2 (ANI): The two advisers met on Friday in Moscow."
    cleaned = clean_article(f"{first}\n{BODY}")
    assert cleaned.body == f"{first}\n\n{BODY}"
    assert (cleaned.outlet, cleaned.published, cleaned.published_raw) == ("ANI", None, "July 2")


def test_a_dateline_with_a_year_gives_a_full_date() -> None:
    cleaned = clean_article("KABUL, March 3, 2021 (Reuters) - The road reopened on Monday.")
    assert (cleaned.outlet, cleaned.published) == ("Reuters", "2021-03-03")


def test_an_agency_named_before_its_abbreviation_is_the_outlet() -> None:
    second = "Kabul Press Agency (KPA) - Domestic Service: The road reopened on Monday."
    cleaned = clean_article(f"{BODY}\n\n{second}")
    assert (cleaned.outlet, cleaned.body) == ("Kabul Press Agency (KPA)", f"{BODY}\n\n{second}")


@pytest.mark.parametrize("first", ["AT-KABUL: The road reopened.", "Kabul: The road reopened."])
def test_place_only_datelines_stay_and_name_no_outlet(first: str) -> None:
    cleaned = clean_article(f"{first}\n\n{BODY}")
    assert (cleaned.outlet, cleaned.body) == (None, f"{first}\n\n{BODY}")


# --- Keyword metadata -----------------------------------------------------------------------


def test_keyword_metadata_wins_over_what_the_text_says() -> None:
    text = f"Road reopens\n\nXY News\n\n(Last Updated On: March 18, 2017)\n\n{BODY}"
    cleaned = clean_article(
        text,
        title="Road reopens",
        url="https://example.org/road",
        published="2017-03-20T08:00:00Z",
        outlet="Example Wire",
    )
    assert cleaned == CleanedArticle(
        title="Road reopens",
        body=BODY,
        published="2017-03-20",
        published_raw="2017-03-20T08:00:00Z",
        outlet="Example Wire",
        author=None,
        url="https://example.org/road",
    )


def test_a_full_date_on_the_page_beats_a_yearless_keyword_date() -> None:
    text = f"(Last Updated On: July 2, 2021)\n\n{BODY}"
    cleaned = clean_article(text, published="July 2")
    assert (cleaned.published, cleaned.published_raw) == ("2021-07-02", "July 2, 2021")


def test_empty_keyword_values_count_as_absent() -> None:
    cleaned = clean_article(f"Road reopens\n\n{BODY}", title=" ", outlet="", published="")
    assert (cleaned.title, cleaned.outlet, cleaned.published) == ("Road reopens", None, None)


# --- Layout and the verbatim invariant ------------------------------------------------------


def test_hard_wrapped_sentences_are_joined_into_one_paragraph() -> None:
    text = "Road reopens\n\nThe governor said on Monday that\nthe road would reopen soon.\n\nEnd."
    cleaned = clean_article(text)
    assert cleaned.body == "The governor said on Monday that the road would reopen soon.\n\nEnd."


# Body paragraphs chosen to sit close to the boilerplate rules without being boilerplate.
TRICKY_BODY = (
    BODY,
    BODY_2,
    "About 200 families fled the district on Monday, officials said.",
    "By the end of the week, the ministry had reopened three schools.",
    "Published figures show a rise of 12 percent since May 2, 2023.",
    "Comments from the ministry were not immediately available.",
    "“We will not leave,” the governor said.",
    "Police closed an online casino that had operated from a hotel in the city.",
    "The full report is at https://example.gov/report for anyone to read.",
    "Related talks in Doha, officials said, would resume on Tuesday.",
    "Home / away fixtures were cancelled, the football federation said.",
)
HEAD_BOILERPLATE = (
    "Home / Latest Updates / Road to Kabul reopens after floods",
    "Breaking News",
    "Road to Kabul reopens after floods",
    "(Last Updated On: March 18, 2017)",
    "Publish dateTuesday 14 May 2024 - 15:07",
    "Story Code : 290374",
    "XY News",
)
TAIL_BOILERPLATE = (
    "By: Jane Doe",
    "About admin",
    "Share this:",
    "Facebook Twitter WhatsApp",
    "Advertisement",
    "https://spam.example/a https://spam.example/b",
    "agen bandar bola online indonesia",
)
TAIL_SECTIONS = (
    "Check Also\n\nAnother headline\n\nIts excerpt, cut off …",
    "Post a comment\nYour Name\nYour Email Address",
    "POST COMMENTS (0)",
    "",
)


@pytest.mark.parametrize("seed", range(40))
def test_every_body_paragraph_of_a_generated_article_survives_verbatim(seed: int) -> None:
    rng = random.Random(seed)
    head = [line for line in HEAD_BOILERPLATE if rng.random() < 0.5]
    body = rng.sample(TRICKY_BODY, rng.randint(1, len(TRICKY_BODY)))
    tail = rng.sample(TAIL_BOILERPLATE, rng.randint(0, len(TAIL_BOILERPLATE)))
    separator = rng.choice(["\n", "\n\n", "\n\n\n"])
    text = separator.join([*head, *body, *tail, rng.choice(TAIL_SECTIONS)])
    cleaned = clean_article(text)
    assert cleaned.body == "\n\n".join(body)


# --- HTML -----------------------------------------------------------------------------------


def test_html_to_text_keeps_visible_blocks_as_paragraphs_and_drops_page_chrome() -> None:
    html = """<html><head><title>Tab title</title><style>p {color: red}</style></head><body>
    <header>Site header</header><nav><a href="/">Home</a> / <a href="/w">World</a></nav>
    <article><h1>Road reopens</h1>
    <p>The governor said the road would <b>reopen</b>
       within a week &amp; traders cheered.</p>
    <div>Second block<br>after a break</div>
    <script>var tracking = "no";</script>
    <ul><li>First item</li><li>Second item</li></ul></article>
    <aside>Sidebar teaser</aside><form>Your Name</form><footer>Footer links</footer>
    </body></html>"""
    assert html_to_text(html).split("\n\n") == [
        "Road reopens",
        "The governor said the road would reopen within a week & traders cheered.",
        "Second block",
        "after a break",
        "First item",
        "Second item",
    ]


def test_html_pages_clean_to_their_article_text() -> None:
    html = f"<nav>Menu</nav><h1>Road reopens</h1><p>{BODY}</p><p>Share this:</p><p>{BODY_2}</p>"
    cleaned = clean_article(html_to_text(html))
    assert (cleaned.title, cleaned.body) == ("Road reopens", f"{BODY}\n\n{BODY_2}")


@pytest.mark.parametrize(
    ("body", "source", "title"),
    [
        # The wire lead-in goes; the first sentence is the title, cut to headline length.
        (
            "VT-HARNAU: Veldria's Ministry of Maritime Affairs on Wednesday signed a 30-year "
            "concession with Sarvek Port Holdings. The terminal opens in 2026.",
            "port.txt",
            "Veldria's Ministry of Maritime Affairs on Wednesday signed a 30-year concession with…",
        ),
        (
            "WASHINGTON (AP) — The Senate passed the bill on Friday. It goes to the House next.",
            "a.txt",
            "The Senate passed the bill on Friday",
        ),
        (
            "Moscow [Russia], July 2 (ANI): Afghan adviser Hamdullah Mohib met Nikolai "
            "Patrushev. They spoke about security.",
            "c.txt",
            "Afghan adviser Hamdullah Mohib met Nikolai Patrushev",
        ),
        # Abbreviations and initials end no sentence.
        ("Dr. Anna Rees of the U.S. Navy spoke in May. Then she left.", "b.txt",
         "Dr. Anna Rees of the U.S. Navy spoke in May"),
        # Too short to say anything: the file name, in words.
        ("Rain. Then more rain came over the harbour.", "news/port-deal_2024.txt",
         "port deal 2024"),
        ("Ok", "wire.jsonl#3", "wire"),
    ],
)  # fmt: skip
def test_a_story_without_a_title_gets_its_first_sentence_or_file_name(
    body: str, source: str, title: str
) -> None:
    assert fallback_title(body, source) == title


def test_an_indexed_record_without_a_title_is_cited_by_its_first_sentence() -> None:
    record = {"text": "Harbour officials in Lannick said on Monday that the ferry will run daily."}
    stated = {
        "text": "The ferry to Norholm will run every day from May.",
        "title": "Ferry to run daily",
    }
    data = json.dumps([record, stated]).encode()
    documents, _ = documents_from_bytes(
        data, source="wire.json", file_path="/x/wire.json", suffix=".json"
    )
    assert [d.title for d in documents] == [
        "Harbour officials in Lannick said on Monday that the ferry will run…",
        "Ferry to run daily",
    ]


@pytest.mark.parametrize(
    "headline",
    [
        "Lannick opens its new ferry terminal | Harbour Times",
        "Will the ferry run all winter? Ask ...",  # a question, cut off by the site
        "Ferry fares rise again. Is Norholm next?",  # two sentences
    ],
)
def test_a_saved_page_header_gives_the_headline_and_the_url(headline: str) -> None:
    # Saved pages open with the headline, the page's URL, then date and byline lines; the URL
    # line begins in lower case, which once made the headline look like a wrapped sentence.
    url = "https://news.example.org/2024/03/07/lannick-ferry-terminal/"
    text = (
        f"{headline}\n{url}\nPublished: 2024/03/07\nBy: Mette Sorlie\n\n"
        "The new ferry terminal in Lannick opened on Thursday.\n\n"
        "It will serve three ferries a day."
    )
    cleaned = clean_article(text)
    assert (cleaned.title, cleaned.url) == (headline, url)
    assert (cleaned.published, cleaned.author) == ("2024-03-07", "Mette Sorlie")
    assert cleaned.body.startswith("The new ferry terminal")
