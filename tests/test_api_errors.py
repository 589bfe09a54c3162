"""Every error the API answers with is RFC 9457 problem+json with the right status."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from indexer.embedding import SentenceTransformerEmbedder
from service.api.app import create_app
from service.settings import Settings
from tests.api_server import (
    LOOR_QUESTION,
    assert_problem,
    client,
    extractive_engine,
    serve,
    serve_app,
)
from tests.conftest import make_settings

# Small, so the over-limit cases stay small; still above the longest valid question.
BODY_LIMIT = 4096


@pytest.fixture(scope="module")
def http(
    sample_settings: Settings, embedder: SentenceTransformerEmbedder
) -> Iterator[httpx.Client]:
    settings = make_settings(sample_settings.index_dir, llm="extractive", max_body_bytes=BODY_LIMIT)
    with serve(settings, extractive_engine(settings, embedder)) as url, client(url) as c:
        yield c


def test_malformed_json_is_400(http: httpx.Client) -> None:
    response = http.post(
        "/v1/ask", content=b'{"question": ', headers={"Content-Type": "application/json"}
    )
    body = assert_problem(response, 400)
    assert body["type"].endswith(":malformed-body")
    assert body["instance"] == "/v1/ask"


@pytest.mark.parametrize(
    "payload",
    [
        {"question": ""},
        {"question": "   "},
        {"question": "why " * 600},
        {"question": 123},
        {"question": LOOR_QUESTION, "top_k": "many"},
        {"question": LOOR_QUESTION, "top_k": 0},
        {"question": LOOR_QUESTION, "top_k": 1000},
        {"question": LOOR_QUESTION, "stream": [1]},
        {"question": LOOR_QUESTION, "colour": "blue"},
        {"question": LOOR_QUESTION, "filters": {"published_from": "2024-02-30"}},
        {"question": LOOR_QUESTION, "filters": {"published_from": "yesterday"}},
        {"question": LOOR_QUESTION, "filters": {"sources": "a.txt"}},
        {"question": LOOR_QUESTION, "filters": {"as_of": "2024/02/18"}},
        {
            "question": LOOR_QUESTION,
            "filters": {"published_from": "2024-05-01", "published_to": "2024-01-01"},
        },
        {},
        [],
        {"question": LOOR_QUESTION, "top_k": True},
    ],
    ids=[
        "empty", "blank", "too-long", "not-a-string", "top-k-word", "top-k-zero",
        "top-k-over-max", "stream-list", "unknown-field", "no-such-day", "not-a-date",
        "sources-string", "as-of-slashes", "reversed-dates", "no-question", "not-an-object",
        "top-k-true",
    ],
)  # fmt: skip
def test_invalid_questions_are_422(http: httpx.Client, payload: object) -> None:
    body = assert_problem(http.post("/v1/ask", json=payload), 422)
    assert body["type"].endswith(":invalid-request")
    assert body["detail"]


def test_a_too_long_question_says_the_limit(http: httpx.Client) -> None:
    body = assert_problem(http.post("/v1/ask", json={"question": "why " * 600}), 422)
    assert "limit is 2000" in body["detail"]


def test_a_streamed_invalid_question_still_gets_its_status(http: httpx.Client) -> None:
    assert_problem(http.post("/v1/ask", json={"question": " ", "stream": True}), 422)


@pytest.mark.parametrize(
    "messages",
    [
        [],
        [{"role": "assistant", "content": "Hello."}],
        [{"role": "system", "content": "Obey."}, {"role": "user", "content": "Hi?"}],
        [{"role": "user"}],
        [{"role": "user", "content": ""}],
    ],
    ids=["none", "last-not-user", "system-role", "no-content", "empty-question"],
)
def test_invalid_chats_are_422(http: httpx.Client, messages: object) -> None:
    assert_problem(http.post("/v1/chat", json={"messages": messages}), 422)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ""},
        {"q": "Sarvek", "k": 0},
        {"q": "Sarvek", "k": 1000},
        {"q": "Sarvek", "k": "ten"},
        {"q": "Sarvek", "from": "2024-1-1"},
        {"q": "Sarvek", "to": "2024-02-30"},
        {"q": "Sarvek", "from": "2024-06-01", "to": "2024-01-01"},
        {"q": "Sarvek", "as_of": "2024-02-30"},
    ],
    ids=[
        "no-q",
        "empty-q",
        "k-zero",
        "k-over-max",
        "k-word",
        "short-date",
        "no-such-day",
        "rev",
        "as-of-no-such-day",
    ],  # fmt: skip
)
def test_invalid_searches_are_422(http: httpx.Client, params: dict[str, object]) -> None:
    assert_problem(http.get("/v1/search", params=params), 422)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 501}, {"offset": -1}, {"offset": 2**63}]
)
def test_invalid_pages_are_422(http: httpx.Client, params: dict[str, int]) -> None:
    assert_problem(http.get("/v1/documents", params=params), 422)


def test_a_source_filter_that_matches_no_article_is_422(http: httpx.Client) -> None:
    question = {"question": "Who signed the port agreement?"}
    body = assert_problem(
        http.post("/v1/ask", json={**question, "filters": {"sources": ["nosuch.txt"]}}), 422
    )
    assert "no article matches the source 'nosuch.txt'" in body["detail"]
    assert_problem(http.get("/v1/search", params={"q": "port", "source": "nosuch.txt"}), 422)


def test_unknown_ids_are_404(http: httpx.Client) -> None:
    body = assert_problem(http.get("/v1/documents/no-such-document"), 404)
    assert body["type"].endswith(":document-not-found")
    assert "no-such-document" in body["detail"]
    assert_problem(http.delete("/v1/documents/no-such-document"), 404)


def test_unknown_paths_are_404_and_wrong_methods_405(http: httpx.Client) -> None:
    body = assert_problem(http.get("/v2/ask"), 404)
    assert body["instance"] == "/v2/ask"
    response = http.get("/v1/ask")
    assert_problem(response, 405)
    assert response.headers["allow"] == "POST"


def test_a_405_allows_every_method_the_path_serves(http: httpx.Client) -> None:
    # Two routes serve /v1/documents/{id}; Starlette's own Allow named only the first (GET).
    response = http.put("/v1/documents/some-id")
    assert_problem(response, 405)
    assert response.headers["allow"] == "GET, DELETE"


def test_control_characters_the_client_sent_are_echoed_escaped(http: httpx.Client) -> None:
    # An ANSI colour code, a fake line break and a right-to-left override, percent-encoded.
    document = assert_problem(http.get("/v1/documents/a%1b%5b31mb%0d%0ac%E2%80%AEd"), 404)
    route = assert_problem(http.get("/v1/no%1b%5b2Jroute"), 404)
    for body in (document, route):
        text = body["detail"] + body["instance"]
        assert not any(c in text for c in "\x1b\r\n\u202e")
    assert "a\\x1b[31mb\\r\\nc\\u202ed" in document["detail"]
    assert route["instance"] == "/v1/no\\x1b[2Jroute"


def test_a_body_over_the_limit_is_413_by_content_length(http: httpx.Client) -> None:
    payload = json.dumps({"question": "x" * (BODY_LIMIT + 10)}).encode()
    response = http.post("/v1/ask", content=payload, headers={"Content-Type": "application/json"})
    body = assert_problem(response, 413)
    assert f"{BODY_LIMIT}-byte limit" in body["detail"]


def test_a_chunked_body_over_the_limit_is_413_while_it_streams(http: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"question": "'
        yield b"x" * BODY_LIMIT
        yield b'"}'

    response = http.post("/v1/ask", content=chunks(), headers={"Content-Type": "application/json"})
    assert "content-length" not in response.request.headers
    assert_problem(response, 413)


def test_a_missing_store_is_503_and_readyz_says_why(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    settings = make_settings(tmp_path / "nothing-here", llm="extractive")
    with serve(settings, extractive_engine(settings, embedder)) as url, client(url) as http:
        body = assert_problem(http.get("/v1/search", params={"q": "Sarvek"}), 503)
        assert body["type"].endswith(":store-not-found")
        assert "footnote index" in body["detail"]
        ready = http.get("/readyz")
        problem = assert_problem(ready, 503)
        assert ready.headers["retry-after"]
        assert problem["reason"] == "store-not-found"
        assert "no index at" in problem["detail"]
        assert http.get("/healthz").status_code == 200


def test_a_corrupt_store_is_500_without_internals(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    (tmp_path / "manifest.json").write_text("{}", encoding="utf-8")
    settings = make_settings(tmp_path, llm="extractive")
    with serve(settings, extractive_engine(settings, embedder)) as url, client(url) as http:
        body = assert_problem(http.post("/v1/ask", json={"question": LOOR_QUESTION}), 500)
        assert body["type"].endswith(":store-corrupt")
        assert str(tmp_path) not in body["detail"]
        assert "log" in body["detail"]
        # The operator's readiness probe does say what is wrong.
        assert "not a valid manifest" in assert_problem(http.get("/readyz"), 503)["detail"]


def test_a_bug_is_a_500_problem_with_no_internals(
    sample_settings: Settings,
    embedder: SentenceTransformerEmbedder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = make_settings(sample_settings.index_dir, llm="extractive")
    app: FastAPI = create_app(settings, engine=extractive_engine(settings, embedder))

    # A route with a deliberate bug: the app under test is real, only this route is added.
    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internal state /etc/passwd")

    with serve_app(app) as url, client(url) as http:
        response = http.get("/boom")
    body = assert_problem(response, 500)
    assert "secret" not in response.text and "RuntimeError" not in response.text
    assert response.headers["x-request-id"] in body["detail"]
    logged = [r for r in caplog.records if r.exc_info and "secret" in str(r.exc_info[1])]
    assert logged, "the traceback must reach the server's log"
