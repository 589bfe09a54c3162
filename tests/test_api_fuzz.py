"""The OpenAPI document is a contract: a schema-driven fuzz holds the running service to it.

schemathesis generates requests from /openapi.json (valid ones and, per operation, ones that
break the schema) and sends them over real HTTP to the app on loopback, on a private copy of
the sample store with the extractive backend. Every response must be no 5xx, have a status the
document declares for the operation, the declared media type, a body its schema accepts and
no stack trace; a refused request (4xx) must leave the store's version as it was.
About 1,200 requests without keys; a smaller run with keys configured and none sent, where
every route but /healthz must answer the declared 401.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import checks
from schemathesis.generation.modes import GenerationMode

from indexer.embedding import SentenceTransformerEmbedder
from indexer.store import read_manifest
from service.api.app import create_app
from tests.api_server import extractive_engine, serve
from tests.conftest import SAMPLE_NEWS, build_store, make_settings

# Requests per operation and mode: about 1,200 requests over the 11 operations. A longer run:
# benchmarks/fuzz_api.sh (FOOTNOTE_FUZZ_EXAMPLES).
EXAMPLES = int(os.environ.get("FOOTNOTE_FUZZ_EXAMPLES", "100"))
KEYED_EXAMPLES = 10
API_KEY = "fuzz-key-0123456789abcdef"
# What is checked per response.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]
_HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,  # an answer takes what it takes; speed is the benchmarks' business
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same requests every run: a failure can be replayed
)


def _operations() -> list[Any]:
    # The document of an app with default settings (building it needs no store); the servers
    # below use the same limits, so it is the document they serve.
    spec = create_app(make_settings(Path("unused"), llm="extractive")).openapi()
    schema = schemathesis.openapi.from_dict(spec)
    return [result.ok() for result in schema.get_all_operations()]


OPERATIONS = _operations()


@dataclass(frozen=True)
class Served:
    """The app on loopback and the store it serves."""

    url: str
    store: Path

    def version(self) -> str:
        return str(read_manifest(self.store).version)


@contextlib.contextmanager
def _serving(
    factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder, **overrides: Any
) -> Iterator[Served]:
    """The app on loopback over a private copy of the sample store (uploads change it)."""
    store = build_store(SAMPLE_NEWS, factory.mktemp("fuzz-store")).index_dir
    config = make_settings(store, llm="extractive", **overrides)
    with serve(config, extractive_engine(config, embedder)) as url:
        yield Served(url, store)


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> Iterator[Served]:
    with _serving(tmp_path_factory, embedder) as app:
        assert httpx.get(f"{app.url}/openapi.json").json() == OPERATIONS[0].schema.raw_schema
        yield app


@pytest.fixture(scope="module")
def keyed(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> Iterator[Served]:
    with _serving(tmp_path_factory, embedder, api_keys=API_KEY) as app:
        yield app


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_every_response_keeps_the_openapi_contract(
    operation: Any, mode: GenerationMode, served: Served
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @_HYPOTHESIS
    def call(case: Any) -> None:
        before = served.version()
        response = case.call_and_validate(base_url=served.url, checks=CHECKS)
        assert "Traceback" not in response.text
        if response.status_code >= 400:
            assert served.version() == before, "a refused request changed the store"

    try:
        call()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise
        pytest.skip("no request breaks this operation's schema (any string is a valid id)")


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_without_a_key_every_route_but_healthz_answers_the_declared_401(
    operation: Any, keyed: Served
) -> None:
    @given(case=operation.as_strategy())
    @settings(_HYPOTHESIS, max_examples=KEYED_EXAMPLES)
    def call(case: Any) -> None:
        response = case.call_and_validate(base_url=keyed.url, checks=CHECKS)
        assert response.status_code == (200 if case.path == "/healthz" else 401)

    call()
