"""A question analysed once: its terms, the kind of answer it wants, and what it names.

Retrieval, evidence ranking, short-answer selection and verification all read this profile
instead of each re-deriving the question's terms and type from its text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from service.answer_types import LEADING_CLAUSE as _LEADING_CLAUSE
from service.answer_types import NUMBER_WORDS, expected_answer_type, expected_unit
from service.gazetteer import DEMONYM_TARGETS, is_demonym, is_listed_place, place_kind
from service.terms import STOPWORDS, KeyTerms, key_terms, normalize_word, term_set, words

# "Which general ...", "what company ...": the noun after the question word says what kind of
# thing the answer is, and articles often put that noun beside the answer ("Gen. X", "the
# automaker Ford"). Words here follow "which/what" without naming a kind of thing.
_NOT_A_TARGET = frozenset(
    """is was are were did does do has have had will would can could should may might must
    of kind type sort the a an""".split()  # noqa: SIM905 - a word list reads best as text
)
# Adjectives news questions put before the noun asked for ("which classic video game"): no
# noun, and they would take one of the two places a compound noun has ("prime minister").
_ADJECTIVES = frozenset(
    """new former previous classic major unique large small big famous prestigious massive
    invasive iconic traditional popular legendary historic historical rare primary main
    specific key top leading local young old annual""".split()  # noqa: SIM905
)
# The verbs of those words: a word in -ing after one is a verb too ("what was compounding").
_AUXILIARIES = _NOT_A_TARGET - {"of", "kind", "type", "sort", "the", "a", "an"}
# Words that follow a verb, not a noun: "dates back", "wins the" (not "in", "to": "changes in
# load", "responses to a problem" are nouns).
_AFTER_VERB = frozenset("the a an his her its their back up out off".split())  # noqa: SIM905
# "the world's happiest country", "the highest hurricane category": the noun follows.
_SUPERLATIVE = re.compile(
    r"\w+iest|best|worst|most|least|largest|biggest|highest|lowest|smallest|longest|oldest"
    r"|newest|youngest|latest|greatest|fastest|richest|strongest|tallest|coldest|hottest"
    r"|warmest|deepest|closest|widest|cheapest|loudest|brightest"
)
# Irregular past tenses end the noun as "-ed" does ("which show won ...", "which team beat").
_IRREGULAR_PAST = frozenset(
    """won took made became hit led set sold ran gave got went met left lost beat held built
    bought brought broke chose drew fell fled flew found grew hid kept knew paid rose saw sent
    shot spoke stole struck swept threw told wore wrote began came said""".split()  # noqa: SIM905
)
# Most "which X" questions in news are answered by a name ("which country" -> "Belgium");
# these targets are answered by a lowercase phrase as often ("which weather event" -> "extreme
# heat", "what charge" -> "official misconduct").
PHRASE_TARGETS = frozenset(
    """event charge charges crime offense offence type kind sort item product ingredient food
    dish drink animal species disease illness condition weather sport activity method reason
    cause role issue problem sphere area field policy measure law rule job position
    material substance technology device feature service word phrase term color colour
    shape size part body organ symptom treatment drug medication""".split()  # noqa: SIM905
)
# Targets that name a kind of person, organisation or place: their answer is a proper name,
# never a lowercase phrase ("which singer" -> not "campaign"), and a person or organisation
# is never a country or US state ("which singer" -> not "Florida").
PERSON_TARGETS = frozenset(
    """singer actor actress model player rapper artist author writer poet leader president
    senator governor judge justice personality celebrity star athlete coach ceo executive
    founder musician comedian host anchor journalist lawmaker politician candidate official
    minister chancellor king queen prince princess pope rival nominee quarterback pitcher
    golfer swimmer gymnast boxer fighter wrestler director producer chef billionaire
    businessman entrepreneur activist scientist astronaut commander spokesman spokeswoman
    mayor premier monarch dictator congressman congresswoman senate person man woman figure
    icon legend character""".split()  # noqa: SIM905
)
ORGANISATION_TARGETS = frozenset(
    """company automaker carmaker airline retailer club team university college network
    brand bank firm band studio outlet newspaper magazine broadcaster chain restaurant
    franchise manufacturer maker giant startup organization organisation platform app league
    federation union association institution hospital museum channel publisher label
    nonprofit charity media store supermarket""".split()  # noqa: SIM905
)
# Targets a date may name: "which holiday" -> "July 4" (a date answers no other "which").
DATE_NAMED_TARGETS = frozenset({"holiday"})
# "What is the acronym for ...": an abbreviation in capitals ("FEMA"), not the name in full.
ACRONYM_TARGETS = frozenset({"acronym", "abbreviation", "initialism"})
# "A storm ... What was its name?": the name asked for, with no noun after "what".
_ASKS_NAME = re.compile(
    r"\b(?:what|which)(?:'s| is| was| are| were) (?:its|his|her|their|the) names?\b",
    re.IGNORECASE,
)
_WHICH = re.compile(r"\b(?:which|what)\s+(\S)", re.IGNORECASE)
# Questions about an article rather than about the news it reports.
_AUTHOR = re.compile(r"\bwho (wrote|authored|penned|reported)\b|\bwho is the (author|writer)\b")
_OUTLET = re.compile(
    r"\b(which|what) (outlet|publication|newspaper|news outlet|news site|website|paper)\b"
    r"[^?]*\b(publish|report|run|carr|print)",
)
_PUBLISHED = re.compile(
    r"\bwhen (was|were|did)\b[^?]*\b(published|posted|written|updated|last updated)\b"
    r"|\b(what|which) (date|day)\b[^?]*\b(published|posted|updated)\b"
)


@dataclass(frozen=True)
class QuestionProfile:
    """What a question asks, worked out once for every stage of answering."""

    text: str
    terms: KeyTerms
    # Every normalized word of the question: a span made only of these repeats the question.
    asked: frozenset[str]
    # 'age', 'number', 'date', 'day', 'name' or None (see answer_types.expected_answer_type).
    kind: str | None
    # The noun after "which"/"what" ("general", "country"), normalized; None if none.
    target: str | None
    # True when the target noun names a kind of thing whose answers are names.
    wants_name: bool
    # 'country', 'state' or 'city' when the target noun asks for that kind of place.
    place: str | None
    # 'author', 'outlet' or 'published' for questions about an article itself; else None.
    metadata: str | None
    # The question word that sets the answer's kind ("who", "where", "which", "how"...).
    wh: str | None
    # The words counted in "how many electoral votes ...", normalized: "270 electoral votes"
    # answers, not "270". Empty when the question counts nothing.
    counted: tuple[str, ...] = ()
    # 'person', 'organisation', 'place' or 'people' (a nationality, party, faith, language)
    # where the target noun names such a thing.
    target_class: str | None = None
    # The unit a number is asked in: 'money', 'percent', 'score' (answer_types.expected_unit).
    unit: str | None = None
    # The question's words on either side of the asked-for slot: "banning the sale of what"
    # has "sale" before it, "Who beat Luke Littler" has "beat" after it. An answer stands in
    # the same place in its sentence ("sale of dog meat", "Luke Humphries beat ...").
    slot_before: frozenset[str] = frozenset()
    slot_after: frozenset[str] = frozenset()
    # "What is its name?": a name is asked for in so many words; no lowercase phrase is one.
    name_asked: bool = False
    # "What is the acronym for ...": only a name in capitals answers ("FEMA").
    acronym_asked: bool = False
    # The terms of a place or a people that describe the answer before its noun ("which
    # American restaurant chain", "which California university"), normalized. They say
    # where the answer is from, which an article about it need not write ("UCLA").
    describing: frozenset[str] = frozenset()


def profile_question(text: str) -> QuestionProfile:
    """Analyse `text` once: terms, expected answer kind, the target noun, metadata asked."""
    kind = expected_answer_type(text)
    target = _target_noun(text)
    name_asked = _ASKS_NAME.search(text) is not None
    wants_name = (
        kind == "name" or (target is not None and target not in _PHRASE_STEMS) or name_asked
    )
    return QuestionProfile(
        text=text,
        terms=key_terms(text),
        asked=term_set(text),
        kind=kind,
        target=target,
        wants_name=wants_name,
        place=place_kind(target),
        metadata=_metadata_asked(text),
        wh=_question_word(text),
        counted=_counted_words(text),
        unit=expected_unit(text),
        target_class=_target_class(target),
        name_asked=name_asked,
        acronym_asked=target in _ACRONYM_STEMS,
        describing=_describing_terms(text),
        **_slot_neighbours(text, target),
    )


# "which country did Moscow plan to ...": the subject follows, so the answer is the object of
# a verb far from it; only a question about the subject has a slot with a verb after it.
_INVERTING = frozenset("did do does will would can could should has have had may might".split())  # noqa: SIM905
_SLOT_WH = re.compile(r"\b(what|which|whom|whose|who|where|when)\b", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[,;:.!?]\s*$")


def _slot_neighbours(text: str, target: str | None) -> dict[str, frozenset[str]]:
    """The nearest content word before the slot (in its clause) and the first after it."""
    unfolded = _LEADING_CLAUSE.sub("", text)
    found = _SLOT_WH.search(unfolded)
    if found is None:
        return {}
    tokens = words(unfolded[found.end() :])
    lowered = [w.lower() for w in tokens]
    before: list[str] = []
    if not _CLAUSE_END.search(unfolded[: found.start()]):
        before = [w.lower() for w in words(unfolded[: found.start()])]
        before = [w for w in before if w not in STOPWORDS][-1:]
    # "which US government department ...": the kind of thing asked is part of the slot.
    named = [j for j in range(min(4, len(tokens))) if normalize_word(lowered[j]) == target]
    rest = lowered[named[0] + 1 :] if named else lowered
    after: list[str] = []
    if rest and rest[0] not in _INVERTING:
        after = [w for w in rest if w not in STOPWORDS and w not in _NOT_A_TARGET][:1]
    return {
        "slot_before": frozenset(normalize_word(w) for w in before),
        "slot_after": frozenset(normalize_word(w) for w in after),
    }


_HOW_MANY = re.compile(r"\bhow many ([a-z]+)(?: ([a-z]+))?", re.IGNORECASE)


def _counted_words(text: str) -> tuple[str, ...]:
    match = _HOW_MANY.search(text)
    if match is None:
        return ()
    counted: list[str] = []
    for word in (w for w in match.groups() if w):
        lowered = word.lower()
        if lowered in STOPWORDS or lowered in _NOT_A_TARGET or lowered in _IRREGULAR_PAST:
            break  # "how many people were ...", "how many did ..."
        counted.append(normalize_word(lowered))
    return tuple(counted)


_WH = re.compile(r"\b(who|whom|whose|where|when|which|what|how|why)\b", re.IGNORECASE)


def _question_word(text: str) -> str | None:
    match = _WH.search(_LEADING_CLAUSE.sub("", text))
    return match.group(1).lower() if match else None


def _after_which(text: str) -> list[str]:
    """The first six words after "which" or "what" (empty where the question has neither)."""
    match = _WHICH.search(text)
    return words(text[match.start(1) :])[:6] if match else []


def _target_noun(text: str) -> str | None:
    # "which US government department is ...": capitalised modifiers are skipped, and the
    # noun is the last of at most two lowercase words ("weather event", "tech giant"), past
    # adjectives and a word in -ing before them, up to the noun's verb.
    nouns: list[str] = []
    following = _after_which(text)
    modified = False
    for i, word in enumerate(following[:5]):
        lowered = word.lower()
        # "which two automakers": the count asked for is no noun.
        counts = lowered in NUMBER_WORDS or lowered.isdigit()
        if word[0].isupper() or ((lowered in _NOT_A_TARGET or counts) and not nouns):
            continue
        # A participle or an adverb ("which state recently banned") starts the rest.
        ends_noun = lowered in _NOT_A_TARGET or lowered in STOPWORDS or lowered in _IRREGULAR_PAST
        if not nouns and not ends_noun and _modifies_next(following, i):
            modified = True
            continue  # "which streaming service", "which racing driver": the noun follows
        if ends_noun or re.search(r"(ing|ed|ly)$", lowered):
            break
        owner = re.sub(r"['’]s$", "", lowered)
        if owner != lowered:
            if i == 0:
                return normalize_word(owner)  # "which state's top court": the state is asked
            nouns = []  # "what is the world's happiest country": the world is no answer
            continue
        if _SUPERLATIVE.fullmatch(lowered) or (lowered in _ADJECTIVES and not nouns):
            continue  # "the highest hurricane category", "which former prime minister"
        if nouns and _verb_after_noun(nouns[-1], lowered, following[i + 1 : i + 2]):
            break  # "which Halloween candy dates back": the noun's verb, not a second noun
        nouns.append(lowered)
        if len(nouns) == 2 or modified:
            break
    return normalize_word(nouns[-1]) if nouns else None


def _verb_after_noun(noun: str, word: str, after: Sequence[str]) -> bool:
    """Whether `word` after the singular `noun` is its verb ("candy dates back", "model plays
    Elton John"): it ends in -s where the noun does not, and a capital or a word that follows
    verbs comes next."""
    if not word.endswith("s") or word.endswith("ss") or noun.endswith("s") or not after:
        return False
    return after[0][:1].isupper() or after[0].lower() in _AFTER_VERB


def _modifies_next(following: Sequence[str], i: int) -> bool:
    """Whether the word in -ing at `following[i]`, right after "which", describes the noun
    after it ("which streaming service"). Not after a verb ("what was compounding seen as"),
    and not a word in -ed, most often the verb itself ("what helped spread")."""
    if not following[i].lower().endswith("ing") or i + 1 >= len(following):
        return False
    if any(word.lower() in _AUXILIARIES for word in following[:i]):
        return False
    noun = following[i + 1]
    plain = noun.islower() and noun not in STOPWORDS and noun not in _NOT_A_TARGET
    return plain and noun not in _IRREGULAR_PAST and not re.search(r"(ing|ed|ly)$", noun)


def _describing_terms(text: str) -> frozenset[str]:
    """The terms of the capitalised words between "which" and its noun where they name a
    listed place or a people ("which American restaurant chain", "which New York museum")."""
    run: list[str] = []
    for word in _after_which(text)[:4]:
        if not word[0].isupper():
            break
        run.append(word)
    if not run or not (is_listed_place(" ".join(run)) or all(map(is_demonym, run))):
        return frozenset()
    return frozenset(term_set(" ".join(run)))


def _metadata_asked(text: str) -> str | None:
    lowered = text.lower()
    if _AUTHOR.search(lowered):
        return "author"
    if _OUTLET.search(lowered):
        return "outlet"
    if _PUBLISHED.search(lowered):
        return "published"
    return None


_PHRASE_STEMS = frozenset(normalize_word(w) for w in PHRASE_TARGETS)
_PERSON_STEMS = frozenset(normalize_word(w) for w in PERSON_TARGETS)
_DEMONYM_STEMS = frozenset(normalize_word(w) for w in DEMONYM_TARGETS)
_ORGANISATION_STEMS = frozenset(normalize_word(w) for w in ORGANISATION_TARGETS)
_ACRONYM_STEMS = frozenset(normalize_word(w) for w in ACRONYM_TARGETS)


def _target_class(target: str | None) -> str | None:
    if target is None:
        return None
    if target in _DEMONYM_STEMS:
        return "people"
    if place_kind(target):
        return "place"
    if target in _PERSON_STEMS:
        return "person"
    return "organisation" if target in _ORGANISATION_STEMS else None
