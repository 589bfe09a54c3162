"""The OpenAPI document is a contract: a schema-driven fuzz holds the running service to it.

schemathesis generates requests from /openapi.json (valid ones and, per operation, ones that
break the schema) and sends them over real HTTP to the app on loopback, on a private copy of
the sample store with the extractive backend. Every response must be no 5xx, have a status the
document declares for the operation, the declared media type, and a body its schema accepts.
About 1,200 requests without keys; a smaller run with keys configured and none sent, where
every route but /healthz must answer the declared 401.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
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
from service.api.app import create_app
from tests.api_server import extractive_engine, serve
from tests.conftest import SAMPLE_NEWS, build_store, make_settings

# Requests per operation and mode: about 1,200 requests over the 11 operations.
EXAMPLES = 100
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


@contextlib.contextmanager
def _serving(
    factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder, **overrides: Any
) -> Iterator[str]:
    """The app on loopback over a private copy of the sample store (uploads change it)."""
    store = build_store(SAMPLE_NEWS, factory.mktemp("fuzz-store")).index_dir
    config = make_settings(store, llm="extractive", **overrides)
    with serve(config, extractive_engine(config, embedder)) as url:
        yield url


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> Iterator[str]:
    with _serving(tmp_path_factory, embedder) as url:
        assert httpx.get(f"{url}/openapi.json").json() == OPERATIONS[0].schema.raw_schema
        yield url


@pytest.fixture(scope="module")
def keyed(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> Iterator[str]:
    with _serving(tmp_path_factory, embedder, api_keys=API_KEY) as url:
        yield url


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_every_response_keeps_the_openapi_contract(
    operation: Any, mode: GenerationMode, served: str
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @_HYPOTHESIS
    def call(case: Any) -> None:
        case.call_and_validate(base_url=served, checks=CHECKS)

    try:
        call()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise
        pytest.skip("no request breaks this operation's schema (any string is a valid id)")


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_without_a_key_every_route_but_healthz_answers_the_declared_401(
    operation: Any, keyed: str
) -> None:
    @given(case=operation.as_strategy())
    @settings(_HYPOTHESIS, max_examples=KEYED_EXAMPLES)
    def call(case: Any) -> None:
        response = case.call_and_validate(base_url=keyed, checks=CHECKS)
        assert response.status_code == (200 if case.path == "/healthz" else 401)

    call()
