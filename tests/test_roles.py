"""The role a sentence gives an answer: the ends of a movement, a modifier of the question's
word. Read by verification only (service/roles.py)."""

from __future__ import annotations

from service.evidence import Evidence
from service.question import profile_question
from service.roles import modifies_question_word, swaps_ends
from service.spans import SpanCandidate
from tests.test_short_answers import passage


def test_the_ends_of_a_movement_stated_the_other_way_round() -> None:
    asked = profile_question("Who moved his court from Warsaw to Krakow in 1596?")
    # Accents dropped: "Kraków" is the question's "Krakow".
    assert swaps_ends(asked, "The king moved his court from Kraków to Warsaw in 1596.")
    assert not swaps_ends(asked, "")
    assert not swaps_ends(asked, "In 1596 the king moved his court from Warsaw to Kraków.")
    # Stated both ways ("and back"): the way asked is stated too.
    both = "He moved from Warsaw to Kraków in 1596 and from Kraków to Warsaw in 1611."
    assert not swaps_ends(asked, both)
    # "to" before a verb is no end: the question's ends are still read.
    wanted = profile_question("Who wanted to move the court from Warsaw to Krakow?")
    assert swaps_ends(wanted, "The king moved his court from Kraków to Warsaw.")
    # A question with no movement asks nothing of a sentence's ends.
    assert not swaps_ends(profile_question("Who moved the court?"), "From Kraków to Warsaw.")


def candidate_in(sentence: str, text: str) -> SpanCandidate:
    at = sentence.index(text)
    evidence = Evidence(1, passage(sentence, 0), sentence, 0, len(sentence))
    return SpanCandidate(text, evidence, at, at + len(text), "name", 1.0, 1)


def test_a_span_that_modifies_the_questions_own_word_is_in_another_role() -> None:
    asked = profile_question("What are the secondary sources of primary law?")
    sentence = "The three sources of European Union law are primary law and secondary law."
    assert modifies_question_word(asked, candidate_in(sentence, "European Union"))
    # Followed by a word the question does not ask about, a possessive or a comma: no modifier.
    assert not modifies_question_word(
        asked, candidate_in("European Union rules apply.", "European Union")
    )
    assert not modifies_question_word(
        asked, candidate_in("The European Union's law.", "European Union")
    )
    assert not modifies_question_word(asked, candidate_in("In Brussels, law is made.", "Brussels"))
    # The question's verb follows the answer as it follows the wh-word: "Harbour Council drafts".
    drafts = profile_question("Which council drafts the secondary sources of port law?")
    sentence = "The Harbour Council drafts the secondary sources of port law."
    assert not modifies_question_word(drafts, candidate_in(sentence, "Harbour Council"))
