"""Screenshots of the web page for the README: an answer with citations, an opened article.

Usage: .venv/bin/python scripts/page_screenshots.py [INDEX_DIR] [OUT_DIR]
(defaults: data/demo-index, which `make demo` builds, and docs/). Needs Debian's chromium and
chromium-driver (`make browser`). Uses the extractive backend, so the shots are reproducible.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.page_harness import chromium, serving  # noqa: E402
from service.settings import Settings  # noqa: E402

QUESTION = "Who signed the port agreement?"


def main(index_dir: Path, out: Path) -> None:
    """Serve `index_dir` on loopback, ask one question, save the two shots into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    settings = Settings(index_dir=index_dir, llm="extractive")
    with serving(settings) as url, chromium(900, 1000) as driver:
        wait = WebDriverWait(driver, 120)
        driver.get(url)
        driver.find_element(By.ID, "question").send_keys(QUESTION, Keys.ENTER)
        wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".short-answer")))
        driver.save_screenshot(str(out / "page-answer.png"))
        driver.find_element(By.CSS_SELECTOR, ".short-answer .cite").click()
        wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#article mark")))
        time.sleep(0.3)  # let the scroll settle
        driver.save_screenshot(str(out / "page-article.png"))
    print(f"wrote {out / 'page-answer.png'} and {out / 'page-article.png'}")


if __name__ == "__main__":
    args = sys.argv[1:]
    main(Path(args[0] if args else "data/demo-index"), Path(args[1] if len(args) > 1 else "docs"))
