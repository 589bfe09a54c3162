"""Reading files that are not UTF-8: the legacy code page whose reading is cleanest wins."""

from __future__ import annotations

import pytest

from indexer.encodings import decode_bytes, mojibake_score
from tests.conftest import shared_path

RUSSIAN = "Министр иностранных дел Сергей Лавров заявил в среду, что переговоры продолжатся."
POLISH = "Minister środowiska powiedział, że to ważny krok; ustawę podpisał prezydent."
CZECH = "Předseda vlády řekl, že Česká republika podpoří dohodu. Škoda oznámila nový závod."
WESTERN = "Peña said the “port deal” cost £20m – 2½ times the café’s budget in Zürich."


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (RUSSIAN, "cp1251"),
        ("Москва", "cp1251"),  # one word is enough: Latin readings are all accented letters
        (POLISH, "iso8859-2"),
        (POLISH, "cp1250"),
        (CZECH, "cp1250"),
        (WESTERN, "cp1252"),
        ("Die Straße in München wurde größer.", "cp1252"),
    ],
)
def test_a_legacy_file_is_read_in_its_own_code_page(text: str, encoding: str) -> None:
    decoded = decode_bytes(text.encode(encoding))
    assert decoded.text == text
    assert decoded.how == "detected"


def test_the_old_fallback_would_have_made_mojibake_that_the_score_sees() -> None:
    # What indexing did before: every non-UTF-8 file read as Windows-1252.
    assert mojibake_score(RUSSIAN.encode("cp1251").decode("cp1252")) > 0
    assert mojibake_score(POLISH.encode("iso8859-2").decode("cp1252")) > 0
    assert mojibake_score(RUSSIAN) == mojibake_score(POLISH) == mojibake_score(WESTERN) == 0


def test_utf8_wins_and_a_bom_is_dropped() -> None:
    decoded = decode_bytes(("\ufeff" + RUSSIAN).encode())
    assert (decoded.text, decoded.how) == (RUSSIAN, "utf-8")
    assert decode_bytes(b"\xef\xbb\xbfplain").text == "plain"


def test_an_html_page_is_read_in_the_charset_it_declares() -> None:
    # Three letters are too few to judge; the page's own declaration settles it.
    page = '<html><head><meta charset="windows-1250"></head><body>Šťá</body></html>'
    decoded = decode_bytes(page.encode("cp1250"), html=True)
    assert (decoded.encoding, decoded.how) == ("cp1250", "declared")
    assert "Šťá" in decoded.text
    legacy = '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1"><p>€5'
    assert decode_bytes(legacy.encode("cp1252"), html=True).text.endswith("€5")


def test_a_page_that_lies_about_utf8_is_judged_by_its_bytes() -> None:
    page = f'<meta charset="utf-8"><p>{RUSSIAN}</p>'
    decoded = decode_bytes(page.encode("cp1251"), html=True)
    assert (decoded.encoding, decoded.how) == ("cp1251", "detected")
    assert RUSSIAN in decoded.text


def test_bytes_only_latin2_can_read_are_read_as_latin2() -> None:
    # 0x81 is undefined in Windows-1252 and -1250, 0x98 in -1251; Latin-2 reads every byte.
    decoded = decode_bytes(b"\x81\x98 plain words")
    assert (decoded.encoding, decoded.text) == ("iso8859-2", "\x81\x98 plain words")


def test_real_western_articles_saved_as_windows_1252_come_back_unchanged() -> None:
    # The real 2024 news articles, each saved as Windows-1252 where it can be: names with ñ
    # and æ, £, ½ and curly quotes must not be "corrected" into Central European letters.
    corpus = shared_path("datasets", "rtqa-2024-dev", "corpus")
    checked = changed = 0
    for path in sorted(corpus.glob("*.txt"))[:400]:
        text = path.read_text(encoding="utf-8")
        try:
            data = text.encode("cp1252")
        except UnicodeEncodeError:
            continue
        if data.isascii():
            continue
        checked += 1
        changed += decode_bytes(data).text != text
    assert checked > 250
    assert changed <= checked // 100, f"{changed} of {checked} articles misread"
