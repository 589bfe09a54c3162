"""CORS: off unless FOOTNOTE_CORS_ORIGINS names origins; then their pages may call the API."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from indexer.embedding import SentenceTransformerEmbedder
from service.settings import Settings
from tests.api_server import LOOR_QUESTION, extractive_engine, serve
from tests.conftest import make_settings

PAGE = "http://localhost:3000"
KEY = "cors-test-key-0123456789"


def preflight(base: str, origin: str, method: str = "POST") -> httpx.Response:
    """What a browser sends before a cross-origin POST with a JSON body and an API key."""
    return httpx.options(
        f"{base}/v1/ask",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


@pytest.fixture(scope="module")
def open_to_page(sample_settings: Settings, embedder: SentenceTransformerEmbedder) -> Iterator[str]:
    settings = make_settings(
        sample_settings.index_dir, llm="extractive", cors_origins=PAGE, api_keys=KEY
    )
    with serve(settings, extractive_engine(settings, embedder)) as base:
        yield base


@pytest.fixture(scope="module")
def cors_off(sample_settings: Settings, embedder: SentenceTransformerEmbedder) -> Iterator[str]:
    settings = make_settings(sample_settings.index_dir, llm="extractive")
    with serve(settings, extractive_engine(settings, embedder)) as base:
        yield base


def test_a_listed_origin_passes_the_preflight_without_a_key(open_to_page: str) -> None:
    response = preflight(open_to_page, PAGE)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == PAGE
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed


def test_a_listed_origin_reads_answers_and_refusals(open_to_page: str) -> None:
    headers = {"Origin": PAGE}
    answer = httpx.post(
        f"{open_to_page}/v1/ask",
        json={"question": LOOR_QUESTION},
        headers={**headers, "Authorization": f"Bearer {KEY}"},
        timeout=60,
    )
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == PAGE
    # A refused key is still readable by the page, so it can ask for another.
    refused = httpx.post(f"{open_to_page}/v1/ask", json={"question": "x"}, headers=headers)
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == PAGE
    exposed = refused.headers["access-control-expose-headers"].lower()
    assert "www-authenticate" in exposed and "x-request-id" in exposed


def test_another_origin_is_refused(open_to_page: str) -> None:
    response = preflight(open_to_page, "http://evil.example")
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers
    plain = httpx.get(f"{open_to_page}/healthz", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in plain.headers


def test_cors_is_off_by_default(cors_off: str) -> None:
    response = preflight(cors_off, PAGE)
    assert response.status_code == 405
    assert "access-control-allow-origin" not in response.headers
    plain = httpx.get(f"{cors_off}/healthz", headers={"Origin": PAGE})
    assert "access-control-allow-origin" not in plain.headers


@pytest.mark.parametrize("value", ["localhost:3000", "http://localhost:3000/app", "ftp://x"])
def test_an_origin_that_is_not_an_origin_is_refused_at_startup(value: str) -> None:
    with pytest.raises(ValueError, match="scheme://host"):
        Settings(cors_origins=value)
