"""benchmarks/ollama_stand_in.py: the Ollama backend, its client and the wire, with a real model
writing the replies behind a loopback server."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.ollama_stand_in import DEFAULT_MAX_TOKENS, MODEL, request_from_body, responder
from service.backends.base import ChatMessage, GenerationRequest
from service.backends.ollama import OllamaBackend
from tests.fake_ollama import FakeOllama, OllamaScript

QUESTION = [
    ChatMessage("system", "Answer with one name from the passage."),
    ChatMessage("user", "[1] Maritime Minister Adela Korvin signed the port agreement.\n\n"
                        "Who signed the port agreement?"),
]  # fmt: skip


def test_a_chat_body_becomes_the_generation_it_asks_for() -> None:
    body = {
        "model": MODEL,
        "messages": [{"role": m.role, "content": m.content} for m in QUESTION],
        "options": {"temperature": 0, "seed": 0, "num_predict": 12, "stop": ["\n"]},
    }
    request = request_from_body(body)
    assert list(request.messages) == QUESTION
    assert request.max_tokens == 12
    assert list(request.stop) == ["\n"]


def test_a_body_without_options_gets_a_bounded_reply_and_the_models_own_stops() -> None:
    request = request_from_body({"model": MODEL, "messages": [{"role": "user", "content": "Hi"}]})
    assert request.max_tokens == DEFAULT_MAX_TOKENS
    assert list(request.stop) == []


@pytest.mark.slow
def test_the_ollama_backend_delivers_exactly_what_the_model_behind_the_wire_writes(
    llama_backend: Any,
) -> None:
    # Few tokens and a stop, so the test is quick and the options must cross the wire intact:
    # another limit or no stop would give another text.
    request = GenerationRequest(messages=QUESTION, max_tokens=8, stop=(".",))
    direct = "".join(llama_backend.generate(request))
    with FakeOllama(OllamaScript(models=[MODEL], respond=responder(llama_backend))) as server:
        over_the_wire = "".join(OllamaBackend(model=MODEL, host=server.url).generate(request))
        sent = server.bodies("/api/chat")
    assert direct.strip()
    assert over_the_wire == direct
    assert sent[0]["options"]["num_predict"] == 8
