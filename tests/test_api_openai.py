"""The OpenAI-compatible face, driven by the official `openai` client, unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from indexer.embedding import SentenceTransformerEmbedder
from service.backends.ollama import OllamaBackend
from service.settings import Settings
from tests.api_server import LOOR_QUESTION, backend_engine, extractive_engine, serve
from tests.conftest import make_settings
from tests.fake_ollama import FakeOllama, OllamaScript

KEY = "openai-test-key-0123456789"
ABSENT_QUESTION = "Who won the 1998 Tour de France?"


@pytest.fixture(scope="module")
def base(sample_settings: Settings, embedder: SentenceTransformerEmbedder) -> Iterator[str]:
    settings = make_settings(sample_settings.index_dir, llm="extractive", api_keys=KEY)
    with serve(settings, extractive_engine(settings, embedder)) as url:
        yield url


@pytest.fixture(scope="module")
def ai(base: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=f"{base}/v1", api_key=KEY, max_retries=0, timeout=120) as c:
        yield c


def test_models_lists_footnote(ai: openai.OpenAI) -> None:
    models = ai.models.list()
    assert [m.id for m in models.data] == ["footnote"]
    assert "extractive" in models.data[0].owned_by


def test_a_completion_is_the_verified_answer_with_its_sources(ai: openai.OpenAI) -> None:
    completion = ai.chat.completions.create(
        model="footnote",
        messages=[
            {"role": "system", "content": "You are a helpful assistant."},  # not used
            {"role": "user", "content": LOOR_QUESTION},
        ],
        temperature=0.2,
        max_tokens=200,
        user="analyst-7",
        top_p=0.9,  # a field Footnote has no use for: ignored, not refused
    )
    assert completion.object == "chat.completion" and completion.model == "footnote"
    content = completion.choices[0].message.content or ""
    answer: dict[str, Any] = completion.model_extra["footnote"]  # type: ignore[index]
    assert completion.choices[0].finish_reason == "stop"
    assert content.startswith(answer["answer"])
    assert "November 2023" in answer["short_answer"]["text"]
    # Every citation the answer makes is listed under it, numbered, with its quote.
    for citation in answer["citations"]:
        assert f"[{citation['n']}] " in content
        assert citation["quote"][:60] in " ".join(content.split())


def test_a_streamed_completion_sends_only_the_verified_answer_then_done(
    ai: openai.OpenAI,
) -> None:
    stream = ai.chat.completions.create(
        model="footnote", messages=[{"role": "user", "content": LOOR_QUESTION}], stream=True
    )
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert chunks[-1].choices[0].finish_reason == "stop"
    answer = chunks[-1].model_extra["footnote"]  # type: ignore[index]
    assert text.startswith(answer["answer"]) and answer["citations"]
    assert all(c.object == "chat.completion.chunk" and c.id == chunks[0].id for c in chunks)


def test_a_follow_up_is_answered_in_the_light_of_the_conversation(ai: openai.OpenAI) -> None:
    completion = ai.chat.completions.create(
        model="footnote",
        messages=[
            {"role": "user", "content": "Who is Matthis Loor?"},
            {"role": "assistant", "content": "Veldria's maritime minister [1]."},
            {"role": "user", "content": [{"type": "text", "text": "When did he take charge?"}]},
        ],
    )
    answer = completion.model_extra["footnote"]  # type: ignore[index]
    assert "Loor" in answer["standalone_question"]


def test_an_abstention_says_so_and_shows_the_closest_passages(ai: openai.OpenAI) -> None:
    completion = ai.chat.completions.create(
        model="footnote", messages=[{"role": "user", "content": ABSENT_QUESTION}]
    )
    answer = completion.model_extra["footnote"]  # type: ignore[index]
    assert answer["abstained"] is True
    assert (completion.choices[0].message.content or "").startswith(answer["answer"])


def test_errors_come_in_openai_shape_as_its_client_expects(ai: openai.OpenAI, base: str) -> None:
    with pytest.raises(openai.UnprocessableEntityError) as invalid:
        ai.chat.completions.create(model="footnote", messages=[])
    assert invalid.value.body["type"] == "invalid_request_error"  # type: ignore[index]
    assert "messages" in invalid.value.body["param"]  # type: ignore[index]
    with pytest.raises(openai.UnprocessableEntityError, match="last message must be the user"):
        ai.chat.completions.create(
            model="footnote", messages=[{"role": "assistant", "content": "Hello"}]
        )
    wrong = openai.OpenAI(base_url=f"{base}/v1", api_key="wrong-key-0123456789", max_retries=0)
    with wrong, pytest.raises(openai.AuthenticationError) as refused:
        wrong.models.list()
    assert refused.value.body["type"] == "authentication_error"  # type: ignore[index]
    # Footnote's own routes keep problem+json.
    problem = httpx.post(f"{base}/v1/ask", json={}, headers={"Authorization": f"Bearer {KEY}"})
    assert problem.headers["content-type"] == "application/problem+json"


def test_the_models_provisional_words_never_reach_the_client(
    sample_settings: Settings,
) -> None:
    # A loopback Ollama (the one faked process boundary) writes a claim no article makes; the
    # stream must carry the checked answer only, never those words.
    claim = ["Loor ", "was ", "appointed ", "by ", "the ", "king ", "in ", "1999 ", "[1]."]
    settings = make_settings(sample_settings.index_dir, llm="ollama", ask_model_always=True)
    with FakeOllama(OllamaScript(reply=claim)) as fake:
        backend = OllamaBackend(model="llama3.2", host=fake.url, timeout_s=30)
        with serve(settings, backend_engine(settings, backend)) as url:
            c = openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0)
            with c:
                chunks = list(
                    c.chat.completions.create(
                        model="footnote",
                        messages=[{"role": "user", "content": LOOR_QUESTION}],
                        stream=True,
                    )
                )
    text = "".join(ch.choices[0].delta.content or "" for ch in chunks)
    answer = chunks[-1].model_extra["footnote"]  # type: ignore[index]
    assert answer["removed_sentences"] and "king" not in text and "1999" not in text
    assert text.startswith(answer["answer"])
