"""Score candidate short answers: named features of a span, weighed by fitted weights.

Each candidate span (see spans.py) is described by a few features of what the question asks
and where the span stands: the kind of answer, how near it is to the question's words, whether
the noun after "which" stands beside it, how many retrieved articles state it, how rare its
sentence is as evidence. The score is the weighted sum
(a linear ranker). WEIGHTS were set by hand on the sample-news set and checked on the
others; `benchmarks/fit_span_weights.py` fits them on half of several gold sets and reports
the other half: fitted weights have not yet beaten these on all sets at once (see the README).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from service.answer_types import MONTHS, in_unit
from service.evidence import Evidence, coverage
from service.gazetteer import is_demonym, is_listed_place, place_fit
from service.headlines import with_headline_bonus
from service.passages import Passage
from service.polarity import contradicts
from service.question import DATE_NAMED_TARGETS, QuestionProfile
from service.salience import leading_sentences, salience
from service.sentences import sentence_spans
from service.spans import (
    MAX_SPAN_TOKENS,
    MONTHS_SHORT,
    POSSESSIVE_END,
    TITLES,
    SpanCandidate,
    Token,
    asked_in_question,
    candidate_spans,
    states,
    tokens_of,
)
from service.terms import STOPWORDS, term_set

# A sentence about the question, with the id of the article that states it.
AboutSentence = tuple[str, str]

# A further article agrees only where it states the span in a sentence holding this share of
# the question's terms: a place or party named everywhere is no answer to everything.
AGREEMENT_COVERAGE = 0.3
MAX_AGREEING_DOCUMENTS = 3
# Proximity sums 1/distance over the question's words in the sentence, up to this.
MAX_PROXIMITY = 2.0
_SPEECH = frozenset({"said", "says", "told", "wrote", "added", "announced", "stated"})
_PERSON_QUESTION_WORDS = frozenset({"who", "whom", "whose"})
_PLACE_PREPOSITIONS = frozenset({"in", "at", "from", "near", "across", "throughout", "outside"})
_YEAR = re.compile(r"(1[89]|20)\d{2}")

FEATURES = (
    "evidence",  # the sentence's evidence score (evidence.rank_evidence)
    "kind_match",  # a number or date where one is asked for
    "name_for_name",  # a name where the question's noun names a kind of thing
    "phrase_for_name",  # a lowercase phrase there
    "untyped_name",  # a name for a question that sets no kind
    "untyped_other",  # a phrase or number for such a question
    "near_content",  # closeness to the question's content words (the relation asked about)
    "near_names",  # closeness to the question's names and numbers (the topic)
    "target_beside",  # the noun after "which" beside it ("General John Nicholson")
    "person_for_who",  # titled or speaking name for "who"
    "place_for_who",  # a name after "in"/"at"/"from" for "who" (most often a place)
    "place_for_where",  # the same for "where"
    "place_for_thing",  # a country or US state where no place is asked for ("which dam")
    "person_for_thing",  # a name titled as a person where an organisation or place is asked,
    # or "where" ("Russian President Vladimir Putin" for where a ceremony took place)
    "person_named",  # for a person asked: a full name whose surname is used alone too
    "place_fit",  # +1 a country/state where one is asked, -1 a place of the wrong kind
    "agreement",  # further articles stating it in a sentence about the question
    "question_overlap",  # share of its words that the question has
    "long_span",  # tokens past MAX_SPAN_TOKENS
    "slot",  # the question's words beside the slot stand beside it too ("sale of X")
    "unit",  # a number in the unit asked for: "$9,000" for "how much was he fined"
    "denies",  # its sentence denies what is asked ("retailers not accepting checks")
    "salience",  # how many of the best evidence sentences name it (service/salience.py)
    "common_word",  # a one-word name the articles also write in lowercase ("Casino", "Host")
    "unlike_person",  # for a person asked: a name plainly no person's ("Daily Show", "X's Sky")
)
# Fitted weights (benchmarks/fit_span_weights.py); each multiplies the feature of that name.
WEIGHTS: Mapping[str, float] = {
    "evidence": 1.0,
    "kind_match": 1.0,
    "name_for_name": 0.5,
    "phrase_for_name": -0.3,
    "untyped_name": 0.0,
    "untyped_other": 0.0,
    "near_content": 0.5,
    "near_names": 0.2,
    "target_beside": 0.4,
    "person_for_who": 0.4,
    "place_for_who": -0.4,
    "place_for_where": 0.4,
    "place_fit": 0.5,
    "place_for_thing": -0.5,
    "person_for_thing": -1.0,
    "person_named": 0.5,
    "agreement": 0.25,
    "question_overlap": -0.5,
    "long_span": -0.1,
    "slot": 0.3,
    "unit": 1.0,
    "denies": -1.0,
    "salience": 0.2,
    "common_word": -1.0,
    "unlike_person": -1.0,
}


def rank_candidates(
    profile: QuestionProfile,
    ranked: Sequence[Evidence],
    passages: Sequence[Passage],
    weights: Mapping[str, float] = WEIGHTS,
    *,
    week: tuple[str, str] | None = None,
) -> list[SpanCandidate]:
    """Candidate short answers, best first; one per distinct text (its best occurrence).
    `week`: the first and last ISO day of the week asked, whose headlines count (headlines.py)."""
    about = sentences_about(profile, passages)
    leading = leading_sentences(ranked)
    best: dict[str, SpanCandidate] = {}
    for candidate in candidate_spans(profile, ranked):
        scored = score_span(profile, candidate, about, leading, weights)
        key = candidate.text.lower()
        if scored is not None and (key not in best or scored.score > best[key].score):
            best[key] = scored
    counted = [with_counted_noun(c, profile) for c in best.values()]
    headlined = with_headline_bonus(counted, passages, week)
    best_first = sorted(headlined, key=lambda c: c.score, reverse=True)
    return with_full_name_first(best_first, full_name_margin(profile))


# A name that a close runner-up writes in full ("Washington" / "George Washington", "Lions" /
# "Detroit Lions") is answered with the full form: the same name, said whole. Only names
# written before it count: "Costco Chief Financial Officer Gary Millerchip" is someone else.
FULL_NAME_DEPTH = 5
FULL_NAME_MARGIN = 1.0


def full_name_margin(profile: QuestionProfile) -> float:
    """How far below the best a fuller form of its name may score and still name the answer.

    Asked for a person, any fuller form among the best candidates: news writes a person in
    full once, then by surname in every sentence that follows ("James became the first player
    to score 40,000 points" after "LeBron James"), so the surname's sentence often scores
    best. "James" alone is not an answer a reader can trust.
    """
    return math.inf if _asks_person(profile) else FULL_NAME_MARGIN


def _asks_person(profile: QuestionProfile) -> bool:
    """Whether the question asks for a person: "who", or a person's noun ("which comedian")."""
    return profile.target_class == "person" or profile.wh in _PERSON_QUESTION_WORDS


def with_full_name_first(
    ranked: list[SpanCandidate], margin: float = FULL_NAME_MARGIN
) -> list[SpanCandidate]:
    """`ranked`, with a fuller form of the best name moved first, at the best's score."""
    if not ranked or ranked[0].kind != "name":
        return ranked
    best = ranked[0]
    for i, other in enumerate(ranked[1:FULL_NAME_DEPTH], start=1):
        close = other.score >= best.score - margin
        if other.kind == "name" and close and _fuller_name(other.text, best.text):
            return [replace(other, score=best.score), *ranked[:i], *ranked[i + 1 :]]
    return ranked


def _fuller_name(longer: str, name: str) -> bool:
    # "George Washington" for "Washington": capitalised names, no "Is" or "Neither", before it.
    if not longer.endswith(name) or len(longer) == len(name) or longer[-len(name) - 1] != " ":
        return False
    before = longer[: -len(name)].split()
    return all(w[0].isupper() and w.lower() not in _NOT_NAME_WORDS for w in before)


# Capitalised only because they open a sentence: "Neither New Castle County".
_NOT_NAME_WORDS = STOPWORDS | frozenset({"neither", "either", "nor", "both", "is", "was"})


def with_counted_noun(candidate: SpanCandidate, profile: QuestionProfile) -> SpanCandidate:
    """A number followed by the words the question counts, with them: "270 electoral votes"
    for "how many electoral votes", as the article writes it. Scored as the bare number."""
    if candidate.kind != "number" or not profile.counted:
        return candidate
    evidence = candidate.evidence
    rest = evidence.text[candidate.end - evidence.start :]
    end, previous = 0, 0
    for token, counted in zip(tokens_of(rest), profile.counted, strict=False):
        if rest[previous : token.start].strip() or token.norm != counted:
            break
        end = previous = token.end
    if end == 0:
        return candidate
    start = candidate.start - evidence.start
    text = evidence.text[start : candidate.end - evidence.start + end]
    return replace(candidate, text=text, end=candidate.end + end)


def score_span(
    profile: QuestionProfile,
    candidate: SpanCandidate,
    about: Sequence[AboutSentence],
    leading: Sequence[str],
    weights: Mapping[str, float] = WEIGHTS,
) -> SpanCandidate | None:
    """The candidate with its score and agreeing articles, or None when it cannot be the kind
    of answer asked for. `about` is sentences_about(profile, passages), `leading`
    salience.leading_sentences(ranked)."""
    documents = documents_stating(candidate, about)
    features = _features(profile, candidate, documents, about, leading)
    if features is None:
        return None
    score = sum(weights[name] * value for name, value in features.items())
    prominence = round(weights["salience"] * features["salience"], 4)
    return replace(
        candidate,
        score=round(score, 4),
        documents=documents,
        prominence=prominence,
        relations=_relations(features),
    )


def _relations(features: Mapping[str, float]) -> frozenset[str]:
    """The signs that a span stands in the relation asked about, not only by its topic."""
    about = any(features[name] > 0 for name in ("near_content", "slot", "target_beside"))
    signs = {
        "about": about,
        "place": features["place_for_where"] > 0,
        "person": features["person_for_who"] > 0,
    }
    return frozenset(name for name, holds in signs.items() if holds)


def span_features(
    profile: QuestionProfile,
    candidate: SpanCandidate,
    about: Sequence[AboutSentence],
    leading: Sequence[str],
) -> dict[str, float] | None:
    """The FEATURES of a candidate, or None when it is not of a kind the question allows."""
    documents = documents_stating(candidate, about)
    return _features(profile, candidate, documents, about, leading)


def _features(
    profile: QuestionProfile,
    candidate: SpanCandidate,
    agreeing: int,
    about: Sequence[AboutSentence],
    leading: Sequence[str],
) -> dict[str, float] | None:
    typed = _kind_features(profile, candidate)
    if typed is None:
        return None
    tokens = tokens_of(candidate.evidence.text)
    offset = candidate.start - candidate.evidence.start
    inside = [i for i, t in enumerate(tokens) if offset <= t.start < offset + len(candidate.text)]
    if not inside:
        return None
    lo, hi = inside[0], inside[-1] + 1
    span = tokens[lo:hi]
    content = [t for t in span if t.text.lower() not in STOPWORDS]
    near_content, near_names = _proximity(tokens, lo, hi, profile)
    after_place = lo > 0 and tokens[lo - 1].text.lower() in _PLACE_PREPOSITIONS
    is_name = candidate.kind == "name"
    who = profile.wh in _PERSON_QUESTION_WORDS
    person = _asks_person(profile)
    return {
        **typed,
        "evidence": candidate.evidence.score,
        "near_content": near_content,
        "near_names": near_names,
        "target_beside": float(
            profile.target is not None and _target_beside(tokens, lo, hi, profile.target)
        ),
        "person_for_who": float(who and is_name and _person_like(tokens, lo, hi)),
        "place_for_who": float(who and is_name and after_place),
        "place_for_where": float(profile.wh == "where" and is_name and after_place),
        "place_fit": place_fit(candidate.text, profile.place) if profile.place else 0.0,
        "place_for_thing": float(_asks_no_place(profile) and is_listed_place(candidate.text)),
        "person_for_thing": float(
            is_name
            and (profile.target_class in ("organisation", "place") or profile.wh == "where")
            and _titled_anywhere(candidate, about)
        ),
        "person_named": float(is_name and person and _surname_reused(candidate, about)),
        "agreement": float(min(max(agreeing - 1, 0), MAX_AGREEING_DOCUMENTS)),
        "question_overlap": _question_overlap(content, profile),
        "long_span": float(max(0, len(span) - MAX_SPAN_TOKENS)),
        "slot": _slot_filled(tokens, lo, hi, profile),
        "unit": float(profile.unit is not None and in_unit(candidate.text, profile.unit)),
        "denies": float(contradicts(profile, candidate.evidence.text)),
        "salience": salience(candidate, leading),
        "common_word": float(is_name and len(span) == 1 and _written_lowercase(span[0], about)),
        "unlike_person": float(person and _unlike_person(candidate)),
    }


def _question_overlap(content: Sequence[Token], profile: QuestionProfile) -> float:
    """The share of a span's content words that the question has. The noun after "which" is
    left out where other words stand beside it: "Alaska Airlines" for "which airline" names
    the kind of thing asked, as an answer should; it does not repeat the question."""
    named = [t for t in content if t.norm != profile.target]
    words = named or content
    return sum(asked_in_question(t, profile) for t in words) / max(len(words), 1)


def _written_lowercase(token: Token, about: Sequence[AboutSentence]) -> bool:
    """Whether a sentence about the question writes the word in lowercase: a common word
    capitalised by a headline or a longer name ("Host is back", "Mirage Hotel and Casino")."""
    if token.text.islower():
        return False
    pattern = whole_words(token.text)
    return any(m.group().islower() for _, sentence in about for m in pattern.finditer(sentence))


def sentences_about(profile: QuestionProfile, passages: Sequence[Passage]) -> list[AboutSentence]:
    """(article id, sentence) for every sentence of the passages about the question: holding
    AGREEMENT_COVERAGE of its terms. Worked out once per question, for every candidate."""
    asked = profile.terms.every
    return [
        (passage.document_id, sentence)
        for passage in passages
        for sentence in (passage.text[s:e] for s, e in sentence_spans(passage.text))
        if not asked or coverage(asked, term_set(sentence)) >= AGREEMENT_COVERAGE
    ]


def documents_stating(candidate: SpanCandidate, about: Sequence[AboutSentence]) -> int:
    """How many articles state the candidate in a sentence about the question (spans.states)."""
    pattern = whole_words(candidate.text)
    return len(
        {document_id for document_id, sentence in about if states(pattern, candidate, sentence)}
    )


def whole_words(text: str) -> re.Pattern[str]:
    """A pattern finding `text` as whole words, in any case."""
    return re.compile(r"(?<!\w)" + re.escape(text) + r"(?!\w)", re.IGNORECASE)


_KINDS = ("kind_match", "name_for_name", "phrase_for_name", "untyped_name", "untyped_other")


def _kind_features(profile: QuestionProfile, candidate: SpanCandidate) -> dict[str, float] | None:
    """One-hot of how the span's kind fits the question's; None when it cannot fit."""
    kind = profile.kind
    if kind in ("number", "age"):
        fits = candidate.kind == "number" and not _YEAR.fullmatch(candidate.text.strip())
        return _one_hot("kind_match") if fits else None
    if kind in ("date", "day"):
        if candidate.kind != "date":
            return None
        if kind == "day" and not re.search(r"[A-Za-z]", candidate.text):
            return None  # a lone year is no day
        if not _date_of_unit(candidate.text, profile.target):
            return None  # "in which month": not "2022"; "what year": not "April 18"
        return _one_hot("kind_match")
    if candidate.kind == "date":
        # "Tuesday" answers no question but "when", and "which holiday": "July 4" is one.
        if profile.target in DATE_NAMED_TARGETS and _MONTH_NAMES.search(candidate.text):
            return _one_hot("name_for_name")
        return None
    if profile.wants_name:
        if candidate.kind == "name":
            if profile.target_class != "people" and is_demonym(candidate.text):
                return None  # "the American poet": "American" is no poet
            if profile.target_class in ("person", "organisation") and is_listed_place(
                candidate.text
            ):
                return None  # "which singer": not "Florida"
            if profile.acronym_asked and not _ACRONYM.fullmatch(candidate.text):
                return None  # "the acronym for ...": "FEMA", not "Federal Emergency ..."
            return _one_hot("name_for_name")
        # A person, organisation or place is a name: no lowercase phrase ("attack") is one;
        # a phrase opening its sentence with a capital may be ("Indonesia raised ...").
        lowercase = candidate.text[:1].islower()
        typed = profile.target_class is not None or profile.name_asked or profile.acronym_asked
        if kind is None and candidate.kind == "phrase" and not (typed and lowercase):
            return _one_hot("phrase_for_name")
        return None
    if kind is not None:
        return None
    return _one_hot("untyped_name" if candidate.kind == "name" else "untyped_other")


# Capitals, with dots or an ampersand between them: "FEMA", "U.N.", "AT&T".
_ACRONYM = re.compile(r"(?:[A-Z][.&]?){2,10}")
_MONTH_NAMES = re.compile(r"\b(" + "|".join((*MONTHS, *MONTHS_SHORT)) + r")\b", re.IGNORECASE)


def _date_of_unit(text: str, target: str | None) -> bool:
    """Whether a date answers "which month" (it names one) or "what year" (it holds one)."""
    if target == "month":
        return _MONTH_NAMES.search(text) is not None
    if target == "year":
        return re.search(r"\b(1[89]|20)\d{2}\b", text) is not None
    return True


def _one_hot(name: str) -> dict[str, float]:
    return {k: float(k == name) for k in _KINDS}


def _proximity(
    tokens: Sequence[Token], lo: int, hi: int, profile: QuestionProfile
) -> tuple[float, float]:
    """Sums of 1/distance to the question's content words, and to its names and numbers."""
    nearest: dict[str, int] = {}
    for i, t in enumerate(tokens):
        if lo <= i < hi or t.norm not in profile.terms.every:
            continue
        distance = (lo - i) if i < lo else (i - hi + 1)
        nearest[t.norm] = min(distance, nearest.get(t.norm, distance))
    content = sum(1 / d for term, d in nearest.items() if term not in profile.terms.specific)
    names = sum(1 / d for term, d in nearest.items() if term in profile.terms.specific)
    return min(content, MAX_PROXIMITY), min(names, MAX_PROXIMITY)


# How far from a span its neighbouring content words are looked for.
_SLOT_REACH = 3


def _slot_filled(tokens: Sequence[Token], lo: int, hi: int, profile: QuestionProfile) -> float:
    """1 for each side of the span whose nearest content words are the question's words on
    that side of its slot: "sale of [dog meat]" for "banning the sale of what"."""
    before = [t.norm for t in reversed(tokens[max(0, lo - _SLOT_REACH) : lo]) if not _stop(t)]
    after = [t.norm for t in tokens[hi : hi + _SLOT_REACH] if not _stop(t)]
    left = bool(before) and before[0] in profile.slot_before
    right = bool(profile.slot_after & set(after[:2]))
    return float(left) + float(right)


def _asks_no_place(profile: QuestionProfile) -> bool:
    """Neither "where" nor a place or people asked for: "Which US dam is failing?" is not
    answered by "Minnesota", though the state stands beside every word of the question.
    A penalty, not a rule: "which school" is now and then answered by a state ("Michigan")."""
    return profile.wh != "where" and profile.target_class not in ("place", "people")


def _stop(token: Token) -> bool:
    return token.text.lower() in STOPWORDS


def _person_like(tokens: Sequence[Token], lo: int, hi: int) -> bool:
    """A title in or just before the name, or speech just after it."""
    around = [t.text.lower() for t in tokens[max(0, lo - 2) : hi]]
    titled = any(w.split("-")[0] in TITLES for w in around)
    speaks = any(t.text.lower() in _SPEECH for t in tokens[hi : hi + 2])
    return titled or speaks


def _titled_anywhere(candidate: SpanCandidate, about: Sequence[AboutSentence]) -> bool:
    """Whether the name holds a person's title before its last word ("President Dana
    Whitfield", "Russian President Vladimir Putin") or a sentence about the question gives it
    one just before it ("Prime Minister Ariel Henry"). Speech tells nothing here: "Instagram
    said" too."""
    if candidate.kind != "name":
        return False
    if any(w.lower().strip(".,") in TITLES for w in candidate.text.split()[:-1]):
        return True
    pattern = whole_words(candidate.text)
    for _, sentence in about:
        for m in pattern.finditer(sentence):
            before = sentence[: m.start()].split()[-2:]
            if any(w.lower().strip(".,") in TITLES for w in before):
                return True
    return False


def _surname_reused(candidate: SpanCandidate, about: Sequence[AboutSentence]) -> bool:
    """News names a person in full once, then by surname: "Tracy Chapman ... Chapman sang"."""
    words = candidate.text.split()
    if not 2 <= len(words) <= 4 or not all(w[:1].isupper() for w in words):
        return False
    surname = words[-1]
    alone = re.compile(r"(?<![\w’'-])" + re.escape(surname) + r"(?![\w-])")
    for _, sentence in about:
        for m in alone.finditer(sentence):
            if _named_alone(sentence[: m.start()].split()):
                return True
    return False


def _unlike_person(candidate: SpanCandidate) -> bool:
    """Whether a name cannot be a person's: a possessive in it ("ChatGPT's Sky") or the head
    noun of an institution, place or event last ("Daily Show", "Security Council", "French
    Open"). Only plain signs count: a test for people's names (a list of given names) would
    fail the names news from outside the lists is full of ("Shah Hossain Mortazawi")."""
    words = candidate.text.split()
    if candidate.kind != "name" or not words:
        return False
    return any(POSSESSIVE_END.search(w) for w in words) or words[-1].lower() in _NOT_PERSON_HEADS


# Last words of names of things that stand where a person would in the news. Not words that
# are common surnames too ("Hall", "Park", "Post", "Street", "Church", "Bank").
_NOT_PERSON_HEADS = frozenset(
    """show council open nation stadium corps office house service department party court
    awards award festival tour agency association center centre university college school
    company committee commission board network channel series league club team group
    institute foundation hospital ministry administration bureau airport station avenue
    square arena theatre theater museum times news journal magazine records studios
    pictures media inc corp ltd holdings fund prize cup championship games olympics
    conference summit act congress parliament senate assembly government cabinet""".split()  # noqa: SIM905
)


def _named_alone(before: Sequence[str]) -> bool:
    """Whether the words before a surname leave it standing alone: none, a lowercase word, a
    title, or a function word opening the sentence ("said Chapman", "Ms. Chapman", "When
    Chapman"); not a capitalised word of another name ("The Late Show", "Love We Make")."""
    if not before:
        return True
    word = before[-1].strip('"“‘(')
    bare = word.lower().strip(".,")
    opening = len(before) == 1 and bare in STOPWORDS
    return not word[:1].isupper() or bare in TITLES or opening


def _target_beside(tokens: Sequence[Token], lo: int, hi: int, target: str) -> bool:
    near = list(tokens[max(0, lo - 3) : lo]) + list(tokens[hi : hi + 2])
    near += [t for t in tokens[lo:hi] if t.norm == target]
    return any(t.norm == target or t.norm.rstrip("s") == target for t in near)
