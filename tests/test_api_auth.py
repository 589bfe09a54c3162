"""API keys: when FOOTNOTE_API_KEYS is set, everything but /healthz needs a valid Bearer key."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from indexer.embedding import SentenceTransformerEmbedder
from service.settings import Settings
from tests.api_server import LOOR_QUESTION, assert_problem, client, extractive_engine, serve
from tests.conftest import make_settings

KEYS = ("first-key-0123456789abcdef", "second-key-0123456789abcdef")


@pytest.fixture(scope="module")
def url(sample_settings: Settings, embedder: SentenceTransformerEmbedder) -> Iterator[str]:
    settings = make_settings(sample_settings.index_dir, llm="extractive", api_keys=",".join(KEYS))
    with serve(settings, extractive_engine(settings, embedder)) as base:
        yield base


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/v1/search?q=Sarvek"),
        ("POST", "/v1/ask"),
        ("POST", "/v1/chat"),
        ("GET", "/v1/documents"),
        ("GET", "/v1/documents/anything"),
        ("DELETE", "/v1/documents/anything"),
        ("POST", "/v1/documents"),
        ("GET", "/readyz"),
        ("GET", "/metrics"),
        ("GET", "/docs"),
        ("GET", "/openapi.json"),
        ("GET", "/no-such-path"),
    ],
)
def test_every_route_but_healthz_needs_a_key(url: str, method: str, path: str) -> None:
    with client(url) as http:
        response = http.request(method, path)
    body = assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "Authorization: Bearer KEY" in body["detail"]


@pytest.mark.parametrize(
    "header",
    [
        "Bearer wrong-key-0123456789abcdef",
        f"Basic {KEYS[0]}",
        KEYS[0],
        "Bearer",
        f"Bearer {KEYS[0]}x",
    ],
    ids=["wrong", "basic-scheme", "no-scheme", "no-token", "longer"],
)
def test_a_wrong_key_is_401(url: str, header: str) -> None:
    with client(url, Authorization=header) as http:
        body = assert_problem(http.get("/v1/search", params={"q": "Sarvek"}), 401)
    assert "not valid" in body["detail"]


def test_healthz_needs_no_key(url: str) -> None:
    with client(url) as http:
        assert http.get("/healthz").json() == {"status": "ok"}


@pytest.mark.parametrize("key", KEYS)
def test_any_configured_key_opens_every_route(url: str, key: str) -> None:
    with client(url, Authorization=f"Bearer {key}") as http:
        answer = http.post("/v1/ask", json={"question": LOOR_QUESTION})
        assert answer.status_code == 200 and "November 2023" in answer.json()["answer"]
        assert http.get("/readyz").status_code == 200
        assert http.get("/openapi.json").json()["info"]["title"] == "Footnote"
        assert http.get("/docs").status_code == 200
        assert "footnote_http_requests_total" in http.get("/metrics").text
        assert_problem(http.get("/no-such-path"), 404)


def test_keys_never_reach_the_log(url: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        for header in (f"Bearer {KEYS[0]}", "Bearer wrong-key-0123456789abcdef"):
            with client(url, Authorization=header) as http:
                http.get("/v1/search", params={"q": "Sarvek"})
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert KEYS[0] not in text and "wrong-key" not in text


def test_without_keys_no_route_needs_one(
    sample_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    settings = make_settings(sample_settings.index_dir, llm="extractive", api_keys="")
    with serve(settings, extractive_engine(settings, embedder)) as base, client(base) as http:
        assert http.get("/readyz").status_code == 200
        assert http.get("/v1/documents").status_code == 200
