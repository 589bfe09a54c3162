"""Strip boilerplate from scraped news articles and pick up the title, date, outlet and author.

Cleaning works line by line with rules for *families* of boilerplate (breadcrumbs, kickers, date
and byline labels, related-story teasers, comment forms, share widgets, link spam). A line is
either kept byte for byte (less surrounding whitespace) or dropped whole, so every sentence of an
article survives verbatim; when unsure, a line is kept. Two exceptions: a bracketed date label
glued to the text after it, "(Last Updated On: May 2, 2019)The ...", loses only the label; and a
hard-wrapped line (lower-case start, previous line unfinished) is joined on with one space.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from indexer.dates import parse_published, split_date_label

__all__ = ["CleanedArticle", "clean_article", "html_to_text", "parse_published"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CleanedArticle:
    """An article's body text with boilerplate removed, and the metadata found in it."""

    title: str | None  # as written on the page (quotes kept), or the caller's
    body: str  # paragraphs joined by "\n\n"; no title line, no boilerplate
    published: str | None  # ISO "YYYY-MM-DD"; None when unknown or partial (no year)
    published_raw: str | None  # the date as found, e.g. "March 18, 2017" or "July 2"
    outlet: str | None  # publisher or agency when stated, e.g. "ANI", "AT News"
    author: str | None  # from a "By: Name" line
    url: str | None


# --- HTML ------------------------------------------------------------------------------------

_BLOCK_TAGS = frozenset({
    "address", "article", "blockquote", "br", "caption", "dd", "details", "div", "dl", "dt",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "main", "ol", "p",
    "pre", "section", "summary", "table", "tbody", "td", "th", "thead", "tr", "ul",
})  # fmt: skip
_HIDDEN_TAGS = frozenset({
    "aside", "button", "footer", "form", "head", "header", "iframe", "nav", "noscript", "script",
    "select", "style", "svg", "template", "textarea",
})  # fmt: skip


class _VisibleText(HTMLParser):
    """Collects visible text as paragraphs; <br> ends one too, as scrapes use <br><br> for them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._pieces: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden_depth += 1
        elif tag in _BLOCK_TAGS:
            self.flush()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # A self-closed <div/> or <br/> opens nothing, so it must not count as hidden depth.
        if tag in _BLOCK_TAGS:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
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

    script, style, nav, header, footer, aside and form contents are dropped; only the standard
    library's html.parser is used, so malformed pages degrade instead of raising.
    """
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    parser.flush()
    return "\n\n".join(parser.paragraphs)


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
    r"|gazette|journal|wire|service|online|broadcasting|channel|magazine|chronicle|observer)$",
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
    "vk", "pocket",
}  # fmt: skip
_URL = re.compile(r"https?://\S+|www\.\S+", _I)
_SPAM = re.compile(
    r"\b(?:judi|togel|gacor|sbobet|maxwin|slot\s*(?:online|gacor|\d+)|bandar\s*(?:bola|togel)"
    r"|agen\s*(?:bola|bandar|judi|slot)|(?:online\s+casino|casino\s+online)|poker\s+online)\b",
    _I,
)
_ELLIPSIS_END = re.compile(r"(?:…|\.\.\.|\[…\]|\[\.\.\.\])\s*(?:read\s+more\s*(?:»|>)?)?$", _I)
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][^\s:(),]*(?:\s+[^\s:(),]+){0,5}?)(?:,\s*(?P<date>[^():]{3,30}?))?"
    r"\s*\((?P<paren>[A-Z][A-Za-z&.' ]{1,40})\)\s*(?:[-–—]\s*[^:]{0,40})?[:\-–—](?:\s|$)"
)


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
    """Share buttons, ads, copyright notices, link spam and URL lists."""
    words = line.split()
    if _AD.match(line) or (len(words) <= _MAX_WIDGET_WORDS * 2 and _COPYRIGHT.search(line)):
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


def _dateline(paragraph: str) -> tuple[str | None, tuple[str | None, str] | None]:
    """Outlet and date in a wire dateline, "Moscow [Russia], July 2 (ANI): ..."."""
    match = _DATELINE.match(paragraph)
    if not match:
        return None, None
    place, paren = match["place"], match["paren"].strip()
    initials = "".join(w[0] for w in place.split() if w[0].isupper())
    # "Afghan Voice Agency (AVA) - ...:" names the outlet in full before its abbreviation.
    outlet = f"{place} ({paren})" if initials == paren.replace(".", "") else paren
    found = None
    if match["date"]:
        iso, raw = parse_published(match["date"])
        found = (iso, raw) if raw is not None else None
    return (outlet if len(paren.split()) <= 4 else None), found


# --- The scan --------------------------------------------------------------------------------


@dataclass
class _Scan:
    """What one pass over an article's lines has kept and found (mutable: it is filled in)."""

    title_hint: str | None = None
    title: str | None = None
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
        next_line = lines[index + 1].strip() if index + 1 < len(lines) else ""
        if in_teaser and _is_teaser_material(line):
            continue  # its date, byline or title belongs to another story
        in_teaser = False
        found_date, line = split_date_label(line)
        if found_date is not None:
            scan.dates.append(found_date)
            if not line:
                continue
        if (_TEASER_HEAD.match(line) or _COMMENTS_HEAD.match(line)) and not head:
            break  # a related-stories block or comment section follows the article text
        if _TEASER_HEAD.match(line) or _COMMENTS_HEAD.match(line):
            in_teaser = True  # a sidebar above the article: skip it, keep what follows
            continue
        if _drop_line(scan, line, head, next_line, known_title):
            scan.dropped += 1
            continue
        previous = scan.paragraphs[-1] if scan.paragraphs else ""
        if joinable and line[:1].islower() and not _is_terminal(previous):
            scan.paragraphs[-1] = f"{previous} {line}"
        else:
            scan.paragraphs.append(line)
        joinable = True
    return scan


def _drop_line(scan: _Scan, line: str, head: bool, next_line: str, known: str | None) -> bool:
    """Whether `line` is boilerplate; records any metadata it carries on `scan`."""
    if head and _BREADCRUMB.match(line) and not _is_terminal(line):
        *sections, last = _CRUMB_SEP.split(line)
        if sections and all(len(s.split()) < _MIN_HINT_WORDS for s in sections):
            # "Home / World" ends in a section, not a headline; headlines run longer.
            if len(last.split()) >= _MIN_HINT_WORDS:
                scan.title_hint = last
            return True
    if (head and _KICKER.match(line)) or _STORY_CODE.match(line) or _COMMENT_FIELD.match(line):
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
    if any(t and _norm(line) == _norm(t) for t in (known, scan.title_hint, scan.title)):
        scan.title = scan.title or line
        return True
    if _is_source_line(line):
        scan.outlets.insert(0, line)  # a stated source outranks "About ..." and datelines
        return True
    if scan.title is None and _looks_like_title(line, next_line):
        scan.title = line
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
        dateline_outlet, dateline_date = _dateline(paragraph)
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
        url=url,
    )
