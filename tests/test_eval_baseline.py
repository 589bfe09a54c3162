"""The LangChain recipe is rebuilt faithfully: raw files, its splitter, its prompt, top-4 chunks."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.baseline import (
    RECIPE_CHUNK_OVERLAP,
    RECIPE_CHUNK_SIZE,
    RECIPE_K,
    LangChainRecipe,
    RecipeChunk,
    RecipeIndex,
    load_prompt_template,
    read_corpus,
    said_dont_know,
    split_documents,
    stuff_prompt,
)
from eval.errors import RecipeCorpusError
from eval.gold import GoldQuestion
from eval.scoring import score_question
from indexer.embedding import SentenceTransformerEmbedder

# LangChain's stuff-chain QA prompt (langchain/chains/question_answering/stuff_prompt.py).
LANGCHAIN_PROMPT = (
    "Use the following pieces of context to answer the question at the end. If you don't know "
    "the answer, just say that you don't know, don't try to make up an answer.\n\n"
    "{context}\n\nQuestion: {question}\nHelpful Answer:"
)
HARBOUR = (
    "The harbour of Lindqvist was rebuilt in 1998 after a storm destroyed the old piers. "
    "The new piers were designed by the engineer Maja Holt and took four years to build. "
)
BAKERY = "The Rosen bakery sells rye bread every morning. Its owner is Tomas Rosen. "


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Two long articles, an HTML page kept raw, and a hidden file the recipe skips."""
    folder = tmp_path / "news"
    (folder / "city").mkdir(parents=True)
    (folder / "harbour.txt").write_text(HARBOUR * 12, encoding="utf-8")
    (folder / "city" / "bakery.txt").write_text(BAKERY * 20, encoding="utf-8")
    (folder / "page.html").write_text("<p>Tram fares rise in <b>May</b>.</p>", encoding="utf-8")
    (folder / ".DS_Store").write_text("junk", encoding="utf-8")
    return folder


def test_the_recipe_reads_every_visible_file_raw_by_path(corpus: Path) -> None:
    documents = read_corpus(corpus)

    assert [source for source, _ in documents] == ["city/bakery.txt", "harbour.txt", "page.html"]
    assert documents[2][1] == "<p>Tram fares rise in <b>May</b>.</p>"  # no cleaning


def test_a_missing_or_undecodable_corpus_is_refused_with_a_fix(tmp_path: Path) -> None:
    with pytest.raises(RecipeCorpusError, match="no corpus folder at .*; pass the folder"):
        read_corpus(tmp_path / "none")
    (tmp_path / "bin.txt").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(RecipeCorpusError, match=r"cannot read .*bin\.txt as UTF-8 text"):
        read_corpus(tmp_path)


def test_chunks_are_the_splitters_and_slice_back_to_their_raw_text(corpus: Path) -> None:
    documents = dict(read_corpus(corpus))

    chunks = split_documents(list(documents.items()))

    by_source = {s: [c for c in chunks if c.source == s] for s in documents}
    assert [len(by_source[s]) for s in sorted(by_source)] == [2, 3, 1]
    for chunk in chunks:
        assert len(chunk.text) <= RECIPE_CHUNK_SIZE
        raw = documents[chunk.source]
        assert raw[chunk.start : chunk.start + len(chunk.text)] == chunk.text
    for parts in by_source.values():
        for before, after in zip(parts, parts[1:], strict=False):
            overlap = before.start + len(before.text) - after.start
            assert 0 < overlap <= RECIPE_CHUNK_OVERLAP


def test_the_prompt_file_is_langchains_stuff_prompt_word_for_word() -> None:
    assert load_prompt_template() == LANGCHAIN_PROMPT


def test_the_stuff_prompt_joins_the_chunks_with_blank_lines() -> None:
    chunks = [RecipeChunk("a.txt", "First chunk.", 0), RecipeChunk("b.txt", "Second {x}.", 0)]

    prompt = stuff_prompt(LANGCHAIN_PROMPT, "Who?", chunks)

    assert prompt.endswith(
        "don't try to make up an answer.\n\nFirst chunk.\n\nSecond {x}.\n\n"
        "Question: Who?\nHelpful Answer:"
    )


@pytest.mark.parametrize(
    ("reply", "abstains"),
    [
        ("I don't know.", True),
        ("I don\u2019t know the answer.", True),
        ("I do not know", True),
        ("Sorry, I DONT KNOW", True),
        ("   ", True),
        ("Maja Holt designed the piers.", False),
        ("The piers were built by people who know the sea.", False),
    ],
)
def test_the_recipe_abstains_when_its_reply_says_it_does_not_know(
    reply: str, abstains: bool
) -> None:
    assert said_dont_know(reply) is abstains


def test_the_recipe_index_finds_the_chunk_about_the_question(
    corpus: Path, embedder: SentenceTransformerEmbedder
) -> None:
    index = RecipeIndex(split_documents(read_corpus(corpus)), embedder)

    found = index.search("Who designed the new piers of the harbour?", RECIPE_K)

    assert len(found) == RECIPE_K
    assert found[0][0].source == "harbour.txt"
    assert [score for _, score in found] == sorted((score for _, score in found), reverse=True)


def test_the_recipe_refuses_a_backend_that_is_not_an_llm(
    corpus: Path, embedder: SentenceTransformerEmbedder
) -> None:
    from service.backends.extractive import ExtractiveBackend

    with pytest.raises(ValueError, match="needs an LLM"):
        LangChainRecipe(corpus, embedder, ExtractiveBackend(embedder))


@pytest.mark.slow
def test_the_recipe_answers_in_the_service_shape_with_smollm2(
    corpus: Path, embedder: SentenceTransformerEmbedder, llama_backend: object
) -> None:
    system = LangChainRecipe(corpus, embedder, llama_backend)  # type: ignore[arg-type]
    system.check()
    question = "Who designed the new piers of the harbour?"

    reply = system.reply(question, 5)

    answer = reply.answer
    assert answer["citations"] == [] and reply.articles == {}
    assert len(answer["related"]) == RECIPE_K
    assert answer["related"][0]["source"] == "harbour.txt"
    assert len(reply.retrieved_sources) == 5
    assert answer["abstained"] is said_dont_know(answer["answer"])
    timings = answer["timings_ms"]
    assert 0 < timings["retrieval"] <= timings["first_token"] <= timings["total"]
    gold = GoldQuestion("h1", question, ("Maja Holt",), ("harbour.txt",), "single")
    result = score_question(gold, answer, reply.retrieved_sources, reply.articles, 5)
    assert result.first_gold_rank == 1
    assert result.citation_recall == 0.0 and result.citation_validity is None
    assert system.reply(question, 5).answer["answer"] == answer["answer"]  # temperature 0
