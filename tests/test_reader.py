"""The reader: the real Gemma 3 270M scores candidate short answers; the engine reorders by it
with an LLM backend only, and a missing or altered model file is a clear error."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from indexer.embedding import SentenceTransformerEmbedder
from service import reader_model
from service.answers import answered_by
from service.backends.extractive import ExtractiveBackend
from service.errors import ReaderUnavailable
from service.factory import engine_for
from service.prompting import PromptLibrary
from service.question import profile_question
from service.reader import (
    READ_DEPTH,
    READER_WEIGHT,
    LikelihoodReader,
    log_probabilities,
    per_root_token,
    reranked,
    reread,
    shared_reader,
    tokens_log_probability,
)
from service.settings import Settings
from service.short_answers import settle_short_answer
from service.spans import SpanCandidate
from tests.test_short_answers import (
    GENERAL_QUESTION,
    MORTAZAWI,
    NICHOLSON,
    general_case,
    passage,
    ranked_for,
)


@pytest.fixture(scope="module")
def reader() -> LikelihoodReader:
    """The bundled reader, shared with every engine the tests build (one load per run)."""
    return shared_reader()


def _likelihoods(reader: LikelihoodReader, prompt: str, answers: list[str]) -> list[float]:
    """Each answer's likelihood after `prompt`, as the reader ranks them."""
    return [per_root_token(*lp) for lp in reader.log_probabilities(prompt, answers)]


@pytest.mark.slow
def test_the_reader_prefers_the_general_to_the_spokesman_beside_him(
    reader: LikelihoodReader,
) -> None:
    prompt = PromptLibrary().reader_prompt(GENERAL_QUESTION, [MORTAZAWI, NICHOLSON])
    nicholson, mortazawi = _likelihoods(
        reader, prompt, ["John Nicholson", "Shah Hossain Mortazawi"]
    )
    assert nicholson > mortazawi


@pytest.mark.slow
def test_each_candidate_is_read_beside_its_own_sentence_only(
    reader: LikelihoodReader, embedder: SentenceTransformerEmbedder
) -> None:
    # Read beside every candidate's sentence at once, a name lent its likelihood to the
    # names of other sentences (rtqa: "Kenya" for "Haiti"); beside its own sentence, a span is
    # judged on whether that sentence answers the question with it.
    candidates = candidates_for(embedder)
    by_text = {c.text: c for c in candidates}
    general, spokesman = by_text["John Nicholson"], by_text["Shah Hossain Mortazawi"]
    prompts = PromptLibrary()
    pair = log_probabilities(reader, prompts, GENERAL_QUESTION, [general, spokesman])
    alone = [
        reader.log_probabilities(
            prompts.reader_prompt(GENERAL_QUESTION, [c.evidence.text]), [c.text]
        )
        for c in (general, spokesman)
    ]
    assert _same_scores(pair, [a[0] for a in alone])
    # A third candidate's sentence changes nothing for the first two.
    elsewhere = replace(spokesman.evidence, text="Officials of both countries met in Moscow.")
    third = replace(spokesman, text="Moscow", evidence=elsewhere)
    trio = log_probabilities(reader, prompts, GENERAL_QUESTION, [general, spokesman, third])
    assert _same_scores(trio[:2], pair)
    general_likelihood, spokesman_likelihood = (per_root_token(*lp) for lp in pair)
    assert general_likelihood > spokesman_likelihood


def _same_scores(a: list[tuple[float, int]], b: list[tuple[float, int]]) -> bool:
    """The same token counts and, to rounding, the same log-probabilities."""
    same_totals = [t for t, _ in a] == pytest.approx([t for t, _ in b], abs=1e-6)
    return same_totals and [n for _, n in a] == [n for _, n in b]


@pytest.mark.slow
def test_answers_scored_together_score_as_they_do_alone(reader: LikelihoodReader) -> None:
    # Each answer is read from the cached prompt: what one leaves behind must not reach the next.
    prompt = PromptLibrary().reader_prompt(GENERAL_QUESTION, [MORTAZAWI, NICHOLSON])
    answers = ["Shah Hossain Mortazawi", "John Nicholson", "Afghanistan"]
    together = _likelihoods(reader, prompt, answers)
    alone = [_likelihoods(reader, prompt, [a])[0] for a in answers]
    assert together == pytest.approx(alone, abs=1e-6)
    assert _likelihoods(reader, prompt, []) == []


@pytest.mark.slow
def test_each_answer_scores_as_the_prompt_and_answer_read_afresh(reader: LikelihoodReader) -> None:
    # The prompt's last token is read once for every answer and each answer's last token not
    # at all (its logits would predict what follows it): the totals must still be those of
    # reading the prompt and the answer whole, token by token. Batches of different sizes
    # round differently in llama.cpp, hence the tolerance; a token scored at the wrong place
    # is off by several nats.
    prompt = PromptLibrary().reader_prompt(GENERAL_QUESTION, [NICHOLSON])
    answers = ["John Nicholson", "Afghanistan", "the United States and Russia"]
    scored = reader.log_probabilities(prompt, answers)
    llama = reader._model()
    prompt_tokens = llama.tokenize(prompt.encode(), add_bos=True)
    for answer, (total, count) in zip(answers, scored, strict=True):
        tokens = llama.tokenize((" " + answer).encode(), add_bos=False)
        llama.reset()  # type: ignore[no-untyped-call]
        llama._logits_all = True
        llama.eval(prompt_tokens + tokens)
        first = len(prompt_tokens) - 1  # the row that predicts the answer's first token
        expected = tokens_log_probability(llama.scores[first : first + len(tokens)], tokens)
        assert count == len(tokens)
        assert total == pytest.approx(expected, abs=0.3)


@pytest.mark.slow
def test_a_prompt_longer_than_the_context_is_still_read(reader: LikelihoodReader) -> None:
    # Scraped news can hold "sentences" of thousands of words; the question and "Answer:" at
    # the end of the prompt are what must stay.
    rambling = " ".join(["The port authority met again to discuss the quay."] * 400)
    prompt = PromptLibrary().reader_prompt(GENERAL_QUESTION, [rambling, MORTAZAWI, NICHOLSON])
    scores = _likelihoods(reader, prompt, ["John Nicholson", "Shah Hossain Mortazawi"])
    assert len(scores) == 2 and all(s < 0 for s in scores)


def candidates_for(embedder: SentenceTransformerEmbedder) -> list[SpanCandidate]:
    _, _, candidates = general_case(embedder)
    assert len(candidates) >= 2
    return candidates


def test_reranking_keeps_the_likeliest_score_and_lowers_the_rest(
    embedder: SentenceTransformerEmbedder,
) -> None:
    candidates = candidates_for(embedder)
    profile = profile_question(GENERAL_QUESTION)
    # The reader likes the second candidate best, by 2 against the first.
    likelihoods = [-3.0, -1.0]
    out = reranked(candidates, likelihoods, profile)
    second = next(c for c in out if c.text == candidates[1].text)
    first = next(c for c in out if c.text == candidates[0].text)
    assert second.score == pytest.approx(candidates[1].score)
    assert first.score == pytest.approx(candidates[0].score - READER_WEIGHT * 2.0)
    # Candidates past the ones read keep their scores, and the list is best first.
    for unread in candidates[2:]:
        assert next(c for c in out if c.text == unread.text).score == unread.score
    assert [c.score for c in out] == sorted((c.score for c in out), reverse=True)
    assert {c.text for c in out} == {c.text for c in candidates}


@pytest.mark.slow
def test_a_lone_candidate_is_not_read_so_no_answer_claims_a_rescoring(
    reader: LikelihoodReader, embedder: SentenceTransformerEmbedder
) -> None:
    candidates = candidates_for(embedder)
    profile = profile_question(GENERAL_QUESTION)
    assert reread(reader, PromptLibrary(), profile, candidates[:1]) is None
    rescored = reread(reader, PromptLibrary(), profile, candidates)
    assert rescored is not None
    assert {c.text for c in rescored} == {c.text for c in candidates}


def test_the_reader_cannot_prefer_a_name_that_stands_apart_from_the_question(
    embedder: SentenceTransformerEmbedder,
) -> None:
    # The rules' first stands by the question's words ("urgent need for a ceasefire"); a name
    # in a sentence that says nothing of that need may be likelier to a small model, but a
    # true name in the wrong relation is what a reader must not be told.
    text = (
        "Mohib and Patrushev stressed the urgent need for a ceasefire in the north. Mohib met "
        "officials of the National Security Council in Harnau."
    )
    question = "For what did Mohib and Patrushev say there was an urgent need?"
    _, candidates = ranked_for(question, [passage(text)], embedder)
    texts = [c.text for c in candidates]
    assert texts[0] == "ceasefire" and candidates[0].relations == {"about"}
    council = texts.index("National Security Council")
    assert not candidates[council].relations
    likelihoods = [-12.0] * min(len(candidates), READ_DEPTH)
    likelihoods[council] = -1.0
    out = reranked(candidates, likelihoods, profile_question(question))
    assert out[0].text == "ceasefire"
    assert out[1].text == "National Security Council"  # the reader's favourite, next
    # It keeps the rules' score, above the favourite's: no reply can tie it back to first.
    assert out[0].score == candidates[0].score > out[1].score
    # Where the reader's favourite stands by the question too, it is chosen.
    related = next(i for i, c in enumerate(candidates[1:READ_DEPTH], 1) if c.relations)
    likelihoods = [-12.0] * min(len(candidates), READ_DEPTH)
    likelihoods[related] = -1.0
    assert reranked(candidates, likelihoods, profile_question(question))[0].text == texts[related]


def test_the_reader_cannot_drop_the_place_a_where_question_is_answered_by(
    embedder: SentenceTransformerEmbedder,
) -> None:
    # Both names stand by the question's words, but only one is where the claim was lodged.
    text = (
        "The claim was lodged with the maritime court in Lindhaven, naming Veldria as respondent."
    )
    question = "Where was Sarvek's arbitration claim lodged?"
    _, candidates = ranked_for(question, [passage(text)], embedder)
    assert [(c.text, c.relations) for c in candidates[:2]] == [
        ("Lindhaven", {"about", "place"}),
        ("Veldria", {"about"}),
    ]
    out = reranked(candidates, [-9.0, -1.0][: len(candidates)], profile_question(question))
    assert out[0].text == "Lindhaven"


def test_the_reader_cannot_prefer_a_name_the_best_evidence_names_less_often(
    embedder: SentenceTransformerEmbedder,
) -> None:
    # Both hurricanes made landfall, by the words; the best sentences name one of them three
    # times. A small model's liking for the other is no evidence against that.
    text = (
        "Hurricane Mirela made landfall in Veldria on Thursday. Hurricane Mirela made landfall "
        "in Veldria as a Category 4 storm this week. Officials said Hurricane Mirela made "
        "landfall in Veldria near Harnau. Hurricane Orin made landfall in Veldria in 2022."
    )
    question = "Which hurricane made landfall in Veldria this week?"
    passages = [passage(text)]
    ranked, candidates = ranked_for(question, passages, embedder)
    mirela, orin = candidates[0], candidates[1]
    assert (mirela.text, orin.text) == ("Hurricane Mirela", "Hurricane Orin")
    assert mirela.relations == orin.relations and mirela.prominence > orin.prominence
    likelihoods = [-9.0, -1.0] + [-12.0] * (min(len(candidates), READ_DEPTH) - 2)
    profile = profile_question(question)
    out = reranked(candidates, likelihoods, profile)
    assert out[0] == mirela and out[1].text == "Hurricane Orin"
    # The chat model replying with the refused favourite does not bring it back: its span
    # scores below the one put first (it had tied there, at the favourite's own score).
    settled = settle_short_answer("Hurricane Orin", profile, out, ranked, passages)
    assert settled.candidate.text == "Hurricane Mirela"
    assert settled.rejected_reply == "Hurricane Orin"


def test_an_even_reader_changes_nothing(embedder: SentenceTransformerEmbedder) -> None:
    candidates = candidates_for(embedder)
    profile = profile_question(GENERAL_QUESTION)
    assert reranked(candidates, [-2.0] * 5, profile) == candidates
    assert reranked(candidates, [], profile) == candidates


@pytest.mark.slow
def test_llm_answers_say_the_reader_rescored_them_and_extractive_ones_do_not(
    sample_settings: Settings, embedder: Any, llama_backend: Any
) -> None:
    question = "Who signed the port agreement?"
    read = engine_for(sample_settings, backend=llama_backend).ask(question)
    assert read.reader == reader_model.MODEL_FILE
    assert read.timings_ms["reading"] is not None
    assert read.short_answer is not None and "Adela Korvin" in read.short_answer.text
    assert answered_by(read).endswith(f"Candidates rescored by {reader_model.MODEL_FILE}.")
    plain = engine_for(sample_settings, backend=ExtractiveBackend(embedder)).ask(question)
    assert plain.reader is None and "reading" not in plain.timings_ms
    assert "rescored" not in answered_by(plain)
    off = Settings(index_dir=sample_settings.index_dir, reader=False)
    assert engine_for(off, backend=llama_backend).reader is None


def test_a_missing_reader_model_is_a_clear_error(tmp_path: Path) -> None:
    missing = LikelihoodReader(tmp_path / "none.gguf")
    with pytest.raises(ReaderUnavailable, match="FOOTNOTE_READER_MODEL_PATH"):
        missing.log_probabilities("Question: ?\nAnswer:", ["x"])


def test_missing_parts_name_the_package_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader_model, "PART_PACKAGES", ("no_such_reader_part",))
    with pytest.raises(ReaderUnavailable, match="no-such-reader-part"):
        reader_model.part_files()


def test_parts_join_into_the_published_file_or_into_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = []
    for i, content in enumerate((b"gguf-part-one ", b"and part two")):
        part = tmp_path / f"part{i}"
        part.write_bytes(content)
        parts.append(part)
    monkeypatch.setenv("FOOTNOTE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(reader_model, "part_files", lambda: parts)
    # Parts that do not join to the published SHA-256 leave no file behind.
    with pytest.raises(ReaderUnavailable, match="SHA-256"):
        reader_model.bundled_reader_path()
    assert not any(p.is_file() for p in (tmp_path / "cache").rglob("*"))
    published = hashlib.sha256(b"gguf-part-one and part two").hexdigest()
    monkeypatch.setattr(reader_model, "MODEL_SHA256", published)
    joined = reader_model.bundled_reader_path()
    assert joined.read_bytes() == b"gguf-part-one and part two"
    assert reader_model.bundled_reader_path() == joined  # joined once, then reused
