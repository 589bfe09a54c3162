"""The API's answers, chat, search and operations routes, on a real server over the sample store."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from indexer.embedding import SentenceTransformerEmbedder
from service.settings import Settings
from tests.api_server import (
    LOOR_QUESTION,
    client,
    extractive_engine,
    metric_value,
    parse_events,
    poll,
    serve,
    stream_events,
)
from tests.conftest import make_settings

UNANSWERABLE = "What is the population of Mars in the year 3000?"


@pytest.fixture(scope="module")
def http(
    sample_settings: Settings, embedder: SentenceTransformerEmbedder
) -> Iterator[httpx.Client]:
    """A client of the real app over the (read-only) sample store, extractive backend."""
    settings = make_settings(sample_settings.index_dir, llm="extractive")
    with serve(settings, extractive_engine(settings, embedder)) as url, client(url) as c:
        yield c


def document_text(http: httpx.Client, document_id: str) -> str:
    response = http.get(f"/v1/documents/{document_id}")
    assert response.status_code == 200
    text: str = response.json()["text"]
    return text


def test_ask_answers_with_citations_that_slice_their_documents(http: httpx.Client) -> None:
    questions = [
        LOOR_QUESTION,
        "Who heads the Calmoran company that won the North Quay terminal concession?",
        "How many officers will serve in the joint Veldrian-Calmoran border patrol force?",
        "Who commanded the Silver Tide exercise?",
        "How much will the Tessel flood barrier cost?",
    ]
    for question in questions:
        response = http.post("/v1/ask", json={"question": question})
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        answer = response.json()
        assert answer["question"] == question
        assert not answer["abstained"], answer
        assert answer["citations"]
        for citation in answer["citations"]:
            text = document_text(http, citation["document_id"])
            assert text[citation["start"] : citation["end"]] == citation["quote"]
            assert f"[{citation['n']}]" in answer["answer"]


def test_ask_finds_when_loor_took_over(http: httpx.Client) -> None:
    answer = http.post("/v1/ask", json={"question": LOOR_QUESTION, "top_k": 3}).json()
    assert "November 2023" in answer["answer"]
    assert answer["backend"] == "extractive"
    assert answer["grounding"] == "extractive"
    assert answer["timings_ms"]["total"] > 0


def test_an_unanswerable_question_abstains_with_related_passages(http: httpx.Client) -> None:
    answer = http.post("/v1/ask", json={"question": UNANSWERABLE}).json()
    assert answer["abstained"] is True
    assert answer["grounding"] == "abstained"
    assert answer["citations"] == []
    assert answer["reason"]


def test_streaming_sends_tokens_then_one_authoritative_final_then_done(http: httpx.Client) -> None:
    events = stream_events(http, "/v1/ask", {"question": LOOR_QUESTION})
    names = [e.name for e in events]
    assert names[-2:] == ["final", "done"]
    assert set(names[:-2]) == {"token"}
    assert events[-1].data == {}
    final = events[-2].data
    plain = http.post("/v1/ask", json={"question": LOOR_QUESTION}).json()
    assert final["answer"] == plain["answer"]
    assert final["citations"] == plain["citations"]
    streamed = "".join(e.data["text"] for e in events[:-2])
    # The extractive backend numbers quotes by passage; the final answer renumbers citations,
    # so the streamed text is a draft and only the final event counts.
    assert "November 2023" in streamed
    assert final["answer"] != streamed


def test_accept_event_stream_streams_without_the_flag(http: httpx.Client) -> None:
    headers = {"Accept": "text/event-stream"}
    with http.stream("POST", "/v1/ask", json={"question": LOOR_QUESTION}, headers=headers) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        events = parse_events(r.iter_lines())
    assert [e.name for e in events][-2:] == ["final", "done"]


def test_stream_false_wins_over_the_accept_header(http: httpx.Client) -> None:
    body = {"question": LOOR_QUESTION, "stream": False}
    response = http.post("/v1/ask", json=body, headers={"Accept": "text/event-stream"})
    assert response.headers["content-type"] == "application/json"


def test_a_streamed_abstention_is_a_final_event_only(http: httpx.Client) -> None:
    events = stream_events(http, "/v1/ask", {"question": UNANSWERABLE})
    assert [e.name for e in events] == ["final", "done"]
    assert events[0].data["abstained"] is True


def test_filters_restrict_the_sources_used(http: httpx.Client) -> None:
    body = {
        "question": "Who heads the Calmoran company that won the North Quay terminal concession?",
        "filters": {"sources": ["2023-veldria-port-deal.txt"]},
    }
    answer = http.post("/v1/ask", json=body).json()
    used = {c["source"] for c in answer["citations"]} | {p["source"] for p in answer["related"]}
    assert used == {"2023-veldria-port-deal.txt"}


def test_chat_condenses_a_follow_up_before_searching(http: httpx.Client) -> None:
    first = "Who is the Maritime Minister of Veldria?"
    reply = http.post("/v1/chat", json={"messages": [{"role": "user", "content": first}]}).json()
    assert "Matthis Loor" in reply["answer"]
    assert reply["standalone_question"] == first
    messages = [
        {"role": "user", "content": first},
        {"role": "assistant", "content": reply["answer"]},
        {"role": "user", "content": "When did he take over the ministry?"},
    ]
    answer = http.post("/v1/chat", json={"messages": messages}).json()
    assert answer["question"] == "When did he take over the ministry?"
    # The rule-based condenser (extractive backend) resolves "he" to the user's own phrase.
    assert answer["standalone_question"] == "When did Maritime Minister take over the ministry?"
    assert "November 2023" in answer["answer"]


def test_chat_puts_the_name_from_the_conversation_into_the_standalone_question(
    http: httpx.Client,
) -> None:
    messages = [
        {"role": "user", "content": "What did Matthis Loor announce?"},
        {"role": "assistant", "content": "He cancelled the North Quay terminal concession."},
        {"role": "user", "content": "When did he take over the ministry?"},
    ]
    answer = http.post("/v1/chat", json={"messages": messages}).json()
    assert "Matthis Loor" in answer["standalone_question"]
    assert "November 2023" in answer["answer"]
    assert answer["citations"][0]["source"] == "2024-port-selvane-deal-cancelled.md"


def test_chat_streams_like_ask(http: httpx.Client) -> None:
    messages = [
        {"role": "user", "content": "What did Matthis Loor announce?"},
        {"role": "assistant", "content": "He cancelled the North Quay concession."},
        {"role": "user", "content": "What did he say about Sarvek?"},
    ]
    events = stream_events(http, "/v1/chat", {"messages": messages})
    assert [e.name for e in events][-2:] == ["final", "done"]
    assert "Loor" in events[-2].data["standalone_question"]


def test_search_returns_passages_only(http: httpx.Client) -> None:
    response = http.get("/v1/search", params={"q": "Sarvek arbitration claim", "k": 3})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "Sarvek arbitration claim"
    assert 1 <= len(body["passages"]) <= 3
    for p in body["passages"]:
        assert document_text(http, p["document_id"])[p["start"] : p["end"]] == p["text"]


def test_search_filters_by_date_and_repeated_source(http: httpx.Client) -> None:
    dated_params: dict[str, str | int] = {"q": "Sarvek", "from": "2024-01-01", "k": 10}
    dated = http.get("/v1/search", params=dated_params).json()["passages"]
    assert dated and all(p["published"] >= "2024-01-01" for p in dated)
    sources = ["2023-veldria-port-deal.txt", "2024-port-selvane-deal-cancelled.md"]
    found = http.get("/v1/search", params={"q": "Sarvek", "k": 10, "source": sources})
    assert {p["source"] for p in found.json()["passages"]} == set(sources)


def test_the_day_asked_on_puts_that_week_first_in_search_and_ask(http: httpx.Client) -> None:
    query = "Veldria North Quay terminal concession Sarvek"
    for as_of, source in (
        ("2023-03-12", "2023-veldria-port-deal.txt"),
        ("2024-02-18", "2024-port-selvane-deal-cancelled.md"),
    ):
        found = http.get("/v1/search", params={"q": query, "k": 5, "as_of": as_of}).json()
        assert found["passages"][0]["source"] == source
        body = {"question": query + "?", "top_k": 5, "filters": {"as_of": as_of}}
        answer = http.post("/v1/ask", json=body).json()
        cited = [c["source"] for c in answer["citations"]] + [
            p["source"] for p in answer["related"]
        ]
        assert source in cited


def test_the_first_and_last_days_of_the_calendar_are_days_to_ask_on(http: httpx.Client) -> None:
    # The week before 0001-01-01 starts at the calendar's first day (was a 500, found by the
    # schema fuzz).
    for as_of in ("0001-01-01", "0001-01-03", "9999-12-31"):
        found = http.get("/v1/search", params={"q": "Sarvek", "k": 3, "as_of": as_of})
        assert found.status_code == 200, found.text
        body = {"question": "Who heads Sarvek?", "filters": {"as_of": as_of}}
        assert http.post("/v1/ask", json=body).status_code == 200


def test_documents_are_listed_in_pages(http: httpx.Client) -> None:
    everything = http.get("/v1/documents").json()
    assert everything["total"] == len(everything["documents"]) == 9
    page = http.get("/v1/documents", params={"limit": 2, "offset": 2}).json()
    assert [d["id"] for d in page["documents"]] == [d["id"] for d in everything["documents"][2:4]]
    assert page["store_version"] == everything["store_version"]


def test_healthz_and_readyz_report_the_store_and_backend(http: httpx.Client) -> None:
    assert http.get("/healthz").json() == {"status": "ok"}
    ready = http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() | {"store_version": "v"} == {
        "status": "ready",
        "store_version": "v",
        "documents": 9,
        "chunks": ready.json()["chunks"],
        "backend": "extractive",
        "model": "extractive",
    }


def test_metrics_count_requests_tokens_and_abstentions(http: httpx.Client) -> None:
    abstentions = metric_value(http, "footnote_abstentions_total")
    tokens = metric_value(http, "footnote_tokens_generated_total")
    http.post("/v1/ask", json={"question": UNANSWERABLE})
    http.post("/v1/ask", json={"question": LOOR_QUESTION})
    assert metric_value(http, "footnote_abstentions_total") == abstentions + 1
    assert metric_value(http, "footnote_tokens_generated_total") > tokens
    # A request is counted once its response is sent, which may be just after the client has it.
    counted = 'footnote_http_requests_total{method="POST",route="/v1/ask",status="200"}'
    poll(lambda: counted in http.get("/metrics").text, "the request to be counted")
    text = http.get("/metrics").text
    assert "footnote_http_request_duration_seconds_bucket{" in text
    assert "footnote_retrieval_seconds_count" in text
    assert "footnote_generation_seconds_count" in text
    assert "footnote_generation_queue_depth 0.0" in text


def test_a_sane_request_id_is_echoed_and_logged(
    http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="footnote.access"):
        response = http.get("/v1/search", params={"q": "Sarvek"}, headers={"X-Request-ID": "t-1.a"})
        assert response.headers["x-request-id"] == "t-1.a"

        def logged() -> list[str]:
            return [
                r.getMessage()
                for r in caplog.records
                if r.name == "footnote.access" and "request_id=t-1.a" in r.getMessage()
            ]

        # The line is written once the response is sent, which may be just after the client
        # has it.
        poll(lambda: bool(logged()), "the access log line")
    assert "method=GET route=/v1/search status=200 latency_ms=" in logged()[0]


def test_an_insane_request_id_is_replaced(http: httpx.Client) -> None:
    response = http.get("/healthz", headers={"X-Request-ID": "bad id, with spaces;" * 10})
    assert len(response.headers["x-request-id"]) == 32
    assert response.headers["x-request-id"].isalnum()
