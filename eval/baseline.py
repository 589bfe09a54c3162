"""The stock LangChain RAG recipe, rebuilt from the same parts, as a system to compare against.

The recipe (LangChain's question-answering quickstart): TextLoader reads every file raw, with no
cleaning; RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200) splits it; a FAISS
vector store of the embeddings finds the top 4 chunks; the "stuff" chain joins them with blank
lines into the classic QA prompt (eval/prompts/langchain_stuff_qa.txt), and the LLM's reply is
the answer. We use the splitter itself, the same MiniLM embedder as Footnote, exact FAISS search
and whichever Footnote backend generates (SmolLM2 through llama.cpp by default).

Two choices are ours, to score it with Footnote's scorer:
- it abstains when its reply says it does not know (the prompt's instruction), or is empty;
- its ranking for retrieval metrics is its top k chunks (k = the run's --top-k), while the
  prompt always gets the recipe's 4; with --top-k 4 the two are the same.
It has no citations, so citation figures are n/a (recall 0), and it indexes a JSON-lines file
as one document, so a gold source "wire.jsonl#2" never matches its "wire.jsonl".
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import faiss
import numpy as np
import numpy.typing as npt

from eval.errors import RecipeCorpusError
from eval.runner import SystemReply

# Not yet among service's exported names; the recipe needs them to ask a backend directly.
from service.backends.base import ChatMessage, GenerationRequest

logger = logging.getLogger(__name__)

RECIPE_LABEL = "langchain-recipe"
RECIPE_CHUNK_SIZE = 1000  # characters, the recipe's values
RECIPE_CHUNK_OVERLAP = 200
RECIPE_K = 4  # VectorStoreRetriever's default search_kwargs k
RECIPE_MAX_TOKENS = 256
# StuffDocumentsChain's default document_separator; each document is its page_content.
DOCUMENT_SEPARATOR = "\n\n"
PROMPT_PATH = Path(__file__).parent / "prompts" / "langchain_stuff_qa.txt"
# The prompt tells the model to "just say that you don't know"; typographic apostrophes too.
_DONT_KNOW = re.compile(r"\b(?:don['\u2019]?t|do not)\s+know\b", re.IGNORECASE)


class Embedder(Protocol):
    """What the recipe needs of an embedding model: unit-length vectors, one row per text."""

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed `texts`."""
        ...


class Generator(Protocol):
    """What the recipe needs of a Footnote backend."""

    name: str
    model: str

    def generate(self, request: GenerationRequest) -> Iterator[str]:
        """Yield the reply piece by piece."""
        ...

    def check(self) -> None:
        """Raise a BackendError if the backend cannot answer now."""
        ...


@dataclass(frozen=True)
class RecipeChunk:
    """One chunk of a raw file: `raw_text[start:start + len(text)] == text`."""

    source: str
    text: str
    start: int


# --- the recipe's pure steps ---------------------------------------------------------------


def read_corpus(folder: Path) -> list[tuple[str, str]]:
    """(source, raw text) of every visible file under `folder`, by path, as TextLoader reads it."""
    if not folder.is_dir():
        raise RecipeCorpusError(
            f"no corpus folder at {folder}; pass the folder of articles with --corpus"
        )
    documents: list[tuple[str, str]] = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if not path.is_file() or any(part.startswith(".") for part in relative.parts):
            continue
        try:
            documents.append((relative.as_posix(), path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise RecipeCorpusError(
                f"the recipe cannot read {path} as UTF-8 text ({exc}); remove it from {folder}"
            ) from exc
    if not documents:
        raise RecipeCorpusError(f"{folder} holds no files; pass the folder of articles")
    return documents


def split_documents(documents: Sequence[tuple[str, str]]) -> list[RecipeChunk]:
    """The recipe's chunks: RecursiveCharacterTextSplitter(1000, 200) over each raw text."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=RECIPE_CHUNK_SIZE, chunk_overlap=RECIPE_CHUNK_OVERLAP, add_start_index=True
    )
    chunks: list[RecipeChunk] = []
    for source, text in documents:
        for piece in splitter.create_documents([text]):
            chunks.append(RecipeChunk(source, piece.page_content, piece.metadata["start_index"]))
    return chunks


def load_prompt_template(path: Path = PROMPT_PATH) -> str:
    """The stuff chain's QA prompt, with {context} and {question} placeholders."""
    template = path.read_text(encoding="utf-8").removesuffix("\n")
    for name in ("{context}", "{question}"):
        if name not in template:
            raise ValueError(f"prompt template {path} lacks the placeholder {name}")
    return template


def stuff_prompt(template: str, question: str, chunks: Sequence[RecipeChunk]) -> str:
    """The stuff chain's prompt: the chunks' texts joined by blank lines, and the question."""
    context = DOCUMENT_SEPARATOR.join(chunk.text for chunk in chunks)
    return template.format(context=context, question=question)


def said_dont_know(reply: str) -> bool:
    """Whether a reply abstains: it says it doesn't know, as the prompt asks, or says nothing."""
    return not reply.strip() or _DONT_KNOW.search(reply) is not None


# --- the recipe as a system under evaluation -----------------------------------------------


class RecipeIndex:
    """Exact inner-product search over the chunks' unit vectors (the same order as L2)."""

    def __init__(self, chunks: Sequence[RecipeChunk], embedder: Embedder) -> None:
        if not chunks:
            raise ValueError("no chunks to index; the corpus has no text")
        self.chunks = list(chunks)
        self.embedder = embedder
        vectors = np.ascontiguousarray(embedder.embed([c.text for c in self.chunks]))
        self._index = faiss.IndexFlatIP(int(vectors.shape[1]))
        self._index.add(vectors)

    def search(self, query: str, k: int) -> list[tuple[RecipeChunk, float]]:
        """The `k` chunks nearest to `query`, best first, with their scores."""
        vector = np.ascontiguousarray(self.embedder.embed([query]), dtype=np.float32)
        scores, ids = self._index.search(vector, min(k, len(self.chunks)))
        return [
            (self.chunks[int(i)], float(s))
            for i, s in zip(ids[0], scores[0], strict=True)
            if i >= 0
        ]


class LangChainRecipe:
    """The LangChain recipe over a raw corpus folder; the index is built by check()."""

    label = RECIPE_LABEL

    def __init__(
        self,
        corpus: Path,
        embedder: Embedder,
        backend: Generator,
        *,
        template: str | None = None,
    ) -> None:
        if backend.name == "extractive":
            raise ValueError(
                "the LangChain recipe needs an LLM to answer; pass --backend llamacpp or ollama"
            )
        self.corpus = corpus
        self.embedder = embedder
        self.backend = backend
        self.template = template if template is not None else load_prompt_template()
        self._index: RecipeIndex | None = None

    @classmethod
    def build(cls, corpus: Path, embedder: Embedder, backend: Generator) -> LangChainRecipe:
        """A recipe with its index built and its backend loaded, ready to ask."""
        recipe = cls(corpus, embedder, backend)
        recipe.check()
        return recipe

    def check(self) -> None:
        """Read, split and embed the corpus, then load the backend."""
        self._ready()
        self.backend.check()

    def ask(self, question: str) -> dict[str, Any]:
        """The recipe's answer to `question` from its 4 chunks, in the service's Answer shape."""
        return dict(self.reply(question, RECIPE_K).answer)

    def reply(self, question: str, k: int, as_of: str | None = None) -> SystemReply:
        """The recipe's answer in the service's Answer shape; its top k chunks as the ranking.

        The stock recipe knows no dates, so `as_of` is not used.
        """
        start = time.perf_counter()
        found = self._ready().search(question, max(k, RECIPE_K))
        retrieval_ms = _ms_since(start)
        stuffed = [chunk for chunk, _ in found[:RECIPE_K]]
        request = GenerationRequest(
            messages=[ChatMessage("user", stuff_prompt(self.template, question, stuffed))],
            max_tokens=RECIPE_MAX_TOKENS,
        )
        pieces: list[str] = []
        first_token_ms: float | None = None
        for piece in self.backend.generate(request):
            if first_token_ms is None:
                first_token_ms = _ms_since(start)
            pieces.append(piece)
        timings = {
            "retrieval": retrieval_ms,
            "first_token": first_token_ms,
            "total": _ms_since(start),
        }
        answer = self._answer(question, "".join(pieces).strip(), found[:RECIPE_K], timings)
        return SystemReply(
            answer=answer,
            retrieved_sources=tuple(chunk.source for chunk, _ in found[:k]),
            articles={},
        )

    def close(self) -> None:
        """Nothing to release: the index lives in memory and the backend is the caller's."""

    def _ready(self) -> RecipeIndex:
        if self._index is None:
            chunks = split_documents(read_corpus(self.corpus))
            logger.info("recipe: embedding %d chunks of %s", len(chunks), self.corpus)
            self._index = RecipeIndex(chunks, self.embedder)
        return self._index

    def _answer(
        self,
        question: str,
        text: str,
        stuffed: Sequence[tuple[RecipeChunk, float]],
        timings: dict[str, float | None],
    ) -> dict[str, Any]:
        abstained = said_dont_know(text)
        return {
            "question": question,
            "answer": text,
            "abstained": abstained,
            "grounding": "abstained" if abstained else "unverified",
            "citations": [],
            "related": [
                {
                    "source": chunk.source,
                    "text": chunk.text,
                    "start": chunk.start,
                    "end": chunk.start + len(chunk.text),
                    "score": score,
                }
                for chunk, score in stuffed
            ],
            "backend": self.backend.name,
            "model": self.backend.model,
            "timings_ms": dict(timings),
            "reason": "the reply says it does not know" if abstained else "",
        }


def _ms_since(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)
