"""Strip boilerplate from scraped news articles and pick up the title, date, outlet and author.

Cleaning works line by line with rules for *families* of boilerplate (breadcrumbs, kickers, date
and byline labels, mastheads and meta lines, teasers, tag lists, comment forms, share and
newsletter widgets, link spam). A line is either kept byte for byte (less surrounding whitespace)
or dropped whole, so every sentence of an article survives verbatim; when unsure, a line is kept.
Three exceptions: a bracketed date label glued to the text after it, "(Last Updated On: May 2,
2019)The ...", loses only the label; a Markdown heading loses its "#" marks; and a hard-wrapped
line (lower-case start, previous line unfinished) is joined on with one space. Rules read a
Markdown line through its plain view (indexer.markup), but a kept line keeps its link syntax.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from indexer.dates import (
    parse_published,
    read_date_only,
    read_dateline,
    split_date_label,
    without_dateline,
)
from indexer.markup import heading_text, html_metadata, html_to_text, is_link_list, markdown_plain

__all__ = [
    "CleanedArticle",
    "clean_article",
    "clean_html",
    "fallback_title",
    "html_to_text",
    "parse_published",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CleanedArticle:
    """An article's body text with boilerplate removed, and the metadata found in it."""

    title: str | None  # as written on the page (quotes kept), or the caller's
    body: str  # paragraphs joined by "\n\n"; no title line, no boilerplate
    published: str | None  # ISO "YYYY-MM-DD"; None when unknown or partial (no year)
    published_raw: str | None  # the date as found, e.g. "March 18, 2017" or "July 2"
    outlet: str | None  # publisher or agency when stated, e.g. "ANI", "AT News"
    author: str | None  # from a "By: Name" line, a meta line or an HTML author tag
    url: str | None


# --- Line rules ------------------------------------------------------------------------------

_I = re.IGNORECASE
# Sentence-final punctuation, allowing closing quotes and brackets after it.
_TERMINAL = re.compile(r"[.!?…][\"'”’»)\]]*$")
# Headlines run to about 15 words; 20 leaves slack without admitting a lead paragraph.
_MAX_TITLE_WORDS = 20
# Source and "About ..." lines name an outlet in a few words; longer lines are prose.
_MAX_NAME_WORDS = 5
# A dateline sits at the start of the story, which may come after a one-line lead.
_DATELINE_PARAGRAPHS = 3
# Section names in breadcrumbs are one to three words; a last segment this long is a headline.
_MIN_HINT_WORDS = 4
# Spam and widget rules only touch short lines, so a sentence that mentions a casino survives.
_MAX_WIDGET_WORDS = 12

_CRUMB_SEP = re.compile(r"\s+(?:/|»|>|›|\|)\s+")
_BREADCRUMB = re.compile(r"^home\s+(?:/|»|>|›|\|)\s+\S", _I)
_KICKER = re.compile(
    r"^(?:breaking(?:\s+news)?|exclusive|just\s+in|developing(?:\s+story)?|news\s+alert"
    r"|latest(?:\s+(?:news|updates))?|live(?:\s+updates)?|top\s+stor(?:y|ies)|trending(?:\s+now)?"
    r"|updated?)\s*:?$",
    _I,
)
_STORY_CODE = re.compile(
    r"^(?:story|article|news|post|content)\s*(?:code|id|no\.?|number)\s*[:#]?\s*\d+$", _I
)
# "By: Name" or "By Name, Role"; the role is not kept.
_BYLINE = re.compile(
    r"^(?i:by)\s*:?\s+(?P<name>[^.!?:;,()|]{2,60}?)(?:\s*[,|–—-]\s*[A-Z][^.!?:;]{0,40})?$"
)
_NAME_WORD = re.compile(r"^(?:[A-Z][\w.'’-]*|and|&|al|bin|de|del|van|von|der)$")
_ABOUT = re.compile(r"^about\s+(?P<name>\S.{0,50})$", _I)
_OUTLET_WORD = re.compile(
    r"\b(?:news|agency|times|press|post|tv|television|radio|media|network|daily|herald|tribune"
    r"|gazette|journal|wire|service|online|broadcasting|channel|magazine|chronicle|observer"
    r"|courier|ledger|dispatch|telegraph|inquirer|examiner|bulletin)$",
    _I,
)
# Related-story blocks end the article when they follow its text.
_TEASER_HEAD = re.compile(
    r"^(?:check\s+also|related(?:\s+(?:posts?|articles?|news|stories|content|items?))?"
    r"|you\s+(?:may|might)\s+also\s+(?:like|read|enjoy)|more\s+(?:from|stories|news|in)\b.{0,40}"
    r"|recommended(?:\s+(?:for\s+you|stories|articles))?|most\s+(?:read|popular|viewed)"
    r"|(?:also\s+)?read\s+(?:more|also|next)|see\s+also|don'?t\s+miss)\s*:?$",
    _I,
)
_TEASER_INLINE = re.compile(
    r"^(?:read\s+(?:more|also)|also\s+read|see\s+also|related)\s*[:|»>–—-]\s*\S", _I
)
_COMMENTS_HEAD = re.compile(
    r"^(?:post\s+(?:a\s+)?comments?|leave\s+a\s+(?:reply|comment)|add\s+(?:a\s+)?comment"
    r"|write\s+a\s+comment|join\s+the\s+discussion|\d*\s*comments?|responses?)"
    r"\s*(?:\(\d+\))?\s*:?$",
    _I,
)
_COMMENT_FIELD = re.compile(
    r"^(?:(?:your\s+)?(?:name|e-?mail(?:\s+address)?|comment|website|message)\s*\*?"
    r"|submit|send|post\s+comment|cancel\s+reply|required\s+fields\s+are\s+marked.*"
    r"|your\s+e-?mail\s+address\s+will\s+not\s+be\s+published.*|save\s+my\s+name,?\s+e-?mail.*"
    r"|notify\s+me\s+of\s+.*(?:comments|posts).*)\s*:?$",
    _I,
)
_AD = re.compile(
    r"^(?:advertisements?|sponsored(?:\s+content)?|ads?|promoted|scroll\s+to\s+continue.*"
    r"|continue\s+reading(?:\s+below)?)\s*:?$",
    _I,
)
_COPYRIGHT = re.compile(
    r"^(?:©|\(c\)\s*\d{4}|copyright\s*(?:©|\(c\)|\d{4}))|\ball rights reserved\b", _I
)
_SHARE_STRONG = frozenset({
    "share", "facebook", "twitter", "whatsapp", "telegram", "linkedin", "pinterest", "reddit",
    "tweet", "print",
})  # fmt: skip
_SHARE_WORDS = _SHARE_STRONG | {
    "this", "on", "via", "x", "email", "e-mail", "messenger", "copy", "link", "tumblr", "viber",
    "vk", "pocket", "article", "story", "post", "page", "the", "follow", "us", "bluesky",
    "threads", "instagram", "youtube",
}  # fmt: skip
# Calls to subscribe or follow: an imperative at the start, naming what is offered.
_CALL_TO_ACTION = re.compile(
    r"^(?:(?:subscribe|sign\s+up|register|join|get)\b[^.!?]{0,60}?\b(?:newsletters?|mailing\s+list"
    r"|e-?mail\s+(?:updates|alerts)|(?:daily|weekly|morning|evening)\s+briefing|digest|inbox)\b"
    r"|follow\s+us\s+on\b)",
    _I,
)
# "Tags: ports, Sarvek" and its kin list index terms, never a sentence of the story.
_TERM_LIST = re.compile(
    r"^(?:tags?|tagged(?:\s+(?:with|in))?|topics?|filed\s+under|categor(?:y|ies)|keywords?)"
    r"\s*:\s*\S",
    _I,
)
# Fields of a masthead or meta line: "Evening Post | City | 2023-10-05", "By X · 3 May 2024".
_META_SEP = re.compile(r"\s*[|·•]\s*|\s+[–—-]\s+")
_READING_TIME = re.compile(
    r"^(?:\d{1,3}[\s-]*min(?:ute)?s?\.?\s+read|reading\s+time\s*:?\s*\d{1,3}\s*min(?:ute)?s?\.?)$",
    _I,
)
_USER_HANDLE = re.compile(r"^[a-z][a-z0-9._-]{1,30}$")  # "admin": a CMS account, not a name
# Section and outlet fields run to four words ("Harnau Evening Post"); longer ones are prose.
_MAX_SECTION_WORDS = 4
_URL = re.compile(r"https?://\S+|www\.\S+", _I)
_BARE_URL = re.compile(r"^(?:https?://|www\.)\S+$", _I)
_SPAM = re.compile(
    r"\b(?:judi|togel|gacor|sbobet|maxwin|slot\s*(?:online|gacor|\d+)|bandar\s*(?:bola|togel)"
    r"|agen\s*(?:bola|bandar|judi|slot)|(?:online\s+casino|casino\s+online)|poker\s+online)\b",
    _I,
)
_ELLIPSIS_END = re.compile(r"(?:…|\.\.\.|\[…\]|\[\.\.\.\])\s*(?:read\s+more\s*(?:»|>)?)?$", _I)


def _is_terminal(line: str) -> bool:
    return bool(_TERMINAL.search(line))


def _norm(text: str) -> str:
    """Text reduced to lower-case words, to compare headlines however they are quoted."""
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def _is_short_name(name: str) -> bool:
    words = name.split()
    return 0 < len(words) <= _MAX_NAME_WORDS and all(_NAME_WORD.match(w) for w in words)


def _is_source_line(line: str) -> bool:
    """A lone outlet name such as "AT News": a few capitalised words ending in an outlet word."""
    return _is_short_name(line) and len(line.split()) <= 4 and bool(_OUTLET_WORD.search(line))


def _is_widget(line: str) -> bool:
    """Share and follow buttons, newsletter calls, ads, copyright notices, spam and URL lists."""
    words = line.split()
    if _AD.match(line) or (_TERM_LIST.match(line) and not _is_terminal(line)):
        return True
    if len(words) <= _MAX_WIDGET_WORDS * 2 and (
        _COPYRIGHT.search(line) or _CALL_TO_ACTION.match(line)
    ):
        return True
    tokens = re.findall(r"[\w+'-]+", line.lower())
    if tokens and set(tokens) <= _SHARE_WORDS and set(tokens) & _SHARE_STRONG:
        return True
    url_chars = sum(len(m) for m in _URL.findall(line))
    # At least half URL by length: a link list, not a sentence that cites one link.
    if url_chars * 2 >= len("".join(words)) > 0:
        return True
    return bool(_SPAM.search(line)) and (len(words) <= _MAX_WIDGET_WORDS or url_chars > 0)


def _looks_like_title(line: str, next_line: str) -> bool:
    words = line.split()
    if _BARE_URL.match(next_line):
        # A saved page's header, "headline / its URL / date": the line above the URL is the
        # headline, even as a question or two sentences ("... laws. Is Florida next?").
        return len(words) <= _MAX_TITLE_WORDS
    return (
        len(words) <= _MAX_TITLE_WORDS
        and not _is_terminal(line)
        and not line[:1].islower()
        and line[-1] not in ":;,-–—"  # "KABUL (AP) —" on its own line starts the story
        and not next_line[:1].islower()  # a hard-wrapped first sentence, not a headline
    )


def _is_teaser_material(line: str) -> bool:
    """Headlines, cut-off excerpts and links as listed under "Check Also" and the like."""
    without_urls = _URL.sub("", line).strip()
    return (
        (not _is_terminal(line) and len(line.split()) <= _MAX_TITLE_WORDS)
        or bool(_ELLIPSIS_END.search(without_urls))
        or _is_widget(line)
        or split_date_label(line)[0] is not None
    )


def _meta_fields(line: str) -> tuple[list[tuple[str | None, str]], list[str], list[str]] | None:
    """Dates, authors and outlets of a masthead or meta line; None when `line` is not one.

    Every field must be a date, a "By Name" byline, a reading time, a comment count, a CMS
    account or a short capitalised name (section or outlet), and one must be a date, byline or
    reading time: so "Home | World" and any field holding prose keep the line.
    """
    fields = [f for f in (f.strip() for f in _META_SEP.split(line)) if f]
    if len(fields) < 2:
        return None
    dates: list[tuple[str | None, str]] = []
    authors: list[str] = []
    outlets: list[str] = []
    anchored = False
    for text in fields:
        date = read_date_only(text)
        byline = _BYLINE.match(text)
        if date is not None:
            dates.append(date)
        elif byline and _is_short_name(byline["name"].strip()):
            authors.append(byline["name"].strip())
        elif _READING_TIME.match(text):
            anchored = True
        elif _is_short_name(text) and len(text.split()) <= _MAX_SECTION_WORDS:
            outlets += [text] if _OUTLET_WORD.search(text) else []
        elif not (_USER_HANDLE.match(text) or _COMMENTS_HEAD.match(text)):
            return None
    return (dates, authors, outlets) if dates or authors or anchored else None


# --- The scan --------------------------------------------------------------------------------


@dataclass
class _Scan:
    """What one pass over an article's lines has kept and found (mutable: it is filled in)."""

    title_hint: str | None = None
    title: str | None = None
    url: str | None = None
    author: str | None = None
    outlets: list[str] = field(default_factory=list)
    dates: list[tuple[str | None, str]] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    dropped: int = 0


def _scan(lines: list[str], known_title: str | None) -> _Scan:
    scan = _Scan()
    in_teaser = False
    joinable = False  # the last kept line and this one are in the same block
    for index, raw_line in enumerate(lines):
        line = raw_line.strip()
        if not line:
            joinable = False
            continue
        head = not scan.paragraphs
        plain = markdown_plain(line)  # what the rules read; `line` is what the body keeps
        next_line = markdown_plain(lines[index + 1].strip()) if index + 1 < len(lines) else ""
        if in_teaser and (not plain or _is_teaser_material(plain)):
            continue  # its date, byline or title belongs to another story
        in_teaser = False
        found_date, rest = split_date_label(plain)
        if found_date is not None:
            scan.dates.append(found_date)
            if not rest:
                continue
            # Keep what follows the label, when that is the line's own text and so verbatim.
            plain, line = rest, (rest if line.endswith(rest) else line)
        if _TEASER_HEAD.match(plain) or _COMMENTS_HEAD.match(plain):
            if not head:
                break  # a related-stories block or comment section follows the article text
            in_teaser = True  # a sidebar above the article: skip it, keep what follows
            continue
        if not plain or _drop_line(scan, line, plain, head, next_line, known_title):
            scan.dropped += 1
            continue
        heading = heading_text(line)
        previous = scan.paragraphs[-1] if scan.paragraphs else ""
        if heading is None and joinable and line[:1].islower() and not _is_terminal(previous):
            scan.paragraphs[-1] = f"{previous} {line}"
        else:
            scan.paragraphs.append(heading or line)
        joinable = heading is None  # a heading is a block of its own
    return scan


def _drop_line(
    scan: _Scan, raw: str, line: str, head: bool, next_line: str, known: str | None
) -> bool:
    """Whether `raw` (read as its plain view `line`) is boilerplate; records its metadata."""
    if head and _BREADCRUMB.match(line) and not _is_terminal(line):
        *sections, last = _CRUMB_SEP.split(line)
        if sections and all(len(s.split()) < _MIN_HINT_WORDS for s in sections):
            # "Home / World" ends in a section, not a headline; headlines run longer.
            if len(last.split()) >= _MIN_HINT_WORDS:
                scan.title_hint = last
            return True
    if head and _BARE_URL.match(line) and scan.url is None:
        scan.url = line  # the page's own address, in a saved page's header
        return True
    if is_link_list(raw):
        return True
    if (head and _KICKER.match(line)) or _STORY_CODE.match(line) or _COMMENT_FIELD.match(line):
        return True
    meta = _meta_fields(line)
    if meta is not None:
        scan.dates += meta[0]
        scan.author = scan.author or next(iter(meta[1]), None)
        scan.outlets[:0] = meta[2]  # a masthead states the outlet, like a source line
        return True
    byline = _BYLINE.match(line)
    if byline and _is_short_name(byline["name"].strip()):
        scan.author = scan.author or byline["name"].strip()
        return True
    about = _ABOUT.match(line)
    if about and not _is_terminal(line) and len(about["name"].split()) <= _MAX_NAME_WORDS:
        if _OUTLET_WORD.search(about["name"].strip()):
            scan.outlets.append(about["name"].strip())
        return True
    if _TEASER_INLINE.match(line) or _is_widget(line):
        return True
    if not head:
        return False
    date = read_date_only(line)
    if date is not None:
        scan.dates.append(date)  # a bare "September 2, 2024" above the story
        return True
    if any(t and _norm(line) == _norm(t) for t in (known, scan.title_hint, scan.title)):
        scan.title = scan.title or line
        return True
    if _is_source_line(line):
        scan.outlets.insert(0, line)  # a stated source outranks "About ..." and datelines
        return True
    if scan.title is None and (heading_text(raw) or _looks_like_title(line, next_line)):
        scan.title = line  # a Markdown heading above the story is its headline, however long
        return True
    return False


# --- Public entry point ----------------------------------------------------------------------


def _given(value: str | None) -> str | None:
    value = value.strip() if value is not None else None
    return value or None


def clean_article(
    text: str,
    *,
    title: str | None = None,
    url: str | None = None,
    published: str | None = None,
    outlet: str | None = None,
) -> CleanedArticle:
    """Clean one article's plain text; keyword metadata wins over what is found in the text.

    Keyword values come from a structured record (e.g. JSON); empty strings count as absent.
    A `published` value is read with parse_published. Of all dates found, the first one with a
    full ISO value wins (keyword first, then the page's date lines, then a wire dateline), so a
    page's "March 18, 2017" beats a record's bare "July 2".
    """
    title, url, published, outlet = map(_given, (title, url, published, outlet))
    scan = _scan(text.splitlines(), title)
    dates = list(scan.dates)
    outlets = list(scan.outlets)
    for paragraph in scan.paragraphs[:_DATELINE_PARAGRAPHS]:
        dateline_outlet, dateline_date = read_dateline(paragraph)
        if dateline_outlet or dateline_date:
            outlets += [dateline_outlet] if dateline_outlet else []
            dates += [dateline_date] if dateline_date else []
            break
    if published is not None:
        iso, raw = parse_published(published)
        dates.insert(0, (iso, raw or published))
    # A full date beats a partial one from anywhere; among equals the keyword, then the page.
    chosen = next((d for d in dates if d[0] is not None), dates[0] if dates else (None, None))
    logger.debug("dropped %d boilerplate lines, kept %d", scan.dropped, len(scan.paragraphs))
    return CleanedArticle(
        title=title or scan.title or scan.title_hint,
        body="\n\n".join(scan.paragraphs),
        published=chosen[0],
        published_raw=chosen[1],
        outlet=outlet or (outlets[0] if outlets else None),
        author=scan.author,
        url=url or scan.url,
    )


# A title made from a story's first sentence is cut to about a headline's length.
_FALLBACK_TITLE_WORDS = 12
_MIN_FALLBACK_WORDS = 3
# "VT-HARNAU: ", "WASHINGTON (AP) — ": a wire lead-in, not part of what the story is about.
_LEAD_IN = re.compile(r"^[A-Z][A-Z.'’/ -]{1,40}?(?:\s*[(\[][^)\]]{1,40}[)\]])?\s*[:–—-]+\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’]?\s+(?=[\"“‘(]?[A-Z0-9])")


def fallback_title(body: str, source: str) -> str:
    """A readable title for a story that states none: its first sentence, cut to headline
    length, or else its file name in words."""
    first = _LEAD_IN.sub("", without_dateline(body.strip().split("\n", 1)[0]))
    sentence = _first_sentence(first)
    words = sentence.split()
    if len(words) >= _MIN_FALLBACK_WORDS:
        if len(words) <= _FALLBACK_TITLE_WORDS:
            return sentence.rstrip(".")
        return " ".join(words[:_FALLBACK_TITLE_WORDS]).rstrip(",;:–—-") + "…"
    stem = Path(source.split("#", 1)[0]).stem
    return " ".join(re.split(r"[-_.\s]+", stem)).strip() or source


# Titles and initials whose full stop ends no sentence.
_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "st", "jr", "sr", "gen", "sen", "rep", "gov", "lt", "col", "sgt"}
    | {"capt", "prof", "no", "inc", "co", "corp", "ltd", "vs"}
)


def _first_sentence(text: str) -> str:
    for end in _SENTENCE_END.finditer(text):
        word = text[: end.start()].rsplit(None, 1)[-1].rstrip(".")
        # "Dr.", "U.S.", "J.": not the end of the sentence.
        if word.lower() not in _ABBREVIATIONS and "." not in word and len(word) > 1:
            return text[: end.start()].strip()
    return text.strip()


def clean_html(html: str) -> CleanedArticle:
    """Clean an HTML page: its visible text, with the metadata its tags declare.

    What the page's markup states (<time datetime>, meta tags, <h1>) wins over what is read from
    its text, as keyword metadata does in clean_article.
    """
    page = html_metadata(html)
    cleaned = clean_article(
        html_to_text(html),
        title=page.title,
        url=page.url,
        published=page.published,
        outlet=page.outlet,
    )
    return replace(cleaned, author=page.author or cleaned.author)
