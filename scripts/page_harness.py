"""What the page scripts share: the app served on loopback, and Debian's headless Chromium."""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from collections.abc import Iterator

import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

from service.api.app import create_app
from service.settings import Settings


@contextlib.contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """create_app(settings) on 127.0.0.1 and a free port; yields its base URL."""
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True


@contextlib.contextmanager
def chromium(width: int = 1100, height: int = 900) -> Iterator[WebDriver]:
    """Debian's chromium, headless, driven by its chromium-driver (never one fetched online)."""
    os.environ.setdefault("SE_OFFLINE", "true")
    options = Options()
    options.binary_location = shutil.which("chromium") or "chromium"
    # --no-sandbox: these scripts run as root in containers, where the sandbox refuses.
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument(f"--window-size={width},{height}")
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        yield driver
    finally:
        driver.quit()
