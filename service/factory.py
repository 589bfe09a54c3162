"""Build the engine and its parts from Settings; used by the CLI and create_app."""

from __future__ import annotations

import logging

from indexer.embedding import DEFAULT_MODEL, canonical_model_name
from service.answerability import MIN_PASSAGE_SIMILARITY, MIN_TOPIC_SIMILARITY
from service.backends.base import Backend
from service.backends.extractive import ExtractiveBackend
from service.engine import Engine, EngineLimits
from service.indexing import embedder_for
from service.prompting import PromptLibrary
from service.reader import LikelihoodReader, shared_reader
from service.settings import LLMName, Settings
from service.snapshots import StoreSnapshots

logger = logging.getLogger(__name__)


def backend_for(settings: Settings, name: LLMName | None = None) -> Backend:
    """The answer backend the settings (or `name`) select."""
    name = name or settings.llm
    if name == "llamacpp":
        from service.backends.llamacpp import LlamaCppBackend

        return LlamaCppBackend(
            settings.llamacpp_model_path,
            threads=settings.llamacpp_threads,
            context_tokens=settings.llamacpp_context_tokens,
            flash_attention=settings.llamacpp_flash_attention,
            fast_copy=settings.llamacpp_fast_copy,
        )
    if name == "ollama":
        from service.backends.ollama import OllamaBackend

        return OllamaBackend(
            model=settings.ollama_model,
            host=settings.ollama_host,
            timeout_s=settings.llm_timeout_s,
        )
    return ExtractiveBackend(embedder_for(settings))


def reader_for(settings: Settings, backend: Backend) -> LikelihoodReader | None:
    """The reader for an LLM backend where the settings want one; None for extractive."""
    if not settings.reader or backend.name == "extractive":
        return None
    return shared_reader(
        settings.reader_model_path,
        settings.llamacpp_threads,
        settings.llamacpp_flash_attention,
    )


def engine_for(settings: Settings, backend: Backend | None = None) -> Engine:
    """An Engine over the settings' store with the chosen backend."""
    embedder = embedder_for(settings)
    backend = backend or backend_for(settings)
    snapshots = StoreSnapshots(
        settings.index_dir,
        embedder,
        max_top_k=settings.max_top_k,
        max_per_document=settings.max_chunks_per_document,
        recent_days=settings.recent_days,
    )
    limits = EngineLimits(
        top_k=settings.top_k,
        max_top_k=settings.max_top_k,
        max_question_chars=settings.max_question_chars,
        max_answer_tokens=settings.max_answer_tokens,
        week_required=settings.week_required,
        min_passage_similarity=passage_similarity_floor(settings),
        min_topic_similarity=topic_similarity_floor(settings),
        model_choice_margin=settings.model_choice_margin,
        ask_model_always=settings.ask_model_always,
    )
    return Engine(
        snapshots,
        backend,
        embedder,
        PromptLibrary(settings.prompts_dir),
        limits,
        reader=reader_for(settings, backend),
    )


def passage_similarity_floor(settings: Settings) -> float:
    """How similar to the question a passage must be for the check for nothing close to it
    (answerability.assess_recency): the setting where given; else MIN_PASSAGE_SIMILARITY with
    the embedding model it was chosen for, and 0 (no check) with any other."""
    return _similarity_floor(
        settings,
        "min_passage_similarity",
        MIN_PASSAGE_SIMILARITY,
        "passages close to a dated question",
    )


def topic_similarity_floor(settings: Settings) -> float:
    """How similar to any question some passage or evidence sentence must be for it to be
    answered (answerability.assess_answerability): the setting where given; else
    MIN_TOPIC_SIMILARITY with the embedding model it was chosen for, and 0 (no check) with any
    other."""
    return _similarity_floor(
        settings, "min_topic_similarity", MIN_TOPIC_SIMILARITY, "a passage about the question"
    )


def _similarity_floor(settings: Settings, setting: str, chosen: float, check: str) -> float:
    """The floor `setting` gives where set; else `chosen` for the embedding model it was
    chosen for, and 0 with any other: cosine similarities run on each model's own scale."""
    given: float | None = getattr(settings, setting)
    if given is not None:
        return given
    if canonical_model_name(settings.embedding_model) == canonical_model_name(DEFAULT_MODEL):
        return chosen
    logger.info(
        "no check for %s: its floor was chosen for %s; set FOOTNOTE_%s for %s",
        check,
        DEFAULT_MODEL,
        setting.upper(),
        settings.embedding_model,
    )
    return 0.0
