"""The bundled chat model runs from an F16 copy made once; anything else runs as given."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from service.backends.gguf_copy import fast_copy
from service.backends.llamacpp import LlamaCppBackend, default_model_path

# llama.cpp's number for "mostly F16" in a GGUF file's general.file_type (llama.h).
FILE_TYPE_F16 = "1"


def file_type(path: Path) -> str:
    """The general.file_type a GGUF file declares, read by llama.cpp itself."""
    from llama_cpp import Llama

    vocab = Llama(model_path=str(path), vocab_only=True, verbose=False)
    try:
        return str(vocab.metadata["general.file_type"])
    finally:
        vocab.close()


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of this test's own."""
    monkeypatch.setenv("FOOTNOTE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def unwritable_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache setting that names a file, so no folder can be made there."""
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("a file where the cache folder should be")
    monkeypatch.setenv("FOOTNOTE_CACHE_DIR", str(not_a_folder))
    return not_a_folder


@pytest.mark.slow
def test_the_bundled_model_is_copied_once_as_q8_0_into_the_cache(cache: Path) -> None:
    shipped = default_model_path()
    assert file_type(shipped) != FILE_TYPE_F16

    copy = fast_copy(shipped)
    made = copy.stat().st_mtime_ns

    assert copy.is_relative_to(cache)
    assert copy.name == "SmolLM2-135M-Instruct.F16.gguf"
    assert file_type(copy) == FILE_TYPE_F16
    assert fast_copy(shipped) == copy
    assert copy.stat().st_mtime_ns == made  # the second call found it, and wrote nothing
    assert [p.name for p in copy.parent.iterdir()] == [copy.name]  # no temporary file left


def test_a_changed_model_file_gets_a_copy_of_its_own(cache: Path, tmp_path: Path) -> None:
    shipped = tmp_path / "SmolLM2-135M-Instruct.Q4_1.gguf"
    shipped.write_bytes(default_model_path().read_bytes())
    first = fast_copy(shipped)
    os.utime(shipped, ns=(0, 0))

    second = fast_copy(shipped)

    assert second != first and second.is_file()


def test_a_file_llama_cpp_cannot_read_is_used_as_given(cache: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.Q4_1.gguf"
    broken.write_bytes(b"GGUF" + bytes(4096))

    assert fast_copy(broken) == broken
    assert not any(p.is_file() for p in cache.rglob("*"))  # nothing half-written is kept


def test_an_unwritable_cache_leaves_the_shipped_file_in_use(unwritable_cache: Path) -> None:
    assert fast_copy(default_model_path()) == default_model_path()


def test_a_model_the_user_names_is_run_as_given(tmp_path: Path) -> None:
    named = LlamaCppBackend(tmp_path / "mine.Q4_1.gguf")
    bundled = LlamaCppBackend()
    switched_off = LlamaCppBackend(fast_copy=False)

    assert (named.fast_copy, bundled.fast_copy, switched_off.fast_copy) == (False, True, False)
    # Named before anything is loaded, as /readyz and every answer report it.
    assert named.model == "mine.Q4_1.gguf"
    assert bundled.model == "SmolLM2-135M-Instruct.F16.gguf"
    assert switched_off.model == "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.mark.slow
def test_the_bundled_backend_answers_from_the_copy(llama_backend: LlamaCppBackend) -> None:
    assert llama_backend.model == "SmolLM2-135M-Instruct.F16.gguf"


@pytest.mark.slow
def test_a_backend_whose_copy_cannot_be_made_runs_and_names_the_shipped_file(
    unwritable_cache: Path,
) -> None:
    backend = LlamaCppBackend()

    backend.check()

    assert backend.model == "SmolLM2-135M-Instruct.Q4_1.gguf"
