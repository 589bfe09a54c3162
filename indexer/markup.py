"""Read HTML and Markdown for the cleaner: visible text, page metadata, plain views of lines.

The cleaner's line rules are written for plain text. HTML becomes plain paragraphs here, and its
head (meta tags, <title>, <time>, <h1>) gives metadata the text may lack. A Markdown line is not
rewritten: the cleaner matches its rules against a *plain view* of the line (links as their
text, emphasis and heading marks gone) and keeps the original line, so quotes and offsets into a
body sentence still point at what the file says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

__all__ = [
    "HtmlMetadata",
    "heading_text",
    "html_metadata",
    "html_to_text",
    "is_link_list",
    "markdown_plain",
]

# --- HTML text -------------------------------------------------------------------------------

_BLOCK_TAGS = frozenset({
    "address", "article", "blockquote", "br", "caption", "dd", "details", "div", "dl", "dt",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "main", "ol", "p",
    "pre", "section", "summary", "table", "tbody", "td", "th", "thead", "tr", "ul",
})  # fmt: skip
_HIDDEN_TAGS = frozenset({
    "aside", "button", "footer", "form", "head", "header", "iframe", "nav", "noscript", "script",
    "select", "style", "svg", "template", "textarea",
})  # fmt: skip
# Elements that hold the story itself; a <header> inside one is the story's headline and byline.
_STORY_TAGS = frozenset({"article", "main"})


class _VisibleText(HTMLParser):
    """Collects visible text as paragraphs; <br> ends one too, as scrapes use <br><br> for them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._pieces: list[str] = []
        self._hidden_depth = 0
        self._story_depth = 0
        self._shown_headers = 0  # open <header>s inside a story, which are not hidden

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _STORY_TAGS:
            self._story_depth += 1
        if tag == "header" and self._story_depth and not self._hidden_depth:
            self._shown_headers += 1
            self.flush()
        elif tag in _HIDDEN_TAGS:
            self._hidden_depth += 1
        elif tag in _BLOCK_TAGS:
            self.flush()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # A self-closed <div/> or <br/> opens nothing, so it must not count as hidden depth.
        if tag in _BLOCK_TAGS:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _STORY_TAGS:
            self._story_depth = max(0, self._story_depth - 1)
        if tag == "header" and self._shown_headers and not self._hidden_depth:
            self._shown_headers -= 1
            self.flush()
        elif tag in _HIDDEN_TAGS:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.flush()

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self._pieces.append(data)

    def flush(self) -> None:
        text = " ".join("".join(self._pieces).split())
        self._pieces = []
        if text:
            self.paragraphs.append(text)


def html_to_text(html: str) -> str:
    """Visible text of an HTML page, block elements as paragraphs separated by blank lines.

    script, style, nav, header, footer, aside and form contents are dropped (a header inside an
    <article> or <main> is kept: it holds the headline); only the standard library's
    html.parser is used, so malformed pages degrade instead of raising.
    """
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    parser.flush()
    return "\n\n".join(parser.paragraphs)


# --- HTML metadata ---------------------------------------------------------------------------

# Meta keys (property, name or itemprop, lower-cased) in the order they are trusted.
_PUBLISHED_KEYS = (
    "article:published_time", "og:published_time", "datepublished", "publishdate", "pubdate",
    "dc.date.issued", "dc.date", "date",
)  # fmt: skip
_AUTHOR_KEYS = ("author", "article:author", "dc.creator", "parsely-author")
_URL_KEYS = ("og:url",)
# "Headline | Site", "Headline - Site", "Site :: Headline" in a <title>.
_TITLE_SEP = re.compile(r"\s+(?:[|–—·-]|::)\s+")
# A site name is a few words; a longer <title> segment is part of the headline.
_MAX_SITE_WORDS = 5


@dataclass(frozen=True)
class HtmlMetadata:
    """What an HTML page states about its article outside the article text; None when absent."""

    title: str | None
    published: str | None  # as written in the page, e.g. "2024-05-03T08:00:00+02:00"
    author: str | None
    outlet: str | None
    url: str | None


class _PageMetadata(HTMLParser):
    """Collects meta tags, <title>, the first <h1> and the most trusted <time datetime>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.canonical: str | None = None
        self.title_tag = ""
        self.h1s: list[tuple[bool, str]] = []  # (inside the story, text)
        self.time: tuple[int, str] | None = None  # (rank, datetime); lower rank is trusted more
        self._capture: str | None = None  # "title" or "h1" while inside one
        self._pieces: list[str] = []
        self._story_depth = 0
        self._svg_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name.lower(): (value or "").strip() for name, value in attrs}
        if tag in _STORY_TAGS:
            self._story_depth += 1
        if tag == "meta":
            key = (
                found.get("property") or found.get("name") or found.get("itemprop") or ""
            ).lower()
            if key and found.get("content"):
                self.meta.setdefault(key, found["content"])
        elif tag == "link" and "canonical" in found.get("rel", "").lower().split():
            self.canonical = self.canonical or found.get("href") or None
        elif tag == "time" and found.get("datetime"):
            # Marked as the publication time, then any inside the story, then any at all.
            marked = found.get("itemprop", "").lower() == "datepublished" or "pubdate" in found
            rank = 0 if marked else (1 if self._story_depth else 2)
            if self.time is None or rank < self.time[0]:
                self.time = (rank, found["datetime"])
        elif tag == "svg":
            self._svg_depth += 1  # an icon's <title> is not the page's
        elif tag in ("title", "h1") and self._capture is None and not self._svg_depth:
            self._capture, self._pieces = tag, []

    def handle_endtag(self, tag: str) -> None:
        if tag in _STORY_TAGS:
            self._story_depth = max(0, self._story_depth - 1)
        elif tag == "svg":
            self._svg_depth = max(0, self._svg_depth - 1)
        if tag == self._capture:
            text = " ".join("".join(self._pieces).split())
            if tag == "title":
                self.title_tag = self.title_tag or text
            elif text:
                self.h1s.append((self._story_depth > 0, text))
            self._capture = None

    def handle_data(self, data: str) -> None:
        if self._capture is not None:
            self._pieces.append(data)

    def first_meta(self, keys: tuple[str, ...]) -> str | None:
        return next((self.meta[k] for k in keys if k in self.meta), None)


def _plain_words(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def _split_title_tag(title_tag: str, headline: str | None, site: str | None) -> tuple[str, str]:
    """(headline, site) read from a <title> such as "Road reopens | Kabul Daily"."""
    segments = _TITLE_SEP.split(title_tag)
    if site is not None:
        rest = [s for s in segments if _plain_words(s) != _plain_words(site)]
        return " | ".join(rest) or title_tag, site
    if headline is not None and len(segments) == 2:
        known = f" {_plain_words(headline)} "
        # The segment that repeats (part of) the visible headline is it; the other names the site.
        for index, segment in enumerate(segments):
            other = segments[1 - index]
            words = f" {_plain_words(segment)} "
            repeats = words.strip() != "" and (words in known or known in words)
            if repeats and len(other.split()) <= _MAX_SITE_WORDS:
                return segment, other
    return title_tag, ""


def html_metadata(html: str) -> HtmlMetadata:
    """Title, publication time, author, outlet and canonical URL an HTML page declares.

    The headline is the story's <h1>, else og:title, else any <h1>, else the <title> less its
    site name. The date is a meta publication time, else the most trusted <time datetime>. The
    outlet is og:site_name, else the part of a "Headline | Site" <title> that is not the headline.
    """
    parser = _PageMetadata()
    parser.feed(html)
    parser.close()
    story_h1 = next((text for inside, text in parser.h1s if inside), None)
    any_h1 = parser.h1s[0][1] if parser.h1s else None
    headline = story_h1 or parser.meta.get("og:title") or any_h1
    site = parser.meta.get("og:site_name")
    title_part, site_part = _split_title_tag(parser.title_tag, headline, site)
    author = parser.first_meta(_AUTHOR_KEYS)
    if author is not None and re.match(r"https?://", author):
        author = None  # article:author is often a profile URL, not a name
    return HtmlMetadata(
        title=headline or title_part or None,
        published=parser.first_meta(_PUBLISHED_KEYS) or (parser.time[1] if parser.time else None),
        author=author,
        outlet=site or site_part or None,
        url=parser.canonical or parser.first_meta(_URL_KEYS),
    )


# --- Markdown --------------------------------------------------------------------------------

_HEADING = re.compile(r"^#{1,6}\s+(?P<text>.*?)(?:\s+#+)?$")
# [text](target) and ![alt](src); a target may hold one level of brackets, as Wikipedia URLs do.
_LINK = re.compile(
    r"(?P<image>!?)\[(?P<text>[^\]]*)\]\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)"
)
# Emphasis opens and closes on a non-space, so "5 * 3" and "marked *" are left alone; "_" only
# at word edges, as in CommonMark, so "file_name_here" is not emphasis. The text may not hold the
# mark itself, which keeps matching linear; nested marks unwrap on the next pass.
_EMPHASIS = re.compile(
    r"(?P<star>\*{1,3})(?P<text>[^*\s](?:[^*]*[^*\s])?)(?P=star)"
    r"|(?<!\w)(?P<score>_{1,3})(?P<scored>[^_\s](?:[^_]*[^_\s])?)(?P=score)(?!\w)"
)
_THEMATIC_BREAK = re.compile(r"^(?:[-*_]\s*){3,}$")
_BULLET = re.compile(r"^[-*+]\s+")
# What may stand between the links of a navigation or share line.
_LINK_GLUE = re.compile(r"^[\s|/»>›·•,:–—*-]*$")


def heading_text(line: str) -> str | None:
    """The text of an ATX heading line ("## Sub head" gives "Sub head"); None for other lines.

    The text is a substring of the line, so keeping it in a body keeps the source verbatim.
    """
    match = _HEADING.match(line)
    return match["text"] if match and match["text"] else None


def markdown_plain(line: str) -> str:
    """A stripped line as a reader sees it: no heading, bullet or emphasis marks, links as text.

    A thematic break ("---") reads as nothing. Lines without Markdown come back unchanged.
    """
    if _THEMATIC_BREAK.match(line):
        return ""
    plain = heading_text(line) or line
    plain = _LINK.sub(lambda m: m["text"], _BULLET.sub("", plain))
    previous = None
    while previous != plain:  # "***bold italic***" and nested marks unwrap in turns
        previous, plain = plain, _EMPHASIS.sub(lambda m: m["text"] or m["scored"], plain)
    return plain.strip()


def is_link_list(line: str) -> bool:
    """Whether a line is only Markdown links or images with separators: navigation or share.

    One link alone may be a body line ("[Read the report](...)"), so it takes two, or an image.
    """
    links = list(_LINK.finditer(line))
    if not links or not _LINK_GLUE.match(_LINK.sub("", line)):
        return False
    return len(links) >= 2 or any(m["image"] for m in links)
