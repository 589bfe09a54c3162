"""Contracts: every FootnoteError has a problems row; every OpenAPI field is described."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from indexer.errors import FootnoteError
from service.api.app import create_app
from service.api.problems import PROBLEMS, kind_for
from tests.conftest import make_settings

PACKAGES = ("indexer", "service", "eval")

# Errors that can never reach the API, so they have no row. Each must say why.
NOT_RAISED_BY_THE_API = {
    # eval/ runs offline evaluations; it depends on service/, never the other way round.
    "eval.gold.GoldFileError",
    "eval.report.BaselineFileError",
    "eval.errors.SquadFileError",
    "eval.errors.ConversionTargetExists",
    "eval.errors.RecipeCorpusError",
    "eval.errors.InvalidEvalOptions",
    # The service client's errors about talking *to* a service; the service never raises them.
    "service.errors.ServiceClientError",
    "service.errors.ServiceUnreachable",
    "service.errors.ServiceFailed",
}


def _import_everything() -> None:
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            if not module.name.endswith("__main__"):
                importlib.import_module(module.name)


def _subclasses(cls: type[FootnoteError]) -> Iterator[type[FootnoteError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def test_every_footnote_error_has_a_problems_row() -> None:
    _import_everything()
    classes = set(_subclasses(FootnoteError))
    unmapped = sorted(
        _name(cls)
        for cls in classes
        if _name(cls) not in NOT_RAISED_BY_THE_API and kind_for(cls) is None
    )
    assert not unmapped, (
        f"add a row to service/api/problems.py PROBLEMS for {unmapped}, or list them in "
        f"NOT_RAISED_BY_THE_API with the reason"
    )
    stale = NOT_RAISED_BY_THE_API - {_name(cls) for cls in classes}
    assert not stale, f"{stale} no longer exist; remove them from NOT_RAISED_BY_THE_API"


def test_the_root_error_has_no_row_so_nothing_is_mapped_by_accident() -> None:
    assert FootnoteError not in PROBLEMS
    assert kind_for(FootnoteError) is None


def test_every_503_says_when_to_retry() -> None:
    for cls, kind in PROBLEMS.items():
        if kind.status == 503:
            assert kind.retry_after_s, cls


def _openapi(tmp_path: Path) -> dict[str, Any]:
    # The schema needs no store or model: creating the app builds neither.
    return create_app(make_settings(tmp_path, llm="extractive")).openapi()


def _properties(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        for name, schema in (node.get("properties") or {}).items():
            yield f"{where}.{name}", schema
        for key, value in node.items():
            yield from _properties(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _properties(value, f"{where}[{i}]")


def test_every_schema_property_in_openapi_is_described(tmp_path: Path) -> None:
    spec = _openapi(tmp_path)
    undescribed = [
        where for where, schema in _properties(spec, "") if not schema.get("description")
    ]
    assert not undescribed, f"give these fields a description: {undescribed}"
    schemas = spec["components"]["schemas"]
    assert {"AskRequest", "ChatRequest", "AnswerResponse", "ProblemResponse"} <= schemas.keys()
    assert "HTTPValidationError" not in schemas  # our 422s are problems, and documented so


def test_every_parameter_and_operation_in_openapi_is_described(tmp_path: Path) -> None:
    spec = _openapi(tmp_path)
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"
            for parameter in operation.get("parameters", []):
                assert parameter.get("description"), (path, method, parameter["name"])
    expected = {
        "/v1/ask", "/v1/chat", "/v1/search", "/v1/documents", "/v1/documents/{document_id}",
        "/healthz", "/readyz", "/metrics",
    }  # fmt: skip
    assert expected <= spec["paths"].keys()
