"""First answer token: on the web page against over plain HTTP (what curl sees), same server.

Serves a store with the default llama.cpp backend on loopback, then for each question times
(a) POST /v1/chat with stream=true until its first `token` event, read with httpx, and (b) the
page in headless Chromium from pressing Enter until the model's first words show. Prints the
numbers; asserts nothing. Needs Debian's chromium and chromium-driver (`make browser`).

    .venv/bin/python benchmarks/page_first_token.py [INDEX_DIR]   # default data/demo-index
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import httpx

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.page_harness import chromium, serving  # noqa: E402
from service.settings import Settings  # noqa: E402

QUESTIONS = [
    "Who signed the port agreement?",
    "When did Matthis Loor take charge of the maritime ministry?",
    "How much grey salt did police find hidden in the tile shipment?",
    "Who commanded the Silver Tide exercise?",
    "How much will the Tessel flood barrier cost?",
]
# Asked between timed questions, so no timed prompt starts on another's cached prompt.
FLUSH_QUESTION = "What did the harbour authority say about the budget?"
# Submit the question, then resolve with the milliseconds until the provisional text first
# shows model words (or the settled answer, when the model wrote nothing before it).
_PAGE_TIMER = """
const [question, done] = arguments;
const list = document.getElementById('conversation');
const start = performance.now();
const seen = () => {
  const item = list.lastElementChild;
  if (!item) return false;
  const p = item.querySelector('.provisional');
  return (p && p.textContent !== 'Searching the articles…') || item.querySelector('.grounding');
};
const observer = new MutationObserver(() => {
  if (seen()) { observer.disconnect(); done(performance.now() - start); }
});
observer.observe(list, {subtree: true, childList: true, characterData: true});
document.getElementById('question').value = question;
document.getElementById('ask-form').requestSubmit();
"""


def http_first_token_ms(url: str, question: str) -> float:
    """Milliseconds from sending the question to its first streamed token event."""
    body = {"messages": [{"role": "user", "content": question}], "stream": True}
    start = time.perf_counter()
    elapsed = None
    with httpx.stream("POST", f"{url}/v1/chat", json=body, timeout=300) as response:
        # Read to the end, so the next question starts on an idle model.
        for line in response.iter_lines():
            if elapsed is None and line in ("event: token", "event: final"):
                elapsed = (time.perf_counter() - start) * 1000
    if elapsed is None:
        raise RuntimeError("the stream ended without a token")
    return elapsed


def main(index_dir: Path) -> None:
    """Time both ways for every question; print each and the medians."""
    http_ms, page_ms = [], []
    settings = Settings(index_dir=index_dir, llm="llamacpp")
    with serving(settings) as url, chromium() as driver:
        driver.set_script_timeout(300)
        http_first_token_ms(url, FLUSH_QUESTION)  # warm-up: the first generation is slower
        driver.get(url)
        for question in QUESTIONS:
            # llama.cpp reuses the cached prompt when the next one starts the same way, so each
            # timed question follows a different one: neither side gets the other's cache.
            http_first_token_ms(url, FLUSH_QUESTION)
            http_ms.append(http_first_token_ms(url, question))
            http_first_token_ms(url, FLUSH_QUESTION)
            page_ms.append(float(driver.execute_async_script(_PAGE_TIMER, question)))
            time.sleep(0.5)
            driver.execute_script(
                "return new Promise(r => { const wait = () => "
                "document.getElementById('ask-button').disabled ? setTimeout(wait, 100) : r(); "
                "wait(); });"
            )
            print(f"{question[:60]:60}  http {http_ms[-1]:7.0f} ms   page {page_ms[-1]:7.0f} ms")
    print(
        f"first token p50: http {statistics.median(http_ms):.0f} ms, "
        f"page {statistics.median(page_ms):.0f} ms ({len(QUESTIONS)} questions, llama.cpp)"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "data/demo-index"))
