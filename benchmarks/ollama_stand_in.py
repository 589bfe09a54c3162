"""The Ollama backend end to end with a real model, where no Ollama server can be installed.

    .venv/bin/python benchmarks/ollama_stand_in.py GOLD --index-dir DIR [python -m eval flags]

Starts a server on 127.0.0.1 that speaks Ollama's wire protocol (tests/fake_ollama.py: NDJSON
streaming, /api/show, /api/tags) and has the embedded chat model (SmolLM2-135M-Instruct through
llama.cpp, FOOTNOTE_LLAMACPP_MODEL_PATH to change it) write each reply from the messages and
options the official `ollama` client sent; then runs `python -m eval` with `--backend ollama`
against it, so every question goes through OllamaBackend, the client and the wire. At
temperature 0 with the same model its answers should be those of `--backend llamacpp`: where
they differ, the Ollama path changed something on the way.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# The stand-in server is the tests' fake Ollama (tests/ is no installed package).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eval.command import main as eval_main  # noqa: E402
from service import Settings  # noqa: E402
from service.backends.base import Backend, ChatMessage, GenerationRequest  # noqa: E402
from service.factory import backend_for  # noqa: E402
from tests.fake_ollama import FakeOllama, OllamaScript  # noqa: E402

# The model name the stand-in serves and Footnote asks for.
MODEL = "smollm2-stand-in"
# Ollama's default for num_predict when a client sends none: no limit (-1); the stand-in caps it.
DEFAULT_MAX_TOKENS = 256


def request_from_body(body: dict[str, Any]) -> GenerationRequest:
    """The generation a /api/chat body asks for: its messages, num_predict and stop."""
    options = body.get("options") or {}
    limit = options.get("num_predict")
    stop = options.get("stop") or ()
    messages = [
        ChatMessage(role=m.get("role", "user"), content=str(m.get("content", "")))
        for m in body.get("messages") or []
    ]
    return GenerationRequest(
        messages=messages,
        max_tokens=limit if isinstance(limit, int) and limit > 0 else DEFAULT_MAX_TOKENS,
        stop=tuple(str(s) for s in stop),
    )


def responder(backend: Backend) -> Callable[[dict[str, Any]], Iterator[str]]:
    """A `respond` hook for OllamaScript: `backend` writes each reply. The stand-in sends a
    reply once it is written whole, so its first-token times are whole replies' times."""

    def respond(body: dict[str, Any]) -> Iterator[str]:
        return backend.generate(request_from_body(body))

    return respond


def main(argv: Sequence[str] | None = None) -> int:
    backend = backend_for(Settings(), "llamacpp")
    backend.check()  # load the model before the first question is timed
    script = OllamaScript(models=[MODEL], respond=responder(backend))
    with FakeOllama(script) as server:
        os.environ["OLLAMA_HOST"] = server.url
        os.environ["FOOTNOTE_OLLAMA_MODEL"] = MODEL
        args = list(sys.argv[1:] if argv is None else argv)
        status = eval_main([*args, "--backend", "ollama"])
        # The model is asked only where its reply can matter (short_answers.reply_can_matter).
        asked = len(server.bodies("/api/chat"))
        sys.stderr.write(f"ollama stand-in: {MODEL} wrote {asked} replies over the wire\n")
        return status


if __name__ == "__main__":
    raise SystemExit(main())
