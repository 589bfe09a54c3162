"""End to end: questions in, verified answers with verbatim quotes (or abstentions) out."""

from __future__ import annotations

import gc
import json
import weakref
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from indexer.store import Store
from service.answerability import (
    MIN_PASSAGE_SIMILARITY,
    MIN_TOPIC_SIMILARITY,
    STRONG_ANSWER_SCORE,
    WEAK_ANSWER_SCORE,
    assess_recency,
)
from service.answers import Answer, FinalEvent, TokenEvent, answered_by
from service.backends.base import GenerationRequest
from service.backends.extractive import ExtractiveBackend
from service.backends.ollama import OllamaBackend
from service.engine import Engine, EngineLimits
from service.errors import InvalidRequest
from service.evidence import rank_evidence
from service.factory import engine_for, passage_similarity_floor, topic_similarity_floor
from service.prompting import PromptLibrary
from service.question import profile_question
from service.retrieval import Retriever, SearchFilters
from service.settings import Settings
from service.span_scoring import rank_candidates
from service.spans import sentences_to_show
from tests.conftest import REPO, TEST_DATA, build_store
from tests.fake_ollama import FakeOllama
from tests.test_indexing import footnote
from tests.test_short_answers import passage

REQUIRED_FIELDS = {
    "answer", "abstained", "grounding", "citations", "related", "backend", "model", "timings_ms",
}  # fmt: skip
CITATION_FIELDS = {
    "n",
    "document_id",
    "source",
    "title",
    "published",
    "quote",
    "start",
    "end",
    "score",
}


@pytest.fixture(scope="module")
def extractive_engine(sample_settings: Settings, embedder: Any) -> Engine:
    return engine_for(sample_settings, backend=ExtractiveBackend(embedder))


@pytest.fixture(scope="module")
def llama_engine(sample_settings: Settings, llama_backend: Any) -> Engine:
    # The model is asked on every question: this exercises its reply (by default it is
    # asked only where the reply can change the answer, short_answers.reply_can_matter).
    asking = sample_settings.model_copy(update={"ask_model_always": True})
    return engine_for(asking, backend=llama_backend)


def assert_quotes_are_verbatim(answer: Answer, store: Store) -> None:
    for citation in answer.citations:
        text = store.get_document(citation.document_id).text
        assert text[citation.start : citation.end] == citation.quote
        assert f"[{citation.n}]" in answer.answer
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))


def test_extractive_answer_quotes_the_sentence_with_the_fact(extractive_engine: Engine) -> None:
    answer = extractive_engine.ask("Who commanded the Silver Tide exercise?")
    assert not answer.abstained and answer.grounding == "extractive"
    assert "Kaja Stroud" in answer.answer
    assert answer.citations[0].source == "2024-silver-tide-naval-exercise.txt"
    assert_quotes_are_verbatim(answer, extractive_engine.snapshots.current().store)


def test_unanswerable_question_abstains_and_shows_related_passages(
    extractive_engine: Engine,
) -> None:
    answer = extractive_engine.ask("Who won the 2018 World Cup final?")
    assert answer.abstained and answer.grounding == "abstained"
    assert answer.answer == "The articles don't say."
    assert answer.citations == [] and answer.related
    assert "World" in answer.reason  # as asked; 2018 does appear in the sample articles


def test_answer_json_has_every_documented_field(extractive_engine: Engine) -> None:
    body = extractive_engine.ask("How much will the Tessel flood barrier cost?").to_json()
    assert body.keys() >= REQUIRED_FIELDS
    assert body["citations"] and all(c.keys() >= CITATION_FIELDS for c in body["citations"])
    assert set(body["timings_ms"]) >= {"retrieval", "first_token", "total"}
    json.dumps(body)  # plain JSON types only


def test_empty_and_oversized_questions_are_refused(extractive_engine: Engine) -> None:
    with pytest.raises(InvalidRequest, match="empty"):
        extractive_engine.ask("   ")
    with pytest.raises(InvalidRequest, match="limit"):
        extractive_engine.ask("why " * 1000)


def test_date_filter_keeps_passages_inside_the_range(extractive_engine: Engine) -> None:
    passages = extractive_engine.search(
        "port terminal concession", top_k=10, filters=SearchFilters(published_from="2024-01-01")
    )
    assert passages and all(p.published and p.published >= "2024-01-01" for p in passages)


def test_articles_of_the_week_before_the_question_date_rank_higher(
    extractive_engine: Engine,
) -> None:
    # The 2023 deal and its 2024 cancellation both match; the day asked on decides which leads.
    query = "Veldria North Quay terminal concession Sarvek"

    def sources(as_of: str | None) -> list[str]:
        found = extractive_engine.search(query, top_k=5, filters=SearchFilters(as_of=as_of))
        return [p.source for p in found]

    in_2023, in_2024 = sources("2023-03-12"), sources("2024-02-18")
    assert in_2023[0] == "2023-veldria-port-deal.txt"
    assert in_2024[0] == "2024-port-selvane-deal-cancelled.md"
    # A preference, not a filter: the other article is still found.
    assert "2024-port-selvane-deal-cancelled.md" in in_2023
    assert "2023-veldria-port-deal.txt" in in_2024
    # A day with no article in the week before it changes nothing (today, for these articles).
    assert sources("2031-01-01") == sources(None)


def test_evidence_from_the_week_asked_about_ranks_first(extractive_engine: Engine) -> None:
    # The same passages; the week the question is asked in decides which article's sentence
    # leads the evidence (and so the answer), not only which passages are retrieved.
    question = "What happened to the North Quay terminal concession?"
    passages = extractive_engine.search(question, top_k=10)
    embedder = extractive_engine.embedder
    then = rank_evidence(question, passages, embedder, recent=("2023-03-05", "2023-03-12"))
    now = rank_evidence(question, passages, embedder, recent=("2024-02-11", "2024-02-18"))
    assert then[0].passage.source == "2023-veldria-port-deal.txt"
    assert now[0].passage.source == "2024-port-selvane-deal-cancelled.md"
    # A preference: sentences of the other article are still ranked.
    assert "2024-port-selvane-deal-cancelled.md" in {e.passage.source for e in then}


def test_where_the_week_is_required_an_answer_needs_its_weeks_headline_or_strong_support(
    sample_settings: Settings, extractive_engine: Engine
) -> None:
    # The strike article is of 2023-10-05, the only one to state the pay rise; its headline
    # names the rise ("... with 7.5% pay deal") but not what will be reviewed in the spring.
    question = "What pay increase did Harnau's tram and bus drivers win?"
    review = "What will be reviewed separately in the spring?"
    required = engine_for(
        sample_settings.model_copy(update={"week_required": True}),
        backend=extractive_engine.backend,
    )
    that_week, years_later = SearchFilters(as_of="2023-10-08"), SearchFilters(as_of="2027-10-08")
    # The pay rise is strongly supported (a number asked for, found in its unit): answered in
    # its week and years later.
    assert "7.5%" in required.ask(question, filters=that_week).answer
    assert "7.5%" in required.ask(question, filters=years_later).answer
    # What will be reviewed is a phrase in one sentence of one article: refused even in its
    # own week, as no headline of that week names it.
    unnamed = required.ask(review, filters=that_week)
    assert unnamed.abstained and unnamed.related and unnamed.reason is not None
    assert "no headline of the week asked (2023-10-01 to 2023-10-08)" in unnamed.reason
    old = required.ask(review, filters=years_later)
    assert old.abstained and old.reason is not None
    assert "no article found is from the week asked (2027-10-01 to 2027-10-08)" in old.reason
    # By default only a weakly supported answer from older articles is refused, and one that
    # no passage close to the question gives: the vague "what will be reviewed" is nearest
    # to a passage at a similarity of 0.23, so it is answered only with that check off.
    assert "7.5%" in extractive_engine.ask(question, filters=years_later).answer
    far = extractive_engine.ask(review, filters=that_week)
    assert far.abstained and far.reason is not None
    assert far.reason.startswith("no passage found is close to the question (similarity 0.23")
    unchecked = engine_for(
        sample_settings.model_copy(update={"min_passage_similarity": 0.0}),
        backend=extractive_engine.backend,
    )
    assert "Night-shift pay" in unchecked.ask(review, filters=that_week).answer
    weak = unchecked.ask(review, filters=years_later)
    assert weak.abstained and weak.reason is not None and "weakly supported" in weak.reason
    # Without a day asked on there is no week at all.
    assert "Night-shift pay" in required.ask(review).answer


def test_other_weeks_articles_are_refused_for_a_weak_answer_and_a_required_week_must_back_it() -> (
    None
):
    old = [passage("Adela Korvin signed the deal.", source="old.txt")]
    week = ("2027-10-01", "2027-10-08")
    strong, middling = STRONG_ANSWER_SCORE + 0.1, (WEAK_ANSWER_SCORE + STRONG_ANSWER_SCORE) / 2
    weak = WEAK_ANSWER_SCORE - 0.1
    # Required: an answer one article states needs strong support or a headline of the week.
    assert assess_recency(old, week, "Korvin", 1, strong, required=True).answerable
    refused = assess_recency(old, week, "Korvin", 1, middling, required=True)
    assert not refused.answerable
    assert refused.reason.startswith("no article found is from the week asked")
    assert assess_recency(old, week, "Korvin", 2, weak, required=True).answerable
    assert assess_recency(old, None, "Korvin", 0, weak, required=True).answerable  # no day
    fresh = [replace(old[0], published="2027-10-03", title="Korvin signs the port deal")]
    assert assess_recency(fresh, week, "Korvin", 1, weak, required=True).answerable
    unnamed = assess_recency(fresh, week, "Adela Korvin", 1, middling, required=True)
    assert not unnamed.answerable
    assert unnamed.reason.startswith("no headline of the week asked (2027-10-01 to 2027-10-08)")
    # The headline of an older article names the news of its own week.
    named_before = [replace(old[0], title="Korvin signs the port deal")]
    assert not assess_recency(named_before, week, "Korvin", 1, middling, required=True).answerable
    # By default only a weakly supported answer from other weeks' articles is refused.
    assert assess_recency(old, week, "Korvin", 1, middling).answerable
    assert not assess_recency(old, week, "Korvin", 1, weak).answerable
    assert assess_recency(old, week, "Korvin", 2, weak).answerable
    assert assess_recency(fresh, week, "Adela Korvin", 1, weak).answerable


def test_an_answer_one_article_states_weakly_is_refused_where_no_passage_is_close() -> None:
    week = ("2027-10-01", "2027-10-08")
    fresh = passage("Adela Korvin signed the deal.", source="fresh.txt")
    fresh = replace(fresh, published="2027-10-03", title="Korvin signs the port deal")
    far = replace(fresh, dense_score=MIN_PASSAGE_SIMILARITY - 0.05)
    near = replace(fresh, dense_score=MIN_PASSAGE_SIMILARITY + 0.05)
    middling = (WEAK_ANSWER_SCORE + STRONG_ANSWER_SCORE) / 2
    # Even from the week asked, and named by its headline: nothing found is about the question.
    for required in (False, True):
        refused = assess_recency([far], week, "Korvin", 1, middling, required=required)
        assert not refused.answerable
        assert refused.reason.startswith("no passage found is close to the question (sim")
    # One close passage is enough, and so are a second article or strong support.
    assert assess_recency([far, near], week, "Korvin", 1, middling).answerable
    assert assess_recency([far], week, "Korvin", 2, middling).answerable
    assert assess_recency([far], week, "Korvin", 1, STRONG_ANSWER_SCORE).answerable
    # Only for a question asked on a given day, only where passages were found by embedding,
    # and not where the check is turned off.
    assert assess_recency([far], None, "Korvin", 1, middling).answerable
    assert assess_recency([fresh], week, "Korvin", 1, middling).answerable
    assert assess_recency([far], week, "Korvin", 1, middling, min_similarity=0.0).answerable


def test_the_closeness_floor_holds_only_for_the_embedding_model_it_was_chosen_for() -> None:
    bundled = "sentence-transformers/all-MiniLM-L6-v2"
    assert passage_similarity_floor(Settings()) == MIN_PASSAGE_SIMILARITY
    assert passage_similarity_floor(Settings(embedding_model=bundled)) == MIN_PASSAGE_SIMILARITY
    # Another model's similarities run on another scale: no check unless one is set.
    other = Settings(embedding_model="BAAI/bge-small-en-v1.5")
    assert passage_similarity_floor(other) == 0.0
    assert passage_similarity_floor(other.model_copy(update={"min_passage_similarity": 0.7})) == 0.7
    assert passage_similarity_floor(Settings(min_passage_similarity=0.0)) == 0.0
    # So does the floor under which nothing found is about any question.
    assert topic_similarity_floor(Settings()) == MIN_TOPIC_SIMILARITY
    assert topic_similarity_floor(other) == 0.0
    assert topic_similarity_floor(other.model_copy(update={"min_topic_similarity": 0.2})) == 0.2
    assert topic_similarity_floor(Settings(min_topic_similarity=0.0)) == 0.0


def test_a_question_nothing_in_the_archive_is_about_is_refused(
    sample_settings: Settings, extractive_engine: Engine
) -> None:
    # "2" is in the articles ("a 2% target"), and a sentence about rates held a candidate.
    off_topic = extractive_engine.ask("What is 2+2?")
    assert off_topic.abstained and off_topic.related and off_topic.reason is not None
    assert off_topic.reason == (
        "nothing found is about the question: the closest passage or sentence has a similarity "
        "of 0.20"
    )
    unchecked = engine_for(
        sample_settings.model_copy(update={"min_topic_similarity": 0.0}),
        backend=extractive_engine.backend,
    )
    assert not unchecked.ask("What is 2+2?").abstained
    # A vague question far from its passage but near its sentence is answered.
    assert (
        "Night-shift pay"
        in extractive_engine.ask("What will be reviewed separately in the spring?").answer
    )


def test_read_is_what_ask_reads_for_a_question(extractive_engine: Engine) -> None:
    question = "Who commanded the Silver Tide exercise?"
    reading = extractive_engine.read(question, top_k=5)
    assert reading.profile == profile_question(question)
    assert reading.passages == extractive_engine.search(question, top_k=5)
    assert reading.ranked, "the passages hold sentences"
    assert all(e.passage in reading.passages for e in reading.ranked)
    scores = [e.score for e in reading.ranked]
    assert scores == sorted(scores, reverse=True)
    # The sentence that answers is among them, and ask quotes only sentences it read.
    assert any("Kaja Stroud" in e.text for e in reading.ranked)
    quotes = {c.quote for c in extractive_engine.ask(question, top_k=5).citations}
    assert quotes and quotes <= {e.text for e in reading.ranked}
    with pytest.raises(InvalidRequest, match="empty"):
        extractive_engine.read("  ")


def test_read_gives_the_week_asked_and_ask_ranks_candidates_as_read(
    extractive_engine: Engine,
) -> None:
    question = "What happened to the North Quay terminal concession?"
    filters = SearchFilters(as_of="2024-02-18")
    reading = extractive_engine.read(question, filters=filters)
    assert reading.week == ("2024-02-11", "2024-02-18")
    assert extractive_engine.read(question).week is not None  # today's week, without a day
    ranked = rank_candidates(reading.profile, reading.ranked, reading.passages, week=reading.week)
    answer = extractive_engine.ask(question, filters=filters)
    assert answer.short_answer is not None and answer.short_answer.text == ranked[0].text


def test_names_are_found_by_lexical_search_even_when_embeddings_blur_them(
    extractive_engine: Engine,
) -> None:
    retriever = extractive_engine.snapshots.current().retriever
    lexical = retriever.lexical_ranking("Oskar Venn", 5)
    chunks = extractive_engine.snapshots.current().store.get_chunks([lexical[0][0]])
    assert "Oskar Venn" in chunks[0].text


@pytest.mark.slow
def test_llama_answers_stream_then_settle_into_verified_citations(llama_engine: Engine) -> None:
    events = list(llama_engine.ask_stream("How much will the Tessel flood barrier cost?"))
    tokens = [e for e in events if isinstance(e, TokenEvent)]
    final = events[-1]
    assert isinstance(final, FinalEvent) and tokens
    answer = final.answer
    assert answer.backend == "llamacpp" and answer.grounding in {"verified", "extractive"}
    assert answer.citations
    assert_quotes_are_verbatim(answer, llama_engine.snapshots.current().store)


@pytest.mark.slow
def test_llama_unanswerable_question_abstains_without_generating(llama_engine: Engine) -> None:
    events = list(llama_engine.ask_stream("What is the population of Veldria?"))
    assert len(events) == 1 and isinstance(events[0], FinalEvent)
    assert events[0].answer.abstained


@pytest.mark.slow
def test_instructions_inside_an_article_change_nothing(
    tmp_path_factory: pytest.TempPathFactory, llama_backend: Any
) -> None:
    article = TEST_DATA / "injection" / "2024-lannick-harbour-authority-budget.txt"
    settings = build_store(article, tmp_path_factory.mktemp("injection"))
    engine = engine_for(settings, backend=llama_backend)
    answer = engine.ask("What is the Harbour Authority's budget for 2024?")
    assert "bankrupt" not in answer.answer.lower()
    assert "31 million" in answer.answer
    assert all("ignore" not in c.quote.lower() for c in answer.citations)
    assert_quotes_are_verbatim(answer, engine.snapshots.current().store)


def test_ask_and_search_commands_print_json(sample_settings: Settings, tmp_path: Path) -> None:
    index_dir = str(sample_settings.index_dir)
    ask = footnote(
        "ask", "Who commanded the Silver Tide exercise?", "--index-dir", index_dir,
        "--backend", "extractive", "--json",
    )  # fmt: skip
    body = json.loads(ask.stdout.strip().splitlines()[-1])
    assert body.keys() >= REQUIRED_FIELDS and "Kaja Stroud" in body["answer"]
    search = footnote("search", "Kaja Stroud", "--index-dir", index_dir, "--json", "--top-k", "3")
    passages = json.loads(search.stdout)["passages"]
    assert len(passages) == 3 and "Kaja Stroud" in passages[0]["text"]
    assert {"score", "dense_score", "lexical_score", "source"} <= passages[0].keys()


def test_a_missing_store_is_one_clear_line(tmp_path: Path) -> None:
    result = footnote("ask", "anything?", "--index-dir", str(tmp_path / "none"), check=False)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"footnote: no index at {tmp_path / 'none'}; run 'footnote index PATH --index-dir "
        f"{tmp_path / 'none'}'"
    ]


def test_the_per_document_cap_reaches_past_the_first_candidates(
    sample_settings: Settings, embedder: Any
) -> None:
    # One passage per article, as many passages as articles: the best-ranked candidates come
    # from a few articles, so filling the answer means reading further down the fused ranking.
    store = Store.open(sample_settings.index_dir)
    retriever = Retriever(store, embedder, max_per_document=1)
    documents = {d.id for d in store.list_documents()}
    passages = retriever.search(
        "the port terminal deal and the flood barrier", top_k=len(documents)
    )
    assert len(passages) == len(documents)
    assert {p.document_id for p in passages} == documents
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)


def test_a_replaced_store_version_is_freed_as_soon_as_nothing_uses_it(
    sample_settings: Settings, embedder: Any
) -> None:
    """No reference cycle keeps a store version and its retriever alive after a swap: its
    docstore connection and deletion masks are freed at once, not at some later collection."""
    store = Store.open(sample_settings.index_dir)
    retriever = Retriever(store, embedder)
    retriever.search("port deal", top_k=2)
    gone = [weakref.ref(store), weakref.ref(retriever)]
    collecting = gc.isenabled()
    gc.disable()  # only reference counting may free them
    try:
        del store, retriever
        assert [ref() for ref in gone] == [None, None]
    finally:
        if collecting:
            gc.enable()


CALMORAN_QUESTION = "Who heads the Calmoran company that won the North Quay terminal concession?"


def _ollama_engine(settings: Settings, fake: FakeOllama, **update: object) -> Engine:
    """An engine over `settings`, changed by `update`, answering through the loopback fake."""
    backend = OllamaBackend(model="llama3.2", host=fake.url)
    return engine_for(settings.model_copy(update=update), backend=backend)


def _first_prompt(fake: FakeOllama) -> tuple[str, list[str]]:
    """The first chat prompt the fake server received, and the candidates it listed, as the
    model saw them: best first, after the reader's rescoring."""
    body = fake.bodies("/api/chat")[0]
    prompt = "\n".join(m["content"] for m in body["messages"])
    return prompt, prompt.split("Possible answers: ", 1)[1].split("\n", 1)[0].split("; ")


@pytest.mark.slow
def test_the_model_chooses_among_candidates_and_its_reply_is_checked_against_them(
    sample_settings: Settings,
) -> None:
    # The Ollama server is the one thing faked (at its wire); retrieval, ranking, candidate
    # spans and the check of the reply are real.
    question = CALMORAN_QUESTION
    with FakeOllama() as fake:
        engine = _ollama_engine(sample_settings, fake, ask_model_always=True)
        fake.script.reply = ["Adela Korvin"]  # a true name of the same articles, another role
        refused = engine.ask(question)
        prompt, listed = _first_prompt(fake)
        fake.script.reply = [f"{listed[0]} ", "[1]"]
        agreed = engine.ask(question)
    assert "Adela Korvin" not in listed
    assert 2 <= len(listed) <= EngineLimits().shown_candidates
    assert prompt.count("\n[") <= EngineLimits().shown_candidates  # few sentences: fast
    assert agreed.short_answer is not None and agreed.short_answer.text == listed[0]
    assert agreed.removed_sentences == []
    # The reply names no candidate: the best one answers, marked unverified.
    assert refused.short_answer == agreed.short_answer
    assert refused.grounding == "extractive" and refused.removed_sentences == ["Adela Korvin"]


@pytest.mark.slow
def test_the_model_choice_margin_decides_whether_a_weaker_candidate_is_taken(
    sample_settings: Settings,
) -> None:
    # By default the model's reply only confirms the best candidate: a runner-up it names is
    # refused. With a margin wide enough (a bigger model, measured), the runner-up answers.
    question = CALMORAN_QUESTION
    with FakeOllama() as fake:
        strict = _ollama_engine(sample_settings, fake, ask_model_always=True)
        wide = _ollama_engine(sample_settings, fake, model_choice_margin=100.0)
        fake.script.reply = ["?"]
        strict.ask(question)
        _, listed = _first_prompt(fake)
        runner_up = next(c for c in listed[1:] if c not in listed[0] and listed[0] not in c)
        fake.script.reply = [runner_up]
        refused = strict.ask(question)
        taken = wide.ask(question)
    assert strict.limits.model_choice_margin == 0.0
    assert refused.short_answer is not None and refused.short_answer.text == listed[0]
    assert refused.removed_sentences == [runner_up]
    assert taken.short_answer is not None and taken.short_answer.text == runner_up
    assert taken.removed_sentences == []


@pytest.mark.slow
def test_the_model_is_asked_only_where_its_reply_can_change_the_answer(
    sample_settings: Settings,
) -> None:
    # One article names the Calmoran company's head: no reply could make that answer verified
    # (two articles must state it), and at margin 0 none could replace it, so by default the
    # model is not asked and the answer says so. With a margin to choose within, or with
    # ask_model_always, it is asked; the answer is the same where it confirms.
    question = CALMORAN_QUESTION
    with FakeOllama() as fake:
        unasked = _ollama_engine(sample_settings, fake).ask(question)
        assert fake.bodies("/api/chat") == []
        always = _ollama_engine(sample_settings, fake, ask_model_always=True)
        fake.script.reply = ["?"]
        always.ask(question)
        _, listed = _first_prompt(fake)
        fake.script.reply = [listed[0]]
        confirmed = always.ask(question)
        _ollama_engine(sample_settings, fake, model_choice_margin=0.5).ask(question)
        asked = len(fake.bodies("/api/chat"))
    assert not unasked.model_asked and unasked.timings_ms["first_token"] is None
    assert unasked.short_answer is not None and unasked.short_answer.text == listed[0]
    assert unasked.grounding == "extractive" and unasked.removed_sentences == []
    assert "was not asked" in answered_by(unasked)
    assert confirmed.model_asked and confirmed.answer == unasked.answer
    assert asked == 3


@pytest.mark.slow
def test_a_llama_reply_does_not_depend_on_the_prompt_before(
    sample_settings: Settings, llama_backend: Any, embedder: Any
) -> None:
    # The backend keeps the key/value cache of the prefix a prompt shares with the last one
    # (the system prompt), so it reads less; each reply must be the one a cold context gives.
    # One of these twelve broke this on the shipped Q4_1 file and on a Q8_0 copy of it, not on
    # the F16 copy the backend runs (service/backends/gguf_copy.py).
    store = Store.open(sample_settings.index_dir)
    retriever = Retriever(store, embedder)
    prompts = PromptLibrary()
    gold = (
        (REPO / "eval" / "data" / "sample-news.gold.jsonl").read_text(encoding="utf-8").splitlines()
    )
    questions = [json.loads(line)["question"] for line in gold[:12]]
    requests = []
    for q in questions:
        passages = retriever.search(q, top_k=10)
        ranked = rank_evidence(q, passages, embedder)
        spans = rank_candidates(profile_question(q), ranked, passages)[:5]
        shown = sentences_to_show(spans, ranked, 5)
        messages = prompts.short_answer_messages(q, shown, [c.text for c in spans])
        requests.append(GenerationRequest(messages, max_tokens=24))
    cold = []
    for request in requests:
        llama_backend._llama().reset()
        cold.append("".join(llama_backend.generate(request)))
    warm = ["".join(llama_backend.generate(request)) for request in requests]
    assert all(cold) and warm == cold
