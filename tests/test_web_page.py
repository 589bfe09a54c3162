"""The web page in a real headless Chromium (Debian's chromium and chromium-driver, Selenium).

Skipped, with the reason, where no Chromium is installed. The server is the real app on
loopback; the one faked process is Ollama, so the page can be watched while a model writes.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from indexer.embedding import SentenceTransformerEmbedder
from service.backends.ollama import OllamaBackend
from service.settings import Settings
from tests.api_server import LOOR_QUESTION, backend_engine, extractive_engine, serve
from tests.conftest import SAMPLE_NEWS, build_store, make_settings
from tests.fake_ollama import FakeOllama, OllamaScript

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="no Chromium here: install Debian's chromium and chromium-driver (make browser)",
)
KEY = "page-test-key-0123456789"
WAIT_S = 60
ABSENT_QUESTION = "Who won the 1998 Tour de France?"
PAGE_BUDGET_BYTES = 100_000


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    # Selenium must not look for a driver online: Debian's chromedriver is named below.
    os.environ.setdefault("SE_OFFLINE", "true")
    options = Options()
    options.binary_location = str(CHROMIUM)
    # --no-sandbox: CI and containers run the tests as root, where Chromium's sandbox refuses.
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument("--window-size=1100,900")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


def wait_for(driver: WebDriver, css: str, text: str = "") -> WebElement:
    """The first element matching `css` (containing `text`), waiting up to WAIT_S."""

    wait = WebDriverWait(driver, WAIT_S)
    if text:
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))
    return wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, css)))


def ask(driver: WebDriver, question: str) -> None:
    box = wait_for(driver, "#question")
    box.send_keys(question, Keys.ENTER)


def answers(driver: WebDriver) -> list[WebElement]:
    return driver.find_elements(By.CSS_SELECTOR, "#conversation > li")


@pytest.fixture(scope="module")
def streaming_site(sample_settings: Settings) -> Iterator[str]:
    # The model's pieces come a fifth of a second apart: the page must show them as they come.
    reply = ["Matthis ", "Loor ", "took ", "charge ", "in ", "November ", "2023 ", "[1]."]
    # Asked on every question, so that its pieces stream (by default only where they matter).
    settings = make_settings(sample_settings.index_dir, llm="ollama", ask_model_always=True)
    with FakeOllama(OllamaScript(reply=reply, piece_delay_s=0.2)) as fake:
        backend = OllamaBackend(model="llama3.2", host=fake.url, timeout_s=30)
        with serve(settings, backend_engine(settings, backend)) as url:
            yield url


def test_the_page_loads_offline_and_weighs_under_100_kb(streaming_site: str) -> None:
    total = 0
    for path in ("/", "/static/app.js", "/static/app.css"):
        response = httpx.get(streaming_site + path)
        assert response.status_code == 200
        assert "default-src 'none'" in response.headers["content-security-policy"]
        total += len(response.content)
    page = httpx.get(streaming_site + "/").text
    assert "http" not in page  # no CDN: nothing is fetched from off the machine
    assert total < PAGE_BUDGET_BYTES, f"{total} bytes"


def test_ask_streams_then_cites_and_a_citation_opens_the_highlighted_span(
    browser: WebDriver, streaming_site: str
) -> None:

    browser.get(streaming_site)
    ask(browser, LOOR_QUESTION)
    # The model's words show while it writes, before the checked answer replaces them.
    provisional = wait_for(browser, "#conversation .provisional", "Loor took")
    assert "November" not in provisional.text
    short = wait_for(browser, "#conversation .short-answer", "November 2023")
    badge = browser.find_element(By.CSS_SELECTOR, "#conversation .grounding")
    assert badge.text.startswith(("Verified", "Quoted"))
    assert not browser.find_elements(By.CSS_SELECTOR, "#conversation .provisional")

    answer = httpx.post(
        f"{streaming_site}/v1/ask", json={"question": LOOR_QUESTION}, timeout=60
    ).json()
    first = answer["short_answer"]["citation"]
    quote = next(c["quote"] for c in answer["citations"] if c["n"] == first)
    short.find_element(By.CSS_SELECTOR, ".cite").click()
    mark = wait_for(browser, "#article mark")
    assert " ".join(mark.text.split()) == " ".join(quote.split())
    in_view = browser.execute_script(
        "const m = arguments[0].getBoundingClientRect(), d = document.getElementById('article')"
        ".getBoundingClientRect(); return m.top >= d.top && m.bottom <= d.bottom;",
        mark,
    )
    assert in_view, "the quoted span is not scrolled into view"
    browser.find_element(By.ID, "close-article").click()


def test_a_follow_up_keeps_the_conversation_and_an_abstention_shows_closest_passages(
    browser: WebDriver, sample_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:

    settings = make_settings(sample_settings.index_dir, llm="extractive")
    with serve(settings, extractive_engine(settings, embedder)) as url:
        browser.get(url)
        ask(browser, "Who is Matthis Loor?")
        wait_for(browser, "#conversation > li:nth-child(1) .grounding")
        ask(browser, "When did he take charge of the ministry?")
        second = "#conversation > li:nth-child(2) > .answer > .meta"
        searched = wait_for(browser, second, "Searched for")
        assert "Loor" in searched.text

        ask(browser, ABSENT_QUESTION)
        wait_for(browser, "#conversation > li:nth-child(3) .grounding", "The articles don't say")
        third = answers(browser)[2]
        assert "Closest passages" in third.text
        third.find_element(By.CSS_SELECTOR, ".sources button").click()
        wait_for(browser, "#article mark")
        browser.find_element(By.ID, "close-article").click()


def test_documents_are_listed_uploaded_and_deleted(
    browser: WebDriver,
    tmp_path_factory: pytest.TempPathFactory,
    embedder: SentenceTransformerEmbedder,
    tmp_path: Path,
) -> None:

    settings = build_store(SAMPLE_NEWS, tmp_path_factory.mktemp("page-store"))
    settings = make_settings(settings.index_dir, llm="extractive")
    article = tmp_path / "lannick-ferry.txt"
    article.write_text(
        "Lannick ferry to run all winter\n\nPublished: 2024-11-02\n\nThe Lannick ferry will run "
        "every day this winter, the harbour master Ines Varga said on Saturday.\n",
        encoding="utf-8",
    )
    with serve(settings, extractive_engine(settings, embedder)) as url:
        browser.get(url)
        browser.find_element(By.ID, "show-documents").click()
        before = wait_for(browser, "#documents-summary", "articles").text
        browser.find_element(By.ID, "files").send_keys(str(article))
        browser.find_element(By.ID, "upload-button").click()
        wait_for(browser, "#upload-result", "lannick-ferry.txt: 1 article(s) indexed")
        row = wait_for(browser, "#documents tbody", "Lannick ferry to run all winter")
        assert wait_for(browser, "#documents-summary").text != before

        delete = row.find_element(
            By.CSS_SELECTOR, "button[aria-label='Delete Lannick ferry to run all winter']"
        )
        delete.click()
        WebDriverWait(browser, WAIT_S).until(ec.alert_is_present()).accept()
        wait_for(browser, "#upload-result", "Deleted lannick-ferry.txt")
        WebDriverWait(browser, WAIT_S).until(
            lambda d: (
                "Lannick ferry to run all winter" not in d.find_element(By.ID, "documents").text
            )
        )


def test_with_api_keys_the_page_asks_for_one_and_keeps_it_for_the_session(
    browser: WebDriver, sample_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:

    settings = make_settings(sample_settings.index_dir, llm="extractive", api_keys=KEY)
    with serve(settings, extractive_engine(settings, embedder)) as url:
        browser.get(url)
        browser.execute_script("sessionStorage.clear()")
        ask(browser, LOOR_QUESTION)
        wait_for(browser, "#key-dialog #api-key").send_keys("wrong-key-0123456789abc")
        browser.find_element(By.ID, "key-submit").click()
        wait_for(browser, "#key-error", "not valid")  # the server's reason, shown
        browser.find_element(By.ID, "api-key").send_keys(KEY)
        browser.find_element(By.ID, "key-submit").click()
        wait_for(browser, "#conversation .short-answer", "November 2023")
        stored = browser.execute_script("return sessionStorage.getItem('footnote-api-key')")
        assert stored == KEY


def test_the_page_works_from_the_keyboard_and_fits_a_phone(
    browser: WebDriver, sample_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    settings = make_settings(sample_settings.index_dir, llm="extractive")
    with serve(settings, extractive_engine(settings, embedder)) as url:
        browser.set_window_size(390, 844)  # a phone's viewport
        try:
            browser.get(url)
            ask(browser, LOOR_QUESTION)  # typed into the focused box, Enter asks
            wait_for(browser, "#conversation .short-answer", "November 2023")
            # Tab to the first citation and open it with Enter; Escape closes the article.
            focused = browser.switch_to.active_element
            for _ in range(20):
                focused.send_keys(Keys.TAB)
                focused = browser.switch_to.active_element
                if "cite" in (focused.get_attribute("class") or ""):
                    break
            assert "cite" in (focused.get_attribute("class") or ""), "no citation in tab order"
            focused.send_keys(Keys.ENTER)
            wait_for(browser, "#article mark")
            browser.switch_to.active_element.send_keys(Keys.ESCAPE)
            WebDriverWait(browser, WAIT_S).until(
                lambda d: not d.find_element(By.ID, "article").is_displayed()
            )
            overflow = browser.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"the page is {overflow}px wider than a phone's screen"
        finally:
            browser.set_window_size(1100, 900)
