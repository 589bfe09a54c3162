"""Screenshots of the web page for the README: an answer with citations, an opened article.

Usage: .venv/bin/python scripts/page_screenshots.py [INDEX_DIR] [OUT_DIR]
(defaults: data/demo-index, which `make demo` builds, and docs/). Needs Debian's chromium and
chromium-driver (`make browser`). Uses the extractive backend, so the shots are reproducible.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from pathlib import Path

import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("SE_OFFLINE", "true")

from service.api.app import create_app  # noqa: E402
from service.settings import Settings  # noqa: E402

QUESTION = "Who signed the port agreement?"


def main(index_dir: Path, out: Path) -> None:
    """Serve `index_dir` on loopback, ask one question, save the two shots into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    app = create_app(Settings(index_dir=index_dir, llm="extractive"))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.1)
    url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    options = Options()
    options.binary_location = shutil.which("chromium") or "chromium"
    for argument in ("--headless=new", "--no-sandbox", "--window-size=900,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    wait = WebDriverWait(driver, 120)
    try:
        driver.get(url)
        driver.find_element(By.ID, "question").send_keys(QUESTION, Keys.ENTER)
        wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".short-answer")))
        driver.save_screenshot(str(out / "page-answer.png"))
        driver.find_element(By.CSS_SELECTOR, ".short-answer .cite").click()
        wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#article mark")))
        time.sleep(0.3)  # let the scroll settle
        driver.save_screenshot(str(out / "page-article.png"))
    finally:
        driver.quit()
        server.should_exit = True
    print(f"wrote {out / 'page-answer.png'} and {out / 'page-article.png'}")


if __name__ == "__main__":
    args = sys.argv[1:]
    main(Path(args[0] if args else "data/demo-index"), Path(args[1] if len(args) > 1 else "docs"))
