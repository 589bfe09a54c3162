"""Short answers: the span that answers, chosen from the evidence, and a model reply verified
as a span of the sentence about the question, never as a name found somewhere in a passage."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from indexer.embedding import SentenceTransformerEmbedder
from indexer.store import Store
from service.backends.extractive import ExtractiveBackend
from service.evidence import Evidence, rank_evidence
from service.factory import engine_for
from service.passages import Passage
from service.polarity import contradicts
from service.question import profile_question
from service.settings import Settings
from service.short_answers import (
    plainly_stated,
    reply_can_matter,
    settle_short_answer,
    span_for_reply,
)
from service.span_scoring import (
    WEIGHTS,
    full_name_margin,
    rank_candidates,
    sentences_about,
    span_features,
    with_full_name_first,
)
from service.spans import SpanCandidate, supporting_sentence
from tests.conftest import REPO

# The seed article's two sentences behind the "true name, wrong relation" failure: asked which
# general spoke, a model named the president's spokesman, whose name is in the same passage.
NICHOLSON = (
    "John Nicholson, general commander of the US and NATO troops in Afghanistan had earlier "
    "said that the US and Russia could jointly carry out fight against terrorism."
)
MORTAZAWI = (
    "Shah Hossain Mortazawi, a spokesman for President Ghani, said Afghanistan welcomes the "
    "proposal of a joint campaign against terrorism."
)
GENERAL_QUESTION = (
    "Which general, commanding US and NATO forces in Afghanistan, suggested Washington and "
    "Moscow could fight terrorism together?"
)
HARNAU = (
    "Maritime Minister Adela Korvin signed the agreement in Harnau alongside the operator's "
    "chief executive, Imre Dascal."
)


def passage(text: str, start: int = 0, source: str = "a.txt", n: int = 1) -> Passage:
    return Passage(
        n, source, source, "Title", "2024-03-09", None, text, start, start + len(text), 1
    )


def ranked_for(
    question: str, passages: list[Passage], embedder: SentenceTransformerEmbedder
) -> tuple[list[Evidence], list[SpanCandidate]]:
    ranked = rank_evidence(question, passages, embedder)
    return ranked, rank_candidates(profile_question(question), ranked, passages)


def candidate_texts(question: str, text: str, embedder: SentenceTransformerEmbedder) -> list[str]:
    """The candidate answers' texts, best first, for `question` over one passage of `text`."""
    _, candidates = ranked_for(question, [passage(text)], embedder)
    return [c.text for c in candidates]


def general_case(
    embedder: SentenceTransformerEmbedder,
) -> tuple[list[Passage], list[Evidence], list[SpanCandidate]]:
    """The general question over one passage naming the spokesman, then the general."""
    passages = [passage(f"{MORTAZAWI} {NICHOLSON}")]
    ranked, candidates = ranked_for(GENERAL_QUESTION, passages, embedder)
    return passages, ranked, candidates


def test_the_general_is_chosen_and_not_the_spokesman_in_the_same_passage(
    embedder: SentenceTransformerEmbedder,
) -> None:
    _, _, candidates = general_case(embedder)
    assert candidates[0].text == "John Nicholson"


def test_a_reply_naming_a_true_name_in_the_wrong_relation_is_not_verified(
    embedder: SentenceTransformerEmbedder,
) -> None:
    passages, ranked, candidates = general_case(embedder)
    profile = profile_question(GENERAL_QUESTION)
    wrong = settle_short_answer("Shah Hossain Mortazawi [1]", profile, candidates, ranked, passages)
    assert not wrong.verified
    assert wrong.candidate.text == "John Nicholson"
    assert wrong.rejected_reply == "Shah Hossain Mortazawi"
    right = settle_short_answer(
        "The general was John Nicholson [1].", profile, candidates, ranked, passages
    )
    # The model named the right span, but one article is not "plainly stated": not verified.
    assert not right.verified and right.candidate.text == "John Nicholson"
    assert right.rejected_reply is None


def two_article_case(
    embedder: SentenceTransformerEmbedder,
) -> tuple[list[Passage], list[Evidence], list[SpanCandidate]]:
    """The general question over two articles that state the general's name in a sentence
    about it, the first beside the spokesman."""
    second = (
        "General John Nicholson, who commands US and NATO forces in Afghanistan, suggested "
        "Washington and Moscow could fight terrorism together."
    )
    passages = [passage(f"{MORTAZAWI} {second}"), passage(second, 0, "b.txt", 2)]
    ranked, candidates = ranked_for(GENERAL_QUESTION, passages, embedder)
    return passages, ranked, candidates


def test_a_reply_is_verified_where_two_articles_state_it_in_sentences_about_the_question(
    embedder: SentenceTransformerEmbedder,
) -> None:
    passages, ranked, candidates = two_article_case(embedder)
    profile = profile_question(GENERAL_QUESTION)
    right = settle_short_answer("John Nicholson", profile, candidates, ranked, passages)
    assert right.candidate.text.endswith("John Nicholson") and right.candidate.documents == 2
    assert right.verified
    wrong = settle_short_answer("Shah Hossain Mortazawi", profile, candidates, ranked, passages)
    assert not wrong.verified and wrong.candidate.text.endswith("John Nicholson")


def test_the_model_is_worth_asking_only_where_its_reply_can_change_the_answer(
    embedder: SentenceTransformerEmbedder,
) -> None:
    _, _, candidates = two_article_case(embedder)
    profile = profile_question(GENERAL_QUESTION)
    assert len(candidates) >= 2
    # Two articles state the general plainly: the model's confirmation would verify him.
    assert plainly_stated(candidates[0], candidates, profile)
    assert reply_can_matter(profile, candidates, 0.0)
    # Stated by one article only, nothing can verify him, and at margin 0 no reply can
    # replace him: the model is not worth asking...
    alone = [replace(c, documents=1) for c in candidates]
    assert not plainly_stated(alone[0], alone, profile)
    assert not reply_can_matter(profile, alone, 0.0)
    # ...unless another candidate ties with him (the model breaks the tie), or a margin lets
    # the model choose another.
    other = next(i for i, c in enumerate(alone) if "Nicholson" not in c.text)
    tied = [*alone]
    tied[other] = replace(alone[other], score=alone[0].score)
    assert reply_can_matter(profile, tied, 0.0)
    # A span of the same answer scoring as high is no tie: a reply naming it settles on him.
    same = [alone[0], *(replace(c, score=alone[0].score) for c in alone[1:other]), *alone[other:]]
    assert other > 1 and not reply_can_matter(profile, same, 0.0)
    assert reply_can_matter(profile, alone, 0.1)


@pytest.mark.parametrize(
    ("question", "as_asked", "otherwise"),
    [
        # SQuAD's "Who is able to legislate on issues reserved to Westminster?" was answered,
        # as verified, from "The Scottish Parliament is unable to legislate on such issues".
        (
            "Which parliament is able to pass laws on fishing in the northern bays?",
            "The Veldria Parliament is able to pass laws on fishing in the northern bays.",
            "The Veldria Parliament is not able to pass laws on fishing in the northern bays.",
        ),
        (
            "Which general suggested Washington and Moscow could fight terrorism together?",
            "General John Nicholson suggested Washington and Moscow could fight terrorism "
            "together.",
            "General John Nicholson never suggested Washington and Moscow could fight "
            "terrorism together.",
        ),
        # SQuAD's "Friedrich Ratzel thought what was not needed for a state to survive?" was
        # verified as "imperialism", from "... imperialism was needed".
        (
            "What did Ratzel say was not needed for a state to survive?",
            "Ratzel said colonies were not needed for a state to survive.",
            "Ratzel said colonies were needed for a state to survive.",
        ),
        # "Who moved his court from Warsaw to Krakow in 1596?" was verified as the king who
        # moved it from Kraków to Warsaw.
        (
            "Which king moved his court from Harnau to Lysk in 1596?",
            "King Aldo Varr moved his court from Harnau to Lysk in 1596.",
            "King Aldo Varr moved his court from Lysk to Harnau in 1596.",
        ),
        # "What are the secondary sources of primary law?" was verified as "European Union",
        # from "The three sources of European Union law are primary law, secondary law ...".
        (
            "Which council drafts the secondary sources of port law?",
            "The Harbour Council drafts the secondary sources of port law.",
            "The secondary sources of Harbour Council law are drafted by the ports.",
        ),
    ],
)
def test_a_reply_whose_sentence_denies_the_relation_or_gives_it_another_role_is_not_verified(
    question: str, as_asked: str, otherwise: str, embedder: SentenceTransformerEmbedder
) -> None:
    profile = profile_question(question)
    settled = {}
    for text in (as_asked, otherwise):
        passages = [passage(text), passage(text, 0, "b.txt", 2)]
        ranked, candidates = ranked_for(question, passages, embedder)
        reply = candidates[0].text
        settled[text] = settle_short_answer(reply, profile, candidates, ranked, passages)
    assert settled[as_asked].verified
    assert not settled[otherwise].verified
    # Still the answer shown, with its sentence: only the label changes.
    assert settled[otherwise].candidate.text == settled[as_asked].candidate.text


@pytest.mark.parametrize(
    ("question", "sentence", "denies"),
    [
        ("Who is able to legislate on fishing?", "Veldria is unable to legislate on it.", True),
        ("Who won the Nevada primary?", "Haley did not win the Nevada primary.", True),
        ("Who won the Nevada primary?", "Trump won the primary; no one else ran.", False),
        (
            "Who won the Nevada primary?",
            "Haley did not win the primary; Trump won the primary.",
            False,
        ),
        ("Which team has never won the cup?", "Calmora never won the cup.", False),
        ("Who will form the government?", "The party will inform the king.", False),
        ("Which law is legal in Veldria?", "Fishing is illegal in Veldria.", True),
        # Stems are not enough: "unlawful" denies no "law"; a question about a prevention
        # agrees with a negation ("prevent classification" / "do not fit").
        ("Which law prevented selling beer?", "The law, which prevented it, was unlawful.", False),
        ("What do definitions prevent fitting?", "Some do not fit the framework.", False),
    ],
)
def test_a_sentence_denies_the_question_only_by_a_negation_it_lacks(
    question: str, sentence: str, denies: bool
) -> None:
    assert contradicts(profile_question(question), sentence) is denies


def test_a_who_question_wants_the_person_not_the_place(
    embedder: SentenceTransformerEmbedder,
) -> None:
    passages = [passage(HARNAU)]
    _, candidates = ranked_for("Who signed the port agreement?", passages, embedder)
    assert candidates[0].text == "Maritime Minister Adela Korvin"


def test_every_candidate_is_a_verbatim_span_of_its_sentence_and_article(
    embedder: SentenceTransformerEmbedder,
) -> None:
    article = f"VT-HARNAU: {HARNAU} {MORTAZAWI} {NICHOLSON}"
    passages = [passage(article, 40)]
    for question in ("Who signed the port agreement?", GENERAL_QUESTION, "Where was it signed?"):
        ranked, candidates = ranked_for(question, passages, embedder)
        assert candidates
        for c in candidates:
            assert article[c.start - 40 : c.end - 40] == c.text
            assert c.evidence.start <= c.start < c.end <= c.evidence.end
            assert "VT-HARNAU" not in c.text  # a dateline is no answer


def test_a_span_of_the_question_itself_is_never_the_answer(
    embedder: SentenceTransformerEmbedder,
) -> None:
    passages = [passage(NICHOLSON)]
    _, candidates = ranked_for("Who is John Nicholson?", passages, embedder)
    assert all(c.text != "John Nicholson" for c in candidates)


@pytest.mark.parametrize(
    ("question", "sentence", "repeat", "answer"),
    [
        (
            "In 1803, the US purchased the Louisiana Territory from which country?",
            "In 1803 the United States bought the Louisiana Territory from France.",
            "United States",
            "France",
        ),
        (
            "Coca-Cola is making a new flavor permanent. What is it called?",
            "Coca-Cola said its new flavor, Spiced, will stay on shelves.",
            "Coca-Cola",
            "Spiced",
        ),
        (
            "What is Merriam-Webster's 2024 word of the year?",
            "Merriam-Webster named polarization its 2024 word of the year.",
            "Merriam-Webster",
            "polarization",
        ),
        # A capital written for its government: "Moscow" in the question is Russia.
        (
            "Which country did Moscow plan to bring into the regional security talks?",
            "On Monday officials said Russia plans to bring the United States into the "
            "regional security talks.",
            "Russia",
            "United States",
        ),
    ],
)
def test_a_hyphenated_word_or_a_country_the_question_names_another_way_repeats_it(
    question: str, sentence: str, repeat: str, answer: str, embedder: SentenceTransformerEmbedder
) -> None:
    _, candidates = ranked_for(question, [passage(sentence)], embedder)
    assert repeat not in [c.text for c in candidates]
    assert candidates[0].text == answer


def test_a_short_form_is_matched_as_written_never_as_the_pronoun_us() -> None:
    from service.gazetteer import named_by_another_form

    assert named_by_another_form("the United States", "Which country did the U.S. buy it from?")
    assert named_by_another_form("Britain", "Who leads the UK?")
    assert not named_by_another_form("United States", "Who told us about the vote?")
    assert not named_by_another_form("France", "Which country did the US buy it from?")
    assert named_by_another_form("Russia", "What did Moscow plan?")
    assert named_by_another_form("the US", "Why did Washington and Islamabad meet?")
    assert not named_by_another_form("Washington", "Which state did the US senator visit?")


def test_a_how_many_question_is_answered_by_a_count_not_a_year(
    embedder: SentenceTransformerEmbedder,
) -> None:
    text = "In 2024, about 33,000 union workers at Boeing went on strike."
    passages = [passage(text)]
    _, candidates = ranked_for(
        "How many union workers at Boeing are on strike?", passages, embedder
    )
    # The count with the words the question counts, as the article writes them.
    assert candidates[0].text == "33,000 union workers"
    assert all(c.text != "2024" for c in candidates)


def test_a_count_keeps_only_the_words_the_question_counts(
    embedder: SentenceTransformerEmbedder,
) -> None:
    text = "The festival has been celebrated for 50 years, drawing 20,000 visitors to Wilmington."
    article = passage(text)
    _, years = ranked_for("How many years has the festival been celebrated?", [article], embedder)
    assert years[0].text == "50 years"
    assert text[years[0].start - article.start : years[0].end - article.start] == "50 years"
    _, visitors = ranked_for("How many people did the festival draw?", [article], embedder)
    assert visitors[0].text == "20,000"  # "visitors" is not the word the question counts


def test_a_reply_is_matched_to_a_candidate_or_to_its_own_span_or_refused(
    embedder: SentenceTransformerEmbedder,
) -> None:
    passages = [passage(HARNAU)]
    question = "Who signed the port agreement?"
    ranked, candidates = ranked_for(question, passages, embedder)
    profile = profile_question(question)
    exact = span_for_reply("Maritime Minister Adela Korvin", profile, candidates, ranked, passages)
    assert exact is not None and exact.text == "Maritime Minister Adela Korvin"
    inside = span_for_reply("It was Adela Korvin.", profile, candidates, ranked, passages)
    assert inside is not None and inside.text == "Adela Korvin"
    assert HARNAU[inside.start : inside.end] == "Adela Korvin"
    assert span_for_reply("Veldria's president", profile, candidates, ranked, passages) is None
    assert span_for_reply("", profile, candidates, ranked, passages) is None


def test_a_contracted_function_word_is_no_name_and_no_reply(
    embedder: SentenceTransformerEmbedder,
) -> None:
    # "What's" opening a sentence or a clause (scraped without its space) is a function word,
    # as "What" is: no candidate, and a model replying it is refused, not matched to its span.
    # Nor after a dateline written with a minus sign, or a quotation mark: "I've", "It's".
    text = (
        "What's more, the aurora lit up the sky. It's the strongest solar storm in years. "
        "Northern lights:What's your chance of seeing the aurora tonight? "
        "PHILADELPHIA \u2212 It's a sight the sky gave the city, a solar storm. "
        '"I\'ve never seen the sky light up like that," a watcher said of the solar storm. '
        "It lit up the sky because I\u2019ve seen nothing like the solar storm, I\u2019m sure. "
        "It is the solar storm the US\u2019s weather agency warned of."
    )
    passages = [passage(text)]
    question = "Which phenomenon caused the night sky to light up?"
    ranked, candidates = ranked_for(question, passages, embedder)
    texts = {c.text for c in candidates}
    assert not texts & {"What's", "It's", "I've", "I\u2019ve", "I\u2019m", "PHILADELPHIA"}
    assert {"US", "US\u2019s"} & texts  # an acronym's possessive is still a name
    profile = profile_question(question)
    for reply in ("What's", "It's"):
        assert span_for_reply(reply, profile, candidates, ranked, passages) is None


def test_the_supporting_sentence_is_shown_on_one_line_without_its_dateline() -> None:
    assert supporting_sentence(f"VT-HARNAU: {HARNAU}") == HARNAU
    assert supporting_sentence("WASHINGTON (AP) — The  Senate\nvoted.") == "The Senate voted."
    assert supporting_sentence("WASHINGTON \u2212 The Senate voted.") == "The Senate voted."
    assert supporting_sentence(HARNAU) == HARNAU


@pytest.mark.parametrize("corpus", ["sample", "seed"])
def test_every_short_answer_is_a_verbatim_span_inside_its_citation(
    corpus: str, request: pytest.FixtureRequest, embedder: SentenceTransformerEmbedder
) -> None:
    settings: Settings = request.getfixturevalue(f"{corpus}_settings")
    gold = REPO / "eval" / "data" / f"{corpus}-news.gold.jsonl"
    engine = engine_for(settings, backend=ExtractiveBackend(embedder))
    store = Store.open(settings.index_dir)
    answered = 0
    try:
        for line in gold.read_text(encoding="utf-8").splitlines():
            answer = engine.ask(json.loads(line)["question"])
            if answer.abstained or answer.grounding == "metadata":
                continue
            short = answer.short_answer
            assert short is not None and short.start is not None and short.end is not None
            cited = answer.citations[short.citation - 1]
            assert cited.n == short.citation
            text = store.get_document(cited.document_id).text
            assert text[short.start : short.end] == short.text
            assert cited.start <= short.start < short.end <= cited.end
            assert answer.answer.startswith(f"{short.text} [{short.citation}]")
            answered += 1
    finally:
        store.close()
    assert answered >= 10


def test_the_model_may_pick_a_near_tie_but_never_a_clearly_weaker_span(
    embedder: SentenceTransformerEmbedder,
) -> None:
    passages, ranked, candidates = general_case(embedder)
    profile = profile_question(GENERAL_QUESTION)
    # The first runner-up that is not part of the best name ("John" is read as him).
    best = candidates[0]
    other = next(c for c in candidates[1:] if c.text not in best.text)
    gap = best.score - other.score
    taken = settle_short_answer(
        other.text, profile, candidates, ranked, passages, margin=gap + 0.01
    )
    assert taken.candidate.text == other.text and taken.rejected_reply is None
    refused = settle_short_answer(
        other.text, profile, candidates, ranked, passages, margin=gap - 0.01
    )
    assert refused.candidate.text == best.text and refused.rejected_reply == other.text


def test_a_scale_word_is_part_of_its_amount_not_an_amount_of_its_own(
    embedder: SentenceTransformerEmbedder,
) -> None:
    text = "The terminal would have brought the city 55 million veldars a year in lease income."
    passages = [passage(text)]
    question = "How much yearly lease income would the terminal have brought the city?"
    _, candidates = ranked_for(question, passages, embedder)
    assert [c.text for c in candidates] == ["55 million"]


def test_a_possessive_is_dropped_from_a_name_the_articles_use_without_it(
    embedder: SentenceTransformerEmbedder,
) -> None:
    eruption = passage(
        "Indonesia's Mount Ruang erupted again on Tuesday, forcing thousands to evacuate. "
        "Indonesia raised its alert to the highest level.",
    )
    _, candidates = ranked_for(
        "Which country is being hit by volcanic eruptions that forced thousands to evacuate?",
        [eruption],
        embedder,
    )
    assert "Indonesia" in [c.text for c in candidates]
    assert "Indonesia's" not in [c.text for c in candidates]
    # A listed country's possessive is the country, though the articles never write it alone.
    protests = passage("Protesters filled Georgia\u2019s capital after the election on Sunday.")
    _, candidates = ranked_for(
        "Protests broke out in which country following a contested election?", [protests], embedder
    )
    assert candidates[0].text == "Georgia"
    # A name whose 's is its own ("Wendy's", never "Wendy" alone) keeps it.
    pricing = passage("Wendy's will test dynamic pricing on its menu boards from next year.")
    _, candidates = ranked_for(
        "Which fast food chain will test dynamic pricing?", [pricing], embedder
    )
    assert candidates[0].text == "Wendy's"


def test_how_old_is_answered_by_the_number_of_an_age(embedder: SentenceTransformerEmbedder) -> None:
    text = "Quincy Wilson, a 16-year-old sprinter from Maryland, made the relay team."
    _, candidates = ranked_for("How old is Quincy Wilson?", [passage(text)], embedder)
    assert candidates[0].text == "16"


@pytest.mark.parametrize(
    ("question", "text", "found", "never"),
    [
        (  # verbs and adverbs
            "Which food has seen a steady rise in prices?",
            "Officials said prices of eggs had risen steadily and earlier seized shipments "
            "were released within weeks.",
            {"eggs"},
            {"said", "risen", "seized", "released", "within", "earlier"},
        ),
        (  # a lone modifier or a day; inside a phrase a modifier stays
            "Which food item has risen most in price?",
            "Tuesday brought new figures: most food items are far more expensive, and the "
            "former favourite, eggs, cost the most.",
            {"eggs", "new figures"},
            {"Tuesday", "new", "far", "former"},
        ),
        (  # a compound adjective in -ed is no verb; a verb with a prefix still is
            "What new technology has been made available to prisoners?",
            "The prison board, re-elected in May, made internet-connected tablets available "
            "to all prisoners of the state-owned jails.",
            {"internet-connected tablets available", "state-owned jails"},
            {"re-elected", "re-elected in May", "tablets available"},
        ),
    ],
)
def test_verbs_adverbs_lone_modifiers_and_days_are_never_phrase_answers(
    embedder: SentenceTransformerEmbedder,
    question: str,
    text: str,
    found: set[str],
    never: set[str],
) -> None:
    _, candidates = ranked_for(question, [passage(text)], embedder)
    texts = {c.text for c in candidates}
    assert found <= texts
    assert not texts & never


def test_an_abbreviated_month_makes_one_date_and_a_numbered_name_is_one_name(
    embedder: SentenceTransformerEmbedder,
) -> None:
    _, when = ranked_for(
        "When will the next total eclipse be seen from Veldria?",
        [passage("The next total eclipse seen from Veldria will come on Aug. 23, 2044.")],
        embedder,
    )
    assert when[0].text == "Aug. 23, 2044"
    assert not {"23", "2044"} & {c.text for c in when}  # no part of it stands alone
    _, which = ranked_for(
        "What is the highest storm category on the Tessel scale?",
        [passage("The Tessel scale runs from Category 1 storms to Category 5, its highest.")],
        embedder,
    )
    assert which[0].text == "Category 5"
    assert "Category 1" in {c.text for c in which}


def test_a_date_keeps_the_part_of_the_period_written_before_it(
    embedder: SentenceTransformerEmbedder,
) -> None:
    # "late December", not "December": the gold is the part of the month, and "December"
    # alone says something else.
    text = (
        "Later on Veldria organized a tripartite meeting on the port late December, then a "
        "second round mid-February 2024 and a third in early 2025."
    )
    _, when = ranked_for(
        "When did Veldria organize the tripartite meeting on the port?", [passage(text)], embedder
    )
    texts = [c.text for c in when]
    assert texts[0] == "late December"
    assert {"mid-February 2024", "early 2025"} <= set(texts)
    assert not {"December", "February", "2024", "2025"} & set(texts)
    _, month = ranked_for(
        "In which month did Veldria organize the tripartite meeting?", [passage(text)], embedder
    )
    assert month[0].text == "late December"  # a part of a month names the month


def test_a_name_keeps_its_lowercase_particles(embedder: SentenceTransformerEmbedder) -> None:
    # "Ayman al-Zawahiri", not "Ayman": an Arabic article joined to a name, or "bin", "von der"
    # between its words, is part of the name.
    text = (
        "Claiming the killing of Ayman al-Zawahiri, the head of the network in Harnau, the "
        "council met Ursula von der Leyen and Mohammed bin Salman. Then a white van left."
    )
    _, who = ranked_for(
        "Which network leader was reportedly killed in Harnau?", [passage(text)], embedder
    )
    texts = {c.text for c in who}
    assert who[0].text == "Ayman al-Zawahiri"
    assert {"Ursula von der Leyen", "Mohammed bin Salman"} <= texts
    assert not {"Ayman", "Ursula", "Leyen", "Mohammed", "Salman"} & texts


def test_which_month_is_answered_by_a_month_and_what_year_by_a_year(
    embedder: SentenceTransformerEmbedder,
) -> None:
    text = "The 2022 returns were late, and this year's deadline for Veldrian filers is April 18."
    _, month = ranked_for(
        "In which month is the deadline for Veldrian filers?", [passage(text)], embedder
    )
    assert [c.text for c in month] == ["April 18"]
    _, year = ranked_for("In what year were the returns late?", [passage(text)], embedder)
    assert [c.text for c in year] == ["2022"]


@pytest.mark.parametrize(
    ("question", "text", "never", "kept"),
    [
        (  # a word capitalised only to open a sentence, or a clause after a colon
            "Ivo Marr met privately on Sunday with which former rival?",
            "Ada Quell: Initially Marr's rival for the nomination, the governor met Ivo "
            "Marr privately on Sunday. Meanwhile Tessel Party leaders met meanwhile.",
            {"Initially Marr's", "Initially Marr", "Meanwhile Tessel Party"},
            {"Tessel Party"},  # the name after the opening adverb stays
        ),
        (  # a party tag, a lone title, a day
            "Who did Veldrian Democrats nominate to replace retiring senator Ivo Marr?",
            "After Wednesday's GOP debate, Democrats nominated Ada Quell to replace Sen. Ivo "
            "Marr, D-Md., who is retiring.",
            {"Wednesday's GOP", "D-Md", "Sen", "Sen. Ivo Marr, D-Md"},
            set(),
        ),
    ],
)
def test_an_opening_word_a_party_tag_a_lone_title_or_a_day_is_no_part_of_a_name(
    question: str,
    text: str,
    never: set[str],
    kept: set[str],
    embedder: SentenceTransformerEmbedder,
) -> None:
    _, candidates = ranked_for(question, [passage(text)], embedder)
    texts = {c.text for c in candidates}
    assert candidates[0].text == "Ada Quell"
    assert not texts & never
    assert kept <= texts


def test_the_lone_head_word_of_a_name_with_of_or_for_is_no_name_of_its_own(
    embedder: SentenceTransformerEmbedder,
) -> None:
    _, candidates = ranked_for(
        "Which insect has been declared eradicated in Veldria?",
        [
            passage(
                "The Department of Agriculture and the Centers for Plant Health declared the "
                "Tessel hornet eradicated in Veldria."
            )
        ],
        embedder,
    )
    texts = {c.text for c in candidates}
    assert {"Department of Agriculture", "Agriculture", "Centers for Plant Health"} <= texts
    assert "Plant Health" in texts and "Tessel" in texts
    assert not texts & {"Department", "Centers"}


def test_a_name_joined_by_an_ampersand_is_one_name_not_two(
    embedder: SentenceTransformerEmbedder,
) -> None:
    text = (
        "Ada Quell is the majority stakeholder of Quell Media & Technology Group, the parent "
        "of her social media platform Veldria Social."
    )
    _, candidates = ranked_for(
        "Which company owns the platform Veldria Social?", [passage(text)], embedder
    )
    texts = {c.text for c in candidates}
    assert "Quell Media & Technology Group" in texts
    assert not texts & {"Technology Group", "Quell Media", "&"}


def test_a_one_word_name_the_articles_also_write_in_lowercase_is_a_common_word(
    embedder: SentenceTransformerEmbedder,
) -> None:
    question = "Which iconic hotel on the Strip closed this week after 34 years?"
    text = (
        "After 34 years, Calmora Hotel and Casino closed this week. Casino staff said the "
        "iconic hotel on the Strip closed this week after 34 years; the casino was its heart."
    )
    ranked, candidates = ranked_for(question, [passage(text)], embedder)
    assert candidates[0].text == "Calmora Hotel and Casino"
    # "Casino" stands nearer the question's words, and would win, but the articles write
    # "the casino": the capital is the longer name's.
    plain = rank_candidates(
        profile_question(question), ranked, [passage(text)], {**WEIGHTS, "common_word": 0.0}
    )
    assert plain[0].text == "Casino"
    profile = profile_question(question)
    about = sentences_about(profile, [passage(text)])
    lone = span_features(profile, next(c for c in candidates if c.text == "Casino"), about, [])
    full = span_features(profile, candidates[0], about, [])
    assert lone is not None and lone["common_word"] == 1.0
    assert full is not None and full["common_word"] == 0.0


def test_a_name_that_cannot_be_a_persons_is_no_answer_to_a_person_asked(
    embedder: SentenceTransformerEmbedder,
) -> None:
    question = "Which comedian announced he will return to late-night TV next month?"
    text = (
        "Tom Harrow will return to late-night TV next month. The Nightly Show announced his return."
    )
    ranked, candidates = ranked_for(question, [passage(text)], embedder)
    assert candidates[0].text == "Tom Harrow"
    # The show stands beside "announced", and would win: but a show is no comedian.
    plain = rank_candidates(
        profile_question(question), ranked, [passage(text)], {**WEIGHTS, "unlike_person": 0.0}
    )
    assert plain[0].text == "Nightly Show"


@pytest.mark.parametrize(
    ("question", "name", "unlike"),
    [
        ("Which comedian announced he will return?", "Nightly Show", True),
        ("Which actor said she was angered?", "Veldria's Echo", True),
        ("Who chairs the Calmoran Security Council?", "Security Council", True),
        ("Who won the Veldrian governor primary?", "Congress", True),
        ("Who won the Veldrian governor primary?", "National Assembly", True),
        ("Which actor said she was angered?", "Mira Quell", False),
        ("Who chairs the Calmoran Security Council?", "Shah Hossain Mortazawi", False),
        ("Which company announced it will return?", "Nightly Show", False),
    ],
)
def test_unlike_person_marks_possessives_and_things_heads_only_where_a_person_is_asked(
    question: str, name: str, unlike: bool
) -> None:
    features = span_features(profile_question(question), _named(name, 0.0), [], [])
    assert features is not None and features["unlike_person"] == float(unlike)


@pytest.mark.parametrize(
    ("name", "overlap"),
    [
        ("Calmora Airlines", 0.0),  # the kind asked for, named: no repeat of the question
        ("Portland Airlines", 1.0),  # its one other word is the question's
        ("Airlines", 1.0),  # the question's noun alone
        ("Calmora Portland", 0.5),
    ],
)
def test_the_noun_after_which_in_a_name_is_no_overlap_with_the_question(
    name: str, overlap: float
) -> None:
    profile = profile_question("A door panel blew out over Portland on which airline?")
    features = span_features(profile, _named(name, 0.0), [], [])
    assert features is not None and features["question_overlap"] == overlap


def test_a_phrase_stops_at_punctuation_and_is_no_verb_after_a_pronoun(
    embedder: SentenceTransformerEmbedder,
) -> None:
    text = (
        "Growers ship the creamy fruit they call green gold north, avocados, limes and "
        "storms including tornadoes."
    )
    _, candidates = ranked_for("Which fruit is nicknamed green gold?", [passage(text)], embedder)
    texts = {c.text for c in candidates}
    assert "avocados" in texts
    assert not {t for t in texts if "," in t}
    assert not texts & {"call", "call green gold", "including tornadoes"}


def test_a_name_opening_its_sentence_is_no_phrase(embedder: SentenceTransformerEmbedder) -> None:
    # A sentence's first word may be a lowercase word capitalised ("Extreme heat"), but not
    # where a capitalised word follows: "Nikolai" opens "Nikolai Patrushev", whose surname the
    # question names, so the given name alone is no answer.
    text = (
        "“Nikolai Patrushev and Hamdullah Mohib stressed the urgent need for a ceasefire "
        "and negotiations,” the council said. Extreme heat, it added, is a worry."
    )
    _, candidates = ranked_for(
        "For what did Mohib and Patrushev say there was an urgent need?", [passage(text)], embedder
    )
    texts = {c.text for c in candidates}
    assert "Nikolai" not in texts
    assert {"ceasefire", "Extreme heat"} <= texts


def test_what_was_its_name_asks_for_a_name() -> None:
    question = "A storm became the earliest Category 5 hurricane on record. What was its name?"
    assert profile_question(question).wants_name
    assert not profile_question("How strong were its winds?").wants_name


def test_a_name_with_accents_is_one_span(embedder: SentenceTransformerEmbedder) -> None:
    # Combining accents ("Sa" + U+0303 + "o") once split "São Paulo" into "Sa" and "Paulo".
    text = "A wildlife crossing is being built in Sa\u0303o Paulo and in Zürich."
    _, candidates = ranked_for(
        "Which city is building a wildlife crossing?", [passage(text)], embedder
    )
    assert {"Sa\u0303o Paulo", "Zürich"} <= {c.text for c in candidates}


@pytest.mark.parametrize(
    ("question", "text", "answer"),
    [
        # A grade and a committee are not states; California is ("recently" is no noun).
        (
            "Which state recently banned several food dyes from K-12 public school meals?",
            "The bill, which passed the Senate Education Committee on Tuesday, bans six "
            "synthetic food dyes from K-12 public school meals in California.",
            "California",
        ),
        # A volcano is not a country; the possessive does not hide Indonesia, and a listed
        # country is answered without it.
        (
            "Which country is being impacted by volcanic eruptions that have forced thousands "
            "to evacuate?",
            "Mount Lewotobi Laki-laki erupted again on Friday, forcing thousands of villagers "
            "in East Flores to evacuate, Indonesia's disaster agency said.",
            "Indonesia",
        ),
    ],
)
def test_which_country_or_state_is_answered_by_a_place_of_that_kind(
    embedder: SentenceTransformerEmbedder, question: str, text: str, answer: str
) -> None:
    _, candidates = ranked_for(question, [passage(text)], embedder)
    assert candidates[0].text == answer


def test_the_gazetteer_tells_countries_from_states_and_rules_neither_out_for_other_asks() -> None:
    from service.gazetteer import place_fit, place_kind

    assert [place_kind(t) for t in ("countri", "nation", "state", "citi", "general")] == [
        "country", "country", "state", "city", None,
    ]  # fmt: skip
    assert place_fit("the United States", "country") == place_fit("Kenya’s", "country") == 1.0
    assert place_fit("Texas", "country") == -1.0 and place_fit("Texas", "state") == 1.0
    assert place_fit("Georgia", "country") == place_fit("Georgia", "state") == 1.0
    assert place_fit("France", "city") == -1.0 and place_fit("New York", "city") == 0.0
    assert place_fit("Education", "state") == 0.0  # unknown: the other features decide
    # The country list is whole: a name it lacks is most likely no country.
    assert place_fit("East African", "country") == place_fit("Eastern Province", "country") < 0


@pytest.mark.parametrize(
    ("question", "target"),
    [
        ("Which show won a record-breaking 18 Emmy awards this year?", "show"),
        ("Which state recently banned several food dyes?", "state"),
        ("Which general commanding US troops said so?", "general"),
        ("Which tech giant passed Apple?", "giant"),
        ("Which airline may have to put its expansion plans on hold?", "airlin"),
        # A possessive after "which" is asked for; after "the" it only says whose.
        ("Which state’s top court ruled that frozen embryos are children?", "state"),
        ("What is the world’s happiest country?", "countri"),
        # A superlative is no noun: "the highest hurricane category" asks for a category.
        ("What is the highest hurricane category on the Saffir-Simpson scale?", "categori"),
        # A word in -ing before the noun describes it; after a verb, or in -ed, it is a verb.
        ("Which streaming service announced new price hikes?", "servic"),
        ("Which British racing driver launched a karting championship?", "driver"),
        ("What governing body appoints the commissioners?", "bodi"),
        ("What was compounding seen as in the marine industry?", None),
        ("What helped spread Protestantism in France?", None),
        # An adjective before a compound noun takes none of its two places.
        ("Which classic video game was finally beaten?", "game"),
        ("Which former prime minister was removed?", "minist"),
        ("What unique holiday tradition is celebrated in Claymont?", "tradit"),
        # A word in -s after a singular noun, before "the", "back" or a name, is its verb.
        ("Which Halloween candy dates back to the 1880s?", "candi"),
        ("Which model plays Elton John in a new video?", "model"),
        ("What were the national elections in 1991 canceled by?", "elect"),
    ],
)
def test_the_noun_after_which_stops_at_a_verb_or_adverb(question: str, target: str | None) -> None:
    assert profile_question(question).target == target


@pytest.mark.parametrize(
    ("question", "before", "after"),
    [
        ("South Korea passed a law this week banning the sale of what?", {"sale"}, set()),
        ("Who beat darts prodigy Luke Littler to become world champion?", set(), {"beat"}),
        ("Which US government department is at the centre of a budget row?", set(), {"centr"}),
        # The subject follows "did": the answer is no neighbour of "Moscow" in the article.
        ("Apart from Central Asia, which country did Moscow invite?", set(), set()),
    ],
)
def test_the_question_words_beside_its_slot(
    question: str, before: set[str], after: set[str]
) -> None:
    profile = profile_question(question)
    assert (profile.slot_before, profile.slot_after) == (before, after)


def test_the_span_standing_where_the_question_asks_is_chosen(
    embedder: SentenceTransformerEmbedder,
) -> None:
    # "production" is nearer the question's words; "dog meat" fills the slot after "sale of".
    text = (
        "Lawmakers in South Korea on Tuesday passed a ban on the production and sale of dog "
        "meat for human consumption."
    )
    _, candidates = ranked_for(
        "South Korea passed a law this week banning the sale of what?", [passage(text)], embedder
    )
    assert candidates[0].text == "dog meat"


def _named(text: str, score: float) -> SpanCandidate:
    sentence = passage(f"{text} was there.")
    evidence = Evidence(1, sentence, sentence.text, 0, len(sentence.text))
    return SpanCandidate(text, evidence, 0, len(text), "name", score, 1)


@pytest.mark.parametrize(
    ("best", "other", "first"),
    [
        ("Washington", "George Washington", "George Washington"),
        ("Lions", "Detroit Lions", "Detroit Lions"),
        # Someone else, who works there; a sentence opening; another place.
        ("Costco", "Costco Chief Financial Officer Gary Millerchip", "Costco"),
        ("New Castle County", "Neither New Castle County", "New Castle County"),
        ("Chicago", "Democratic National Convention in Chicago", "Chicago"),
    ],
)
def test_a_name_is_answered_in_full_where_a_close_candidate_writes_it_so(
    best: str, other: str, first: str
) -> None:
    ranked = with_full_name_first([_named(best, 2.0), _named("Elsewhere", 1.8), _named(other, 1.5)])
    assert ranked[0].text == first and ranked[0].score == 2.0
    assert sorted(c.text for c in ranked) == sorted([best, "Elsewhere", other])


@pytest.mark.parametrize(
    ("question", "first"),
    [
        # A person is named in full however far below the surname's sentence it scores.
        ("Which basketball star became the first to score 40,000 points?", "LeBron James"),
        ("Who became the first player to score 40,000 points?", "LeBron James"),
        # Anything else keeps the margin: "Washington" the city is not George Washington.
        ("Which city did the team beat on Sunday?", "James"),
    ],
)
def test_a_person_asked_for_is_named_in_full_whatever_the_surnames_lead(
    question: str, first: str
) -> None:
    ranked = [_named("James", 3.6), _named("Kareem Abdul-Jabbar", 2.0), _named("LeBron James", 1.9)]
    margin = full_name_margin(profile_question(question))
    assert with_full_name_first(ranked, margin)[0].text == first


def test_the_models_pick_is_answered_in_full_too() -> None:
    # With a margin to choose within (a bigger model's setting), the model picks a near-tie
    # written short ("James"); the answer names him in full, as a close candidate writes it,
    # and not the extractive best.
    candidates = [_named("Anthony Davis", 2.0), _named("James", 1.95), _named("LeBron James", 1.2)]
    profile = profile_question("Who scored the winning basket?")
    settled = settle_short_answer("James [1]", profile, candidates, [], [], margin=0.1)
    assert settled.candidate.text == "LeBron James" and settled.rejected_reply is None
    # Unchanged where no candidate writes the pick in full.
    settled = settle_short_answer("Anthony Davis", profile, candidates[:2], [], [])
    assert settled.candidate.text == "Anthony Davis"


def test_a_verb_after_to_or_a_modal_is_no_phrase_answer(
    embedder: SentenceTransformerEmbedder,
) -> None:
    text = "The crew will attempt to conduct a spacewalk, and officials can't say when."
    _, candidates = ranked_for("What will the crew attempt?", [passage(text)], embedder)
    texts = {c.text for c in candidates}
    assert "spacewalk" in texts
    assert not texts & {"conduct", "attempt", "can't", "say"}


@pytest.mark.parametrize(
    ("question", "text", "unit", "answer"),
    [
        (
            "How much was the mayor fined for violating the gag order?",
            "The judge found the mayor in contempt for nine violations of the gag order and "
            "fined him $9,000 on Tuesday.",
            "money",
            "$9,000",
        ),
        (
            "At what price will insulin be sold to Americans?",
            "Three insulin makers cut list prices by 70% and will sell insulin to Americans at "
            "$35 a month.",
            "money",
            "$35",
        ),
        (
            "What was the final score of the game between Princeton and Delaware?",
            "Caden Pierce scored 21 points in Princeton's 84-82 win against Delaware on Saturday.",
            "score",
            "84-82",
        ),
        (
            "What percentage of voters backed the measure?",
            "About 1.2 million voters, or 58%, backed the measure in 2024.",
            "percent",
            "58%",
        ),
    ],
)
def test_a_number_asked_in_a_unit_is_answered_in_that_unit(
    embedder: SentenceTransformerEmbedder, question: str, text: str, unit: str, answer: str
) -> None:
    profile = profile_question(question)
    assert profile.unit == unit
    passages = [passage(text)]
    ranked = rank_evidence(question, passages, embedder)
    assert rank_candidates(profile, ranked, passages)[0].text == answer
    # The unit decides it: without it a nearer bare number wins.
    unitless = rank_candidates(profile, ranked, passages, {**WEIGHTS, "unit": 0.0})
    assert unitless[0].text != answer


@pytest.mark.parametrize(
    ("question", "target_class"),
    [
        ("A perfume ad featuring which singer was banned?", "person"),
        ("Which tech giant surpassed Apple last Friday?", "organisation"),
        ("Missiles struck which Ukrainian city?", "place"),
        ("Which party won the most seats?", "people"),
        ("Which fruit is nicknamed green gold?", None),  # a common noun: "avocados"
        ("Who won the race?", None),
    ],
)
def test_the_kind_of_thing_the_target_noun_names(question: str, target_class: str | None) -> None:
    assert profile_question(question).target_class == target_class


def test_a_person_or_place_asked_for_is_a_name_not_a_phrase_a_state_or_a_people(
    embedder: SentenceTransformerEmbedder,
) -> None:
    cases = [
        (
            "Which singer was banned from performing in Texas?",
            "Texas officials banned the concert after the American singer Mara Lind criticised "
            "the governor.",
            "Mara Lind",
        ),
        (
            "Missiles struck a military academy in which Ukrainian city?",
            "Russian missiles struck a military academy, in an attack that killed 50 people in "
            "Poltava.",
            "Poltava",
        ),
    ]
    for question, text, answer in cases:
        passages = [passage(text)]
        ranked = rank_evidence(question, passages, embedder)
        candidates = rank_candidates(profile_question(question), ranked, passages)
        assert candidates[0].text == answer
        named = {c.text for c in candidates}
        assert not named & {"Texas", "American", "Russian", "officials", "concert", "attack"}
        # Without the target's class, phrases ("officials", "attack") compete.
        untyped = replace(profile_question(question), target_class=None)
        assert {"officials", "attack"} & {
            c.text for c in rank_candidates(untyped, ranked, passages)
        }


DAM_QUESTION = "Which US dam is in imminent failure condition after flooding in the Midwest?"
DAM = "Flooding in the Midwest left the Carrow Dam in Minnesota in imminent failure condition."
STEP_DOWN = (
    "Brookfield University said that President Dana Whitfield announced she will step down "
    "this summer."
)
SINGER_QUESTION = "Which singer gave a rare performance at the Veldria music awards?"
LIND = (
    "Mara Lind sang Silver Tide, a rare performance at the Veldria music awards. Lind's "
    "performance was the first at the Veldria awards in years."
)


@pytest.mark.parametrize(
    ("feature", "question", "text", "first", "without"),
    [
        # A state stands nearer the question's words than the dam asked for.
        ("place_for_thing", DAM_QUESTION, DAM, "Carrow Dam", "Minnesota"),
        # The president stands beside "step down"; a university is asked for.
        (
            "person_for_thing",
            "Which university announced its president will step down this summer?",
            STEP_DOWN,
            "Brookfield University",
            "President Dana Whitfield",
        ),
        # A title inside the name marks a person too; a place is asked for.
        (
            "person_for_thing",
            "Where was the Silver Tide flag raised this week?",
            "Calmoran President Dana Whitfield raised the Silver Tide flag this week at a "
            "ceremony held in Harnau.",
            "Harnau",
            "Calmoran President Dana Whitfield",
        ),
        # The song stands nearer the question's words; the singer's surname is used again.
        ("person_named", SINGER_QUESTION, LIND, "Mara Lind", "Silver Tide"),
        # The firm named beside the question's words is the one that did not win.
        (
            "denies",
            "Which company won the contract to build the Harnau bridge?",
            "Veldria Steel did not win the contract to build the Harnau bridge. The contract "
            "went to Brindle Works instead.",
            "Brindle Works",
            "Veldria Steel",
        ),
    ],
)
def test_a_feature_of_the_kind_asked_for_turns_the_lead_to_the_right_span(
    feature: str,
    question: str,
    text: str,
    first: str,
    without: str,
    embedder: SentenceTransformerEmbedder,
) -> None:
    passages = [passage(text)]
    ranked = rank_evidence(question, passages, embedder)
    profile = profile_question(question)
    assert first in rank_candidates(profile, ranked, passages)[0].text
    unweighted = {**WEIGHTS, feature: 0.0}
    assert rank_candidates(profile, ranked, passages, unweighted)[0].text == without


def test_a_state_is_no_worse_for_being_one_where_a_place_is_asked_for(
    embedder: SentenceTransformerEmbedder,
) -> None:
    _, candidates = ranked_for(
        "Where is a dam in imminent failure condition after flooding?", [passage(DAM)], embedder
    )
    where = profile_question("Where is a dam in imminent failure condition after flooding?")
    state = next(c for c in candidates if c.text == "Minnesota")
    assert span_features(where, state, [], [])["place_for_thing"] == 0.0
    assert span_features(profile_question(DAM_QUESTION), state, [], [])["place_for_thing"] == 1.0


def test_a_title_counts_for_a_person_where_a_person_is_asked_for(
    embedder: SentenceTransformerEmbedder,
) -> None:
    _, candidates = ranked_for("Who will step down this summer?", [passage(STEP_DOWN)], embedder)
    assert "Dana Whitfield" in candidates[0].text


def test_the_surname_counts_only_for_a_full_name_and_where_a_person_is_asked_for(
    embedder: SentenceTransformerEmbedder,
) -> None:
    profile = profile_question(SINGER_QUESTION)
    _, candidates = ranked_for(SINGER_QUESTION, [passage(LIND)], embedder)
    about = sentences_about(profile, [passage(LIND)])
    song = next(c for c in candidates if c.text == "Silver Tide")
    assert span_features(profile, song, about, [])["person_named"] == 0.0  # "Tide" never alone
    # Nor where the last word stands after another name's word: a title, not a surname.
    # ("Blue Tide"; "Songs We Tide", whose "We" is capitalised as a title's word, not as a
    # sentence's first).
    for other in ("Blue Tide", '"Songs We Tide"'):
        album = passage(f"{LIND} The Veldria music awards heard a rare performance of {other}.")
        about_album = sentences_about(profile, [album])
        assert span_features(profile, song, about_album, [])["person_named"] == 0.0
    singer = candidates[0]
    assert span_features(profile, singer, about, [])["person_named"] == 1.0
    thing = profile_question("Which song was given a rare performance at the music awards?")
    assert span_features(thing, singer, about, [])["person_named"] == 0.0  # no person asked


def test_a_people_or_party_answers_only_a_question_about_one(
    embedder: SentenceTransformerEmbedder,
) -> None:
    text = "Taylor Swift and the American poet Emily Dickinson are distant cousins."
    passages = [passage(text)]
    question = "Taylor Swift is related to which famous poet?"
    ranked = rank_evidence(question, passages, embedder)
    assert "American" not in {
        c.text for c in rank_candidates(profile_question(question), ranked, passages)
    }
    party = "Which party did the poet Emily Dickinson's family support?"
    text = "Emily Dickinson's father was a Whig, and her family later backed the Republican party."
    ranked = rank_evidence(party, [passage(text)], embedder)
    named = {c.text for c in rank_candidates(profile_question(party), ranked, [passage(text)])}
    assert "Republican" in named


def test_a_day_is_never_a_name_even_with_a_possessive(
    embedder: SentenceTransformerEmbedder,
) -> None:
    text = "Tuesday's debate between the two candidates in Philadelphia drew 67 million viewers."
    _, candidates = ranked_for("Which city hosted the debate this week?", [passage(text)], embedder)
    assert candidates[0].text == "Philadelphia"
    assert not [c for c in candidates if "Tuesday" in c.text]
    _, when = ranked_for("When was the debate in Philadelphia?", [passage(text)], embedder)
    assert not [c for c in when if c.kind == "name" and "Tuesday" in c.text]


def test_a_holiday_asked_for_may_be_a_date(embedder: SentenceTransformerEmbedder) -> None:
    # "Tuesday" answers no question but "when", but a holiday is often named by its date.
    text = (
        "Officials expect the withdrawal to be completed in less than a week, by the July 4 "
        "national holiday, the Harnau Times reported on Tuesday."
    )
    question = "By which holiday did officials expect the withdrawal to be finished?"
    texts = candidate_texts(question, text, embedder)
    assert "July 4" in texts and "Tuesday" not in texts
    other = candidate_texts("Which newspaper reported the withdrawal?", text, embedder)
    assert not {"July 4", "Tuesday"} & set(other)


def test_names_joined_by_in_and_are_also_whole_on_their_own(
    embedder: SentenceTransformerEmbedder,
) -> None:
    # "in" and "and" join two names more often than they sit inside one: the court is a name
    # with its own "of", and "French" before "automaker" describes, it names no one.
    text = (
        "The claim was lodged with the Permanent Court of Maritime Arbitration in Lindhaven. "
        "Harnau Shipping Lines and French operator Portavia are in talks with the Office of "
        "Ports and Harbour Safety."
    )
    texts = set(
        candidate_texts("Which court received the Sarvek arbitration claim?", text, embedder)
    )
    assert {"Permanent Court of Maritime Arbitration", "Lindhaven", "Portavia"} <= texts
    assert "Harnau Shipping Lines" in texts
    assert not [t for t in texts if t.endswith("and French")]
    assert "Office of Ports" not in texts  # "and" is inside a name as often


def test_a_name_may_end_in_a_plus(embedder: SentenceTransformerEmbedder) -> None:
    text = "Veldria+ and Harnau TV+ raised their prices; the C++ course is 5+ hours long."
    texts = set(candidate_texts("Which streaming service raised its prices?", text, embedder))
    assert {"Veldria+", "Harnau TV+"} <= texts
    assert not {"Veldria", "C+", "5+"} & texts


def test_an_acronym_asked_for_is_in_capitals(embedder: SentenceTransformerEmbedder) -> None:
    text = (
        "The Veldrian Emergency Relief Agency (VERA) sent teams to Harnau, and the Maritime "
        "Authority closed the port."
    )
    question = "What is the acronym for Veldria's disaster relief agency?"
    assert candidate_texts(question, text, embedder) == ["VERA"]
    other = candidate_texts("Which agency sent teams to Harnau?", text, embedder)
    assert "Veldrian Emergency Relief Agency" in other


def test_its_name_asked_for_is_no_lowercase_phrase(embedder: SentenceTransformerEmbedder) -> None:
    text = "The depression strengthened overnight into Tropical Storm Mirela, forecasters said."
    question = "A tropical storm is flooding the Veldrian coast this week. What is its name?"
    texts = candidate_texts(question, text, embedder)
    assert texts[0] == "Tropical Storm Mirela" or texts[0] == "Mirela"
    assert not [t for t in texts if t[:1].islower()]
    assert profile_question(question).name_asked
    assert not profile_question("How strong were its winds?").name_asked


def test_the_count_after_which_is_no_noun(embedder: SentenceTransformerEmbedder) -> None:
    # "which two automakers": the automakers are asked for, so "French" is no answer.
    question = "Which two automakers are discussing a possible merger?"
    profile = profile_question(question)
    assert profile.target == profile_question("Which automaker is merging?").target
    assert profile.target_class == "organisation"
    text = "Harnau Motors and French automaker Portavia are in merger talks, a source said."
    texts = set(candidate_texts(question, text, embedder))
    assert {"Harnau Motors", "Portavia"} <= texts and "French" not in texts


@pytest.mark.parametrize(
    ("question", "text", "first", "absent"),
    [
        # "These" opens the clause after the colon; what is left of "These 4" is a count.
        (
            "Who won the governor primary?",
            "Meet the candidates:These 4 statewide races have contested primaries in Veldria. "
            "Dana Whitfield won the governor primary on Tuesday, the closest of these races.",
            "Dana Whitfield",
            {"4", "These 4", "These"},
        ),
        # A function word opening the clause is none of a name, written in lowercase or not.
        (
            "Who won the governor primary?",
            "Meet the candidates:These 4 statewide races have contested primaries in Veldria. "
            "Dana Whitfield won the governor primary on Tuesday.",
            "Dana Whitfield",
            {"4", "These 4", "These"},
        ),
        # "Gov." titles the person after it: the state before it is a name, "Veldria Gov" none;
        # "Though" and "Former" open their sentences.
        (
            "Which state did the floods hit hardest this week?",
            "Former Veldria Gov. Dana Whitfield said the floods hit hardest in Veldria this week. "
            "Though Calmora was spared, the storm cut roads there.",
            "Veldria",
            {"Former Veldria Gov", "Veldria Gov", "Though Calmora"},
        ),
    ],
)
def test_words_that_open_a_clause_or_title_a_person_are_no_part_of_a_name(
    question: str, text: str, first: str, absent: set[str], embedder: SentenceTransformerEmbedder
) -> None:
    texts = candidate_texts(question, text, embedder)
    assert texts[0] == first
    assert not absent & set(texts)
