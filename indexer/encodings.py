"""Bytes to text: UTF-8, an HTML page's declared charset, or the legacy code page that reads best.

Old scrapes come in single-byte code pages that every byte sequence decodes in, so the choice
is a judgement: each candidate's reading is scored for mojibake (C1 control characters, symbols
glued to letters, words mixing Latin and Cyrillic letters, Latin words made mostly of accented
letters, letters glued to digits as in "Ł20"), and the cleanest wins. Where readings tie but
differ (Czech in Windows-1250 also reads cleanly as Windows-1252), charset-normalizer's language
coherence decides, and Windows-1252 stays unless another reading is clearly more coherent:
most archives are Western, and a Spanish "ñ" must not turn into Polish "ń". Short non-Western
texts can still be misread; the caller says which code page was used, so a person can tell.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

from charset_normalizer import from_bytes

# Western, Central European and Cyrillic Windows code pages, and ISO Latin-2; ties go to the first.
LEGACY_ENCODINGS = ("cp1252", "cp1250", "cp1251", "iso8859_2")
# How much more coherent (charset-normalizer's score) another reading must be to beat cp1252.
_COHERENCE_MARGIN = 0.005
# An HTML page names its charset in a <meta> near the top.
_HTML_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HTML_SNIFF_BYTES = 4096
_WORD = re.compile(r"[^\W\d_]+")
_LETTER_BY_DIGIT = re.compile(r"(?<=[0-9])[^\x00-\x7f]|[^\x00-\x7f](?=[0-9])")
# Mojibake penalties: a C1 control is near proof of a wrong code page; the rest are hints.
_C1_CONTROL = 5
_MIXED_SCRIPTS = 5
_MOSTLY_ACCENTED = 3
_GLUED = 2


@dataclass(frozen=True)
class Decoded:
    """A file's text and the encoding it was read with."""

    text: str
    encoding: str
    """Python's name for it: 'utf-8', 'cp1252', 'iso8859-2'..."""
    how: str
    """'utf-8', 'declared' (an HTML page's charset) or 'detected' (a legacy code page)."""


def decode_bytes(data: bytes, *, html: bool = False) -> Decoded:
    """The text of `data`: UTF-8 (BOM allowed), an HTML page's declared charset, or the legacy
    code page whose reading has the least mojibake."""
    try:
        return Decoded(data.decode("utf-8-sig"), "utf-8", "utf-8")
    except UnicodeDecodeError:
        pass
    declared = _declared_charset(data) if html else None
    if declared is not None:
        try:
            return Decoded(data.decode(declared), declared, "declared")
        except UnicodeDecodeError:
            pass  # the page lies about its charset: judge the bytes instead
    # Never empty: ISO-8859-2 gives every byte a character (0x80-0x9F as C1 controls).
    readings = {}
    for encoding in LEGACY_ENCODINGS:
        try:
            readings[encoding] = data.decode(encoding)
        except UnicodeDecodeError:
            continue
    encoding = _most_plausible(data, readings)
    return Decoded(readings[encoding], codecs.lookup(encoding).name, "detected")


def mojibake_score(text: str) -> int:
    """How much `text` looks like bytes read in the wrong code page; 0 for clean text."""
    score = 0
    for i, ch in enumerate(text):
        code = ord(ch)
        if 0x80 <= code <= 0x9F:
            score += _C1_CONTROL
        elif _is_latin_symbol(ch) and _next_to_letter(text, i):
            score += _GLUED  # "wa¿ny", "podpisa³": Latin-2 letters read as Windows-1252
    score += _GLUED * sum(m.group().isalpha() for m in _LETTER_BY_DIGIT.finditer(text))
    for match in _WORD.finditer(text):
        word = match.group()
        scripts = {_script(ch) for ch in word}
        if {"cyrillic", "latin"} <= scripts:
            score += _MIXED_SCRIPTS
        elif "latin" in scripts and len(word) >= 3 and 2 * _non_ascii(word) > len(word):
            score += _MOSTLY_ACCENTED  # "Ìîñêâà": Cyrillic read as Windows-1252
    return score


def _most_plausible(data: bytes, readings: dict[str, str]) -> str:
    scores = {encoding: mojibake_score(text) for encoding, text in readings.items()}
    lowest = min(scores.values())
    tied = [encoding for encoding in LEGACY_ENCODINGS if scores.get(encoding) == lowest]
    if len({readings[encoding] for encoding in tied}) == 1:
        return tied[0]
    c1_bytes = any(0x80 <= byte <= 0x9F for byte in data)
    if {"cp1250", "iso8859_2"} <= set(tied) and not c1_bytes:
        # Czech or Polish in Windows-1250 nearly always has bytes in 0x80-0x9F (š ž ś ź and
        # its quotes), where Latin-2 has none: without them, Latin-2 is the likelier writer.
        tied.remove("cp1250")
    return _most_coherent(data, tied, readings)


def _most_coherent(data: bytes, tied: list[str], readings: dict[str, str]) -> str:
    matches = list(from_bytes(data, cp_isolation=tied))
    if not matches:
        return tied[0]

    def merit(text: str) -> float:
        scores = [m.coherence - m.chaos for m in matches if str(m) == text]
        return max(scores, default=float("-inf"))

    best = max(tied, key=lambda encoding: merit(readings[encoding]))
    first = tied[0]
    if merit(readings[best]) > merit(readings[first]) + _COHERENCE_MARGIN:
        return best
    return first


def _declared_charset(data: bytes) -> str | None:
    match = _HTML_CHARSET.search(data[:_HTML_SNIFF_BYTES])
    if match is None:
        return None
    try:
        name = codecs.lookup(match.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None
    # Browsers read pages labelled Latin-1 or ASCII as Windows-1252 (WHATWG Encoding), and so
    # do we; a page that claims UTF-8 here is not (it failed to decode) and is judged instead.
    if name in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"
    return None if name.startswith("utf") else name


def _is_latin_symbol(ch: str) -> bool:
    code = ord(ch)
    in_range = 0xA1 <= code <= 0xBF or code in (0xD7, 0xF7) or 0x2C7 <= code <= 0x2DD
    return in_range and not ch.isalpha()


def _next_to_letter(text: str, i: int) -> bool:
    return (i > 0 and text[i - 1].isalpha()) or (i + 1 < len(text) and text[i + 1].isalpha())


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    if name.startswith("CYRILLIC"):
        return "cyrillic"
    return "latin" if name.startswith("LATIN") else "other"


def _non_ascii(word: str) -> int:
    return sum(ord(ch) > 0x7F for ch in word)
