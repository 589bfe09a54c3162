"""Salience: a candidate that the best evidence sentences keep naming is what they are about.

Evidence scores are set by hand here, so each case tests the rule, not the embedding model."""

from __future__ import annotations

import math
from dataclasses import replace

from service.evidence import Evidence
from service.passages import Passage
from service.question import profile_question
from service.salience import SALIENCE_WINDOW, leading_sentences, salience
from service.short_answers import settle_short_answer
from service.span_scoring import WEIGHTS, documents_stating, rank_candidates
from service.spans import SpanCandidate
from tests.test_short_answers import passage

QUESTION = "Which social media platform did former President Donald Trump join this week?"
# The best sentence by closeness to the question's words names the platform Trump owns; the
# next ones, from other articles of the week, all say what he joined.
OWNED = (
    "Trump is the majority stakeholder of Trump Media & Technology Group, the parent of his "
    "social media platform Truth Social."
)
JOINED = (
    "Former President Donald Trump joined TikTok on Saturday, posting a debut video from a UFC "
    "fight.",
    "Donald Trump joined TikTok with a UFC appearance video.",
    "For Trump, joining TikTok could also be a complicated business decision.",
    "Trump's TikTok debut drew millions of views within hours.",
)


def evidence(text: str, score: float, n: int) -> Evidence:
    found = passage(text, source=f"{n}.txt", n=n)
    return Evidence(n, found, text, 0, len(text), score=score, has_answer_type=True)


def candidate(text: str, kind: str = "name") -> SpanCandidate:
    sentence = evidence(f"{text} said so.", 1.0, 1)
    return SpanCandidate(text, sentence, 0, len(text), kind, 0.0, 1)


def platform_case() -> tuple[list[Evidence], list[Passage]]:
    ranked = [evidence(OWNED, 1.0, 1)]
    ranked += [evidence(text, 0.95 - 0.02 * i, i + 2) for i, text in enumerate(JOINED)]
    return ranked, [e.passage for e in ranked]


def test_the_platform_the_best_sentences_all_name_beats_one_beside_the_question_words() -> None:
    ranked, passages = platform_case()
    profile = profile_question(QUESTION)
    assert rank_candidates(profile, ranked, passages)[0].text == "TikTok"
    # Without salience the sentence closest to the question's words wins: the case is real.
    unweighted = rank_candidates(profile, ranked, passages, {**WEIGHTS, "salience": 0.0})
    assert unweighted[0].text != "TikTok"


def test_only_sentences_near_the_best_score_lead() -> None:
    ranked = [evidence(f"Sentence {i}.", 1.0 - 0.05 * i, i + 1) for i in range(10)]
    leading = leading_sentences(ranked)
    assert leading == [e.text for e in ranked if e.score >= 1.0 - SALIENCE_WINDOW]
    assert len(leading) == 5
    assert leading_sentences([]) == []


def test_mentions_count_whole_words_and_a_persons_surname() -> None:
    leading = [
        "Tyreek Hill was detained outside the stadium.",
        "Hill said he was scared.",
        "The hillside was quiet.",  # not a whole word
        "Police released body camera footage.",
    ]
    assert salience(candidate("Tyreek Hill"), leading) == math.log1p(2)
    # A place list is no person: "Calmora" alone is not "Veldria and Calmora".
    places = ["Veldria and Calmora held talks.", "Calmora will lead next year."]
    assert salience(candidate("Veldria and Calmora"), places) == math.log1p(1)
    assert salience(candidate("Pandas", "phrase"), ["The pandas return.", "PANDAS again"]) == (
        math.log1p(2)
    )


def test_mentions_beyond_the_cap_add_nothing() -> None:
    many = ["TikTok grew."] * 12
    assert salience(candidate("TikTok"), many) == salience(candidate("TikTok"), many[:5])
    assert salience(candidate("TikTok"), many[:4]) < salience(candidate("TikTok"), many[:5])


def test_salience_ranks_but_never_verifies() -> None:
    # Two articles state "TikTok" in a sentence with most of the question's words; it leads
    # the runner-up by 1.2, but 0.45 of that is salience: not verified. The same lead stated
    # by the evidence alone is.
    ranked, passages = platform_case()
    sentence = replace(ranked[1], coverage=0.8)
    profile = profile_question(QUESTION)

    def settled(prominence: float) -> bool:
        best = SpanCandidate("TikTok", sentence, 29, 35, "name", 3.0, 2, 1, prominence)
        runner_up = SpanCandidate("Truth Social", ranked[0], 103, 115, "name", 1.8, 1)
        chosen = settle_short_answer("TikTok", profile, [best, runner_up], ranked, passages)
        assert chosen.candidate.text == "TikTok"
        return chosen.verified

    assert settled(prominence=0.0)
    assert not settled(prominence=0.45)


def test_a_name_is_not_named_by_the_same_words_in_lowercase() -> None:
    # "Casino" of "Mirage Hotel and Casino" is a name; "the casino" is any casino.
    leading = ["The Mirage Hotel and Casino closes.", "The casino opened in 1989.", "CASINO"]
    assert salience(candidate("Casino"), leading) == math.log1p(2)
    assert salience(candidate("casino", "phrase"), leading) == math.log1p(3)
    about = [("a", leading[0]), ("b", leading[1]), ("c", "A casino closed.")]
    assert documents_stating(candidate("Casino"), about) == 1
    assert documents_stating(candidate("casino", "phrase"), about) == 3
