"""The Ollama backend: answers stream from an Ollama server through the official `ollama` client.

Every failure of the client or of httpx underneath it is turned into one of our errors by
`map_ollama_error`, the only place that knows their types. The installed client (0.6) raises:

    what happened                              raised by the client        becomes
    server down / refused, non-streaming       ConnectionError (builtin)   BackendUnavailable
    server down / refused, streaming           httpx.ConnectError          BackendUnavailable
    no TCP connection within the timeout       httpx.ConnectTimeout        BackendUnavailable
    OLLAMA_HOST has a scheme httpx cannot use  httpx.UnsupportedProtocol   BackendUnavailable
    no reply (or no next piece) in time        httpx.ReadTimeout etc.      BackendTimeout
    the model is not pulled                    ResponseError, 404          ModelNotAvailable
    a 404 from something that is not Ollama    ResponseError, 404          BackendUnavailable
    any other HTTP error status (500, ...)     ResponseError, status       GenerationFailed
    an `{"error": ...}` line inside the stream ResponseError, status -1    GenerationFailed
    the connection drops while reading         httpx.RemoteProtocolError,  GenerationFailed
                                               httpx.ReadError
    a reply that is not Ollama's format        json.JSONDecodeError,       GenerationFailed
                                               pydantic.ValidationError

Once a piece of the answer has been yielded, every failure becomes GenerationFailed ("failed
mid-answer"), because the caller now holds a partial answer and must discard it whatever the cause.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterator
from typing import Any

import httpx
import ollama
import pydantic

from service.backends.base import GenerationRequest
from service.errors import (
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    GenerationFailed,
    ModelNotAvailable,
)

logger = logging.getLogger(__name__)

# The address the ollama client itself falls back to when neither host nor OLLAMA_HOST is set.
DEFAULT_HOST = "http://127.0.0.1:11434"

# Every foreign exception `map_ollama_error` knows; the backend catches exactly these.
FOREIGN_ERRORS: tuple[type[Exception], ...] = (
    ollama.ResponseError,
    httpx.HTTPError,
    ConnectionError,
    json.JSONDecodeError,
    pydantic.ValidationError,
)

# Ollama says `model "x" not found, try pulling it first` (chat) or `model 'x' not found` (show).
_MISSING_MODEL = re.compile(r"\bmodel\b.*\bnot found\b", re.IGNORECASE | re.DOTALL)

_UNREACHABLE = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.UnsupportedProtocol,
    ConnectionError,
)


def map_ollama_error(
    exc: Exception, *, host: str, model: str, timeout_s: float, mid_answer: bool = False
) -> BackendError:
    """The BackendError for `exc`, one of FOREIGN_ERRORS, with a message that names a fix."""
    if mid_answer:
        return GenerationFailed(
            f"the Ollama server failed mid-answer: {_reason(exc, timeout_s)}; ask again, and "
            f"check the server's log if it keeps happening"
        )
    # ConnectTimeout is a timeout to httpx, but like a refused connection it means the address
    # is wrong or the server is down, so it gets the same advice.
    if isinstance(exc, _UNREACHABLE):
        return BackendUnavailable(
            f"cannot reach the Ollama server at {host}; start it with 'ollama serve' "
            f"or set OLLAMA_HOST"
        )
    if isinstance(exc, httpx.TimeoutException):
        return BackendTimeout(
            f"the Ollama server at {host} sent nothing for {timeout_s:g} s; it may still be "
            f"loading '{model}': ask again, or raise FOOTNOTE_LLM_TIMEOUT_S"
        )
    if isinstance(exc, ollama.ResponseError):
        return _map_response_error(exc, host=host, model=model)
    if isinstance(exc, json.JSONDecodeError | pydantic.ValidationError):
        return GenerationFailed(
            f"the server at {host} sent a reply that is not in Ollama's format "
            f"({_reason(exc, timeout_s)}); check that OLLAMA_HOST points at an Ollama server"
        )
    return GenerationFailed(
        f"the connection to the Ollama server at {host} failed: {_reason(exc, timeout_s)}; "
        f"ask again, and check the server's log if it keeps happening"
    )


def _map_response_error(exc: ollama.ResponseError, *, host: str, model: str) -> BackendError:
    if _MISSING_MODEL.search(exc.error):
        return ModelNotAvailable(
            f"Ollama has no model '{model}'; run 'ollama pull {model}' or set FOOTNOTE_OLLAMA_MODEL"
        )
    if exc.status_code == 404:
        # Ollama's only 404 is a missing model; any other 404 ("404 page not found") comes from
        # a server that is not Ollama, and 'ollama pull' would not help.
        return BackendUnavailable(
            f"the server at {host} answered 404 ({exc.error}); check that OLLAMA_HOST points "
            f"at an Ollama server"
        )
    status = f" (HTTP {exc.status_code})" if exc.status_code > 0 else ""
    return GenerationFailed(
        f"the Ollama server could not answer{status}: {exc.error}; check the server's log "
        f"and ask again"
    )


def _reason(exc: Exception, timeout_s: float) -> str:
    """A short description of a foreign error for a message (some have an empty str())."""
    if isinstance(exc, httpx.TimeoutException):
        return f"nothing arrived for {timeout_s:g} s"
    if isinstance(exc, ollama.ResponseError):
        return exc.error
    return str(exc).strip() or type(exc).__name__


class OllamaBackend:
    """Answers through an Ollama server with the official `ollama` Python client."""

    name = "ollama"

    def __init__(
        self,
        *,
        model: str,
        host: str | None = None,
        timeout_s: float = 120.0,
        temperature: float = 0.0,
        seed: int = 0,
    ) -> None:
        """Check the arguments; the server is first contacted by check() or generate().

        `timeout_s` bounds each wait on the server (connecting, the first piece, the gap between
        pieces), not the whole answer, so a long answer that keeps streaming is never cut off.
        """
        if not model.strip():
            raise ValueError("model must name an Ollama model, e.g. 'llama3.2'")
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        if temperature < 0:
            raise ValueError("temperature must be >= 0")
        self.model = model
        # The client would read OLLAMA_HOST itself; resolving it the same way here lets error
        # messages name the address that was actually tried.
        self.host = host or os.environ.get("OLLAMA_HOST") or DEFAULT_HOST
        self.timeout_s = timeout_s
        self.temperature = temperature
        self.seed = seed
        try:
            # Building a client parses the address without sending anything; it is closed at once.
            with self._open_client():
                pass
        except ValueError as exc:
            raise ValueError(
                f"{self.host!r} is not a valid Ollama address: {exc}; set OLLAMA_HOST to an "
                f"address like {DEFAULT_HOST}"
            ) from exc

    def check(self) -> None:
        """Raise BackendUnavailable if the server is unreachable, ModelNotAvailable if unpulled.

        Asks `/api/show`, so the server resolves names such as 'llama3.2' its own way.
        """
        with self._open_client() as client:
            try:
                client.show(self.model)
            except FOREIGN_ERRORS as exc:
                raise self._mapped(exc) from exc

    def generate(self, request: GenerationRequest) -> Iterator[str]:
        """Stream the model's reply piece by piece; empty pieces are skipped."""
        messages = [{"role": m.role, "content": m.content} for m in request.messages]
        logger.debug(
            "asking Ollama at %s: model %s, %d messages", self.host, self.model, len(messages)
        )
        yielded = 0
        # Leaving this block closes the connection, also when the caller stops reading early.
        with self._open_client() as client:
            try:
                chunks = client.chat(
                    self.model, messages=messages, stream=True, options=self._options(request)
                )
                for chunk in chunks:
                    piece = chunk.message.content
                    if piece:
                        yielded += 1
                        yield piece
                    if chunk.done:
                        logger.debug(
                            "Ollama finished: %s after %s tokens",
                            chunk.done_reason,
                            chunk.eval_count,
                        )
            except FOREIGN_ERRORS as exc:
                raise self._mapped(exc, mid_answer=yielded > 0) from exc

    def _options(self, request: GenerationRequest) -> dict[str, Any]:
        options: dict[str, Any] = {
            "temperature": self.temperature,
            "seed": self.seed,
            "num_predict": request.max_tokens,
        }
        # An empty list would replace the model's own stop sequences (its Modelfile's
        # PARAMETER stop) instead of adding none, so it is only sent when there are some.
        if request.stop:
            options["stop"] = list(request.stop)
        return options

    def _open_client(self) -> ollama.Client:
        # One client per call: nothing stays open between answers, and calls share no state.
        return ollama.Client(host=self.host, timeout=self.timeout_s)

    def _mapped(self, exc: Exception, *, mid_answer: bool = False) -> BackendError:
        return map_ollama_error(
            exc, host=self.host, model=self.model, timeout_s=self.timeout_s, mid_answer=mid_answer
        )
