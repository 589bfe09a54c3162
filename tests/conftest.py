"""Shared fixtures: the real embedding model, real stores over the sample and seed corpora."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Nothing may be fetched from a hub; the models come from installed packages.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from indexer.embedding import SentenceTransformerEmbedder, load_embedder  # noqa: E402
from service.settings import Settings  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEED_NEWS = SHARED / "corpus" / "seed-news"
SAMPLE_NEWS = REPO / "eval" / "data" / "sample-news"
TEST_DATA = REPO / "tests" / "data"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the test when the shared data is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data {path} is absent (it lives beside the checkout in ../shared)")
    return path


@pytest.fixture(scope="session")
def seed_news_dir() -> Path:
    """The five real scraped articles in ../shared."""
    return shared_path("corpus", "seed-news")


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The real all-MiniLM-L6-v2 model, loaded once per run."""
    return load_embedder()


def make_settings(index_dir: Path, **overrides: object) -> Settings:
    """Settings for a test store, ignoring any FOOTNOTE_ variables of the machine."""
    return Settings(index_dir=index_dir, **overrides)  # type: ignore[arg-type]


def build_store(corpus: Path, index_dir: Path) -> Settings:
    """Index `corpus` into `index_dir` with the real pipeline; returns its settings."""
    from service.indexing import index_into_store

    settings = make_settings(index_dir)
    index_into_store([corpus], settings)
    return settings


@pytest.fixture(scope="session")
def sample_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A store over the repository's sample corpus, built once per run. Do not modify it."""
    return build_store(SAMPLE_NEWS, tmp_path_factory.mktemp("sample-store"))


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory: pytest.TempPathFactory, seed_news_dir: Path) -> Settings:
    """A store over the five seed articles, built once per run. Do not modify it."""
    return build_store(seed_news_dir, tmp_path_factory.mktemp("seed-store"))


@pytest.fixture(scope="session")
def llama_backend() -> Iterator[object]:
    """The embedded llama.cpp backend with the default SmolLM2 model, loaded once per run."""
    from service.backends.llamacpp import LlamaCppBackend

    backend = LlamaCppBackend()
    backend.check()
    yield backend
