"""Short answers: the span of an evidence sentence that answers the question.

Candidates are names, quantities, dates and short phrases in the best evidence sentences. Each
is scored on what the question asks for (its kind and the noun after "which"), how close it
stands to the question's own words in its sentence, how many retrieved articles state it, and
how good its sentence is as evidence; a span made of the question's own words never answers it.
Every candidate is a verbatim span of its article: `text == article_text[start:end]`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from service.answer_types import MONTHS, NUMBER_WORDS, WEEKDAYS
from service.evidence import Evidence
from service.gazetteer import is_demonym, is_listed_place, named_by_another_form
from service.question import QuestionProfile
from service.terms import STOPWORDS, normalize_word

# Evidence sentences whose spans are considered, best first (rank_evidence's order).
CANDIDATE_SENTENCES = 12
# Letters a name must share with one of the question's for both to be one root ("Pakistani").
ROOT_LETTERS = 5
# A short answer is normally a name, number or date: long spans are rarely the answer.
MAX_SPAN_TOKENS = 6

# Letters of any script, with combining accents ("São Paulo" was split into "S", "a" and
# "Paulo"), digits, and the joiners inside words and amounts.
_LETTERS = r"[^\W_](?:[^\W_]|[\u0300-\u036f])*"
_AGED = re.compile(r"(\d+)-((?:year|month|week|day)s?-old)", re.IGNORECASE)
# A lone "&" is a word too: it joins one name ("Trump Media & Technology Group").
# A "+" ends a name ("Disney+", "Apple TV+"), not "C++".
_TOKEN = re.compile(rf"[$£€]?{_LETTERS}(?:[.,'’&-]{_LETTERS})*(?:%|(?<=[A-Za-z])\+(?![\w+]))?|&")
_CONNECTORS = frozenset({"of", "the", "and", "for", "de", "&", "on", "in"})
_HEAD_JOINTS = frozenset({"of", "for"})
# Words joining names that are each a name of their own ("Veldria and Calmora"); "&" joins
# the parts of one ("Procter & Gamble").
_PART_JOINTS = _CONNECTORS - {"&"}
# A joint between two whole names more often than inside one ("Court of Arbitration in
# Lindhaven"); not "and", which is inside as often ("Animal and Plant Health Inspection
# Service", "Department of Health and Human Services").
_LOOSE_JOINTS = frozenset({"in"})
_SCALE = frozenset({"million", "billion", "trillion", "thousand", "percent", "per", "cent"})
_CALENDAR = frozenset(MONTHS + WEEKDAYS)
# "Jan. 4": abbreviated months and weekdays are dates, not names.
_NUMBERED = re.compile(r"\d{1,3}")
MONTHS_SHORT = frozenset("jan feb mar apr jun jul aug sep sept oct nov dec".split())  # noqa: SIM905
_CALENDAR_SHORT = frozenset(
    """jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat
    sun""".split()  # noqa: SIM905
)
# Words of rank or role: they make a name look like a person's, and are no answer alone.
TITLES = frozenset(
    """president minister admiral general gen secretary senator sen rep representative governor
    gov mayor chief ceo director spokesman spokeswoman spokesperson judge justice prime mr mrs
    ms dr prof king queen prince princess pope coach actor actress singer rapper star officer
    commander captain capt lieutenant lt sergeant sgt colonel col chairman chairwoman chair
    founder leader mp lawmaker attorney detective sheriff chancellor ambassador""".split()  # noqa: SIM905
)
# "Florida Gov. Ron DeSantis": an abbreviated title ends the name before it with its period,
# and names neither the place nor the person ("Florida Gov" is no answer; "Florida" may be).
_ABBREVIATED_TITLES = frozenset(
    "gov sen rep gen lt col sgt capt cmdr adm dr prof supt atty".split()  # noqa: SIM905
)
# Words that open a sentence with a capital and are no name: "Though Gregg has worked ...",
# "Former Maryland Gov. Larry Hogan".
_OPENERS = frozenset(
    "though although however meanwhile despite unlike instead yet still former".split()  # noqa: SIM905
)
_YEAR = re.compile(r"(1[89]|20)\d{2}")
_DAY = re.compile(r"\d{1,2}(st|nd|rd|th)?")
# "WASHINGTON (AP) -", "VT-HARNAU:", "PHILADELPHIA \u2212" (a minus sign): a dateline starts a
# sentence but says nothing about it.
_DATELINE = re.compile(r"^[A-Z][A-Z .,'-]{2,}(\([A-Za-z]+\))?\s*[:\u2014\u2013\u2212-]+\s*")


@dataclass(frozen=True)
class Token:
    """A word of a sentence with its offsets into the sentence."""

    text: str
    start: int
    end: int
    # Only whitespace separates it from the word before: a name may run on across it.
    joined: bool = True

    @property
    def norm(self) -> str:
        """The word as the question's terms are normalized."""
        return normalize_word(self.text.strip("$£€%+"))


@dataclass(frozen=True)
class SpanCandidate:
    """A possible short answer: a verbatim span of an evidence sentence, scored."""

    text: str
    evidence: Evidence
    start: int  # offsets into the article, like the evidence's
    end: int
    kind: str  # 'name', 'number', 'date' or 'phrase'
    score: float
    documents: int  # retrieved articles that state it in a sentence about the question
    rank: int = 0  # its sentence's place in the ranked evidence, 0 for the best
    # The part of `score` owed to salience (being named in many of the best sentences): it
    # ranks, but it is not the evidence stating the relation, so "verified" leaves it out.
    prominence: float = 0.0
    # The signs that its sentence states it in the relation asked about (span_scoring):
    # "about" near the question's content words, in the slot they leave or beside the noun
    # after "which"; "place" after "in", "at", "from" for "where"; "person" a titled or
    # speaking name for "who". A name with none is a true name in no stated relation.
    relations: frozenset[str] = frozenset()


def states(pattern: re.Pattern[str], candidate: SpanCandidate, sentence: str) -> bool:
    """Whether `sentence` names the candidate, `pattern` finding its words whole in any case;
    but a name is not named by lowercase words ("Casino" of "Mirage Hotel and Casino" is not
    in "the casino closed")."""
    return any(
        not (candidate.kind == "name" and m.group().islower()) for m in pattern.finditer(sentence)
    )


def tokens_of(sentence: str) -> list[Token]:
    """The words of a sentence with offsets; hyphenated words and amounts stay whole, except
    an age ("16-year-old" is "16" and "year-old": the answer to "how old" is the number)."""
    out: list[Token] = []
    for m in _TOKEN.finditer(sentence):
        aged = _AGED.fullmatch(m.group())
        parts = [m.span()] if aged is None else [_shifted(aged.span(g), m.start()) for g in (1, 2)]
        for start, end in parts:
            gap = sentence[out[-1].end : start] if out else ""
            out.append(Token(sentence[start:end], start, end, not gap.strip()))
    return out


def _shifted(span: tuple[int, int], by: int) -> tuple[int, int]:
    return span[0] + by, span[1] + by


def candidate_spans(profile: QuestionProfile, ranked: Sequence[Evidence]) -> list[SpanCandidate]:
    """Unscored candidates (score 0) from the best CANDIDATE_SENTENCES evidence sentences."""
    out: list[SpanCandidate] = []
    retrieved = "\n".join({e.passage.chunk_id: e.passage.text for e in ranked}.values())
    for rank, evidence in enumerate(ranked[:CANDIDATE_SENTENCES]):
        text = evidence.text
        tokens = tokens_of(text)
        dateline = _DATELINE.match(evidence.text)
        first = 0
        while dateline and first < len(tokens) and tokens[first].start < dateline.end():
            first += 1
        for kind, lo, hi in _spans(tokens):
            opens = lo == first or (lo > 0 and ":" in text[tokens[lo - 1].end : tokens[lo].start])
            if kind == "name" and opens and hi > lo + 1:
                lo += _opening_word(tokens[lo].text, evidence.passage.text)
                if not any(c.isalpha() for t in tokens[lo:hi] for c in t.text):
                    continue  # "These 4 races": without its opening word, no name is left
            if lo < first or _repeats_question(tokens[lo:hi], profile):
                continue
            bracketed = kind == "name" and _bracketed(evidence.text, tokens[lo], tokens[hi - 1])
            if bracketed and not profile.acronym_asked:
                continue  # "(NSA)": an abbreviation of the name beside it, unless asked for
            if (
                kind == "name"
                and lo == first
                and hi == lo + 1
                and not _named_elsewhere(tokens[lo].text, evidence.passage.text)
            ):
                continue  # "Following such claims, ...": capitalised only as first word
            if kind == "name" and opens and hi == lo + 1 and is_function_word(tokens[lo].text):
                continue  # "Northern lights:What's your chance": a clause's first word
            s, e = tokens[lo].start, tokens[hi - 1].end
            if _possessive(evidence.text[s:e], retrieved):
                e -= 2  # "Indonesia's volcano": the country is "Indonesia"
            out.append(
                SpanCandidate(
                    evidence.text[s:e],
                    evidence,
                    evidence.start + s,
                    evidence.start + e,
                    kind,
                    0.0,
                    0,
                    rank,
                )
            )
    return out


def sentences_to_show(
    candidates: Sequence[SpanCandidate], ranked: Sequence[Evidence], limit: int
) -> list[Evidence]:
    """The sentences holding the candidates, then the best other evidence, `limit` at most."""
    shown: list[Evidence] = []
    for evidence in [c.evidence for c in candidates] + list(ranked):
        if len(shown) == limit:
            break
        if all(
            (e.passage.document_id, e.start) != (evidence.passage.document_id, evidence.start)
            for e in shown
        ):
            shown.append(evidence)
    return shown


def supporting_sentence(sentence: str) -> str:
    """A quoted sentence as the answer shows it: one line, without a dateline ("VT-HARNAU:")."""
    text = " ".join(sentence.split())
    dateline = _DATELINE.match(text)
    return text[dateline.end() :] if dateline and dateline.end() < len(text) else text


# --- candidates ---------------------------------------------------------------------------


def _spans(tokens: Sequence[Token]) -> list[tuple[str, int, int]]:
    # "Tuesday's debate": a day or month, possessive or not, is a date, never a name.
    names = [
        (k, lo, hi)
        for k, lo, hi in _names(tokens)
        if not all(_calendar_word(t) for t in tokens[lo:hi])
        # "Sen.", "Gov.": a title alone names no one.
        and not all(t.text.lower() in TITLES for t in tokens[lo:hi])
    ]
    return names + _quantities(tokens) + _dates(tokens) + _phrases(tokens)


def _calendar_word(token: Token) -> bool:
    return POSSESSIVE_END.sub("", token.text.lower()) in _CALENDAR


POSSESSIVE_END = re.compile(r"['’]s$")
_CONTRACTION_END = re.compile(r"['’](s|re|ll|ve|d|m)$")
# "Sen. Ben Cardin, D-Md.": a party and state, not a name.
_PARTY_TAG = re.compile(r"[DRI]-[A-Z][A-Za-z]{1,13}")


# A hyphen as typed, or as the Unicode hyphen and non-breaking hyphen.
_HYPHENS = "-\u2010\u2011"
# "Ayman al-Zawahiri", "al-Shabab": an Arabic article joined to a capitalised name is of it.
_ARTICLE_JOINED = re.compile(rf"(al|el|ad|an|ar|as|ash|at|az|ibn|bin|abu)[{_HYPHENS}'’][A-Z]")
# "Mohammed bin Salman", "Ursula von der Leyen": lowercase words inside a person's name.
_NAME_PARTICLES = frozenset({"bin", "ibn", "van", "von", "der", "den"})


def _is_capitalised(token: Token, i: int) -> bool:
    word = token.text.lstrip("$£€")
    if _ARTICLE_JOINED.match(word):
        return True
    if not word or not word[0].isupper() or _PARTY_TAG.fullmatch(word):
        return False
    # "Wednesday's GOP debate": the day is no part of a name.
    if POSSESSIVE_END.sub("", word.lower()) in _CALENDAR | _CALENDAR_SHORT:
        return False
    # A capital at a sentence's start is no sign of a name for a function word ("The", "He"),
    # contracted or not ("What's", "It's"); nor, anywhere, for a contracted one: "I've", or
    # "It's" after a quotation mark or a dateline (not "US's", a name).
    stem = _CONTRACTION_END.sub("", word)
    contracted = stem != word and not (len(stem) > 1 and stem.isupper())
    if i == 0 and word.lower() in _OPENERS:
        return False
    return not ((i == 0 or contracted) and is_function_word(word))


def is_function_word(word: str) -> bool:
    """A stopword, contracted or not: "the", "What's", "It's"."""
    return _CONTRACTION_END.sub("", word.lower()) in STOPWORDS


def _names(tokens: Sequence[Token]) -> list[tuple[str, int, int]]:
    """Runs of capitalised words, joined by "of", "and", "the"... ("Bank of America")."""
    out = []
    i = 0
    while i < len(tokens):
        if not _is_capitalised(tokens[i], i):
            i += 1
            continue
        j = i + 1
        while j < len(tokens) and tokens[j].joined:
            if _is_capitalised(tokens[j], j):
                j += 1
            elif (particles := _particles_before_name(tokens, j)) > 0:
                j += particles + 1
            elif (
                tokens[j].text.lower() in _CONNECTORS
                and j + 1 < len(tokens)
                and tokens[j + 1].joined
                and _is_capitalised(tokens[j + 1], j + 1)
            ):
                j += 2
            else:
                break
        j = _without_trailing_demonym(tokens, i, j)
        if j - i > 1 and _abbreviated_title(tokens, j - 1):
            j -= 1
        lo = i + 1 if tokens[i].text.lower() == "the" and j > i + 1 else i
        out.append(("name", lo, j))
        # "Category 5", "Apollo 11", "Boeing 737": a name numbered, as well as the name.
        if j < len(tokens) and tokens[j].joined and _NUMBERED.fullmatch(tokens[j].text):
            out.append(("name", lo, j + 1))
        # "General John Nicholson": the name without the titles before it, too.
        titled = lo
        while titled < j - 1 and tokens[titled].text.lower().split("-")[0] in TITLES:
            titled += 1
        if titled > lo:
            out.append(("name", titled, j))
        # "Veldria and Calmora", "Rear Admiral Kaja Stroud of Veldria": each part on its own.
        # A lone word before "of" or "for" is the head of the whole name, no name of its own:
        # not "Department" from "Department of Agriculture", "Centers" from "Centers for ...".
        joints = [k for k in range(lo, j) if tokens[k].text.lower() in _PART_JOINTS]
        if joints:
            for start, end in _between(joints, lo, j):
                head = end == start + 1 and end < j and tokens[end].text.lower() in _HEAD_JOINTS
                if end > start and not head:
                    out.append(("name", start, end))
        # "Permanent Court of Maritime Arbitration in Lindhaven": the names a looser joint
        # joins, each whole with its own "of" and "for".
        loose = [k for k in joints if tokens[k].text.lower() in _LOOSE_JOINTS]
        if loose:
            for start, end in _between(loose, lo, j):
                inner = any(start <= k < end for k in joints)
                if inner and tokens[start].text.lower() not in _CONNECTORS:
                    out.append(("name", start, end))
        i = j
    return out


def _abbreviated_title(tokens: Sequence[Token], k: int) -> bool:
    """Whether token `k` is a title written short, its period parting it from what follows."""
    after = k + 1 < len(tokens) and not tokens[k + 1].joined
    return after and tokens[k].text.lower() in _ABBREVIATED_TITLES


def _between(cuts: Sequence[int], lo: int, hi: int) -> list[tuple[int, int]]:
    """The token ranges of `lo`..`hi` between the cut tokens (the cuts themselves left out)."""
    return [(a + 1, b) for a, b in zip([lo - 1, *cuts], [*cuts, hi], strict=True)]


def _without_trailing_demonym(tokens: Sequence[Token], i: int, j: int) -> int:
    """The end of a name run without a last "and <demonym>" that is an adjective of what
    follows: "Fiat Chrysler Automobiles and French automaker Renault" names no "French"."""
    if j - i < 3 or tokens[j - 2].text.lower() != "and" or not is_demonym(tokens[j - 1].text):
        return j
    follows = tokens[j] if j < len(tokens) else None
    if follows is not None and follows.joined and follows.text[:1].islower():
        return j - 2
    return j


def _particles_before_name(tokens: Sequence[Token], j: int) -> int:
    """How many name particles start at `j` and go on into a capitalised word ("von der
    Leyen"); 0 where none do."""
    k = j
    while k < len(tokens) and tokens[k].joined and tokens[k].text in _NAME_PARTICLES:
        k += 1
    if k > j and k < len(tokens) and tokens[k].joined and _is_capitalised(tokens[k], k):
        return k - j
    return 0


def _quantities(tokens: Sequence[Token]) -> list[tuple[str, int, int]]:
    """Amounts and counts: "$35", "33,000", "4.2 million", "40%", "twelve"."""
    out = []
    for i, token in enumerate(tokens):
        word = token.text.lower()
        if not (any(c.isdigit() for c in word) or word in NUMBER_WORDS):
            continue
        if word in _SCALE and i > 0 and _is_number(tokens[i - 1].text.lower()):
            continue  # the "million" of "55 million" is part of that amount, not one
        hi = i + 1
        while hi < len(tokens) and tokens[hi].text.lower() in _SCALE and hi - i < 3:
            hi += 1
        out.append(("number", i, hi))
    return out


def _is_number(word: str) -> bool:
    return any(c.isdigit() for c in word) or word in NUMBER_WORDS


def _dates(tokens: Sequence[Token]) -> list[tuple[str, int, int]]:
    """Weekdays, "May 7, 2025", "2 February", "March 2024" and lone years, with the part of
    the period written before them: "late December", "mid-February", "early 2024"."""
    out = []
    for i, token in enumerate(tokens):
        word = _PERIOD_PART.sub("", token.text.lower())
        if word in WEEKDAYS or (_YEAR.fullmatch(word) and not _after_month(tokens, i)):
            out.append(("date", _with_period_part(tokens, i), i + 1))
        elif word in MONTHS or (word in MONTHS_SHORT and _day_after(tokens, i)):
            lo, hi = i, i + 1
            if i > 0 and _DAY.fullmatch(tokens[i - 1].text):
                lo = i - 1
            if hi < len(tokens) and _DAY.fullmatch(tokens[hi].text):
                hi += 1
            if hi < len(tokens) and _YEAR.fullmatch(tokens[hi].text):
                hi += 1
            out.append(("date", _with_period_part(tokens, lo), hi))
    return out


# "mid-February" is one token; "late December" two.
_PERIOD_PARTS = frozenset({"early", "mid", "late"})
_PERIOD_PART = re.compile(rf"^({'|'.join(_PERIOD_PARTS)})[{_HYPHENS}]")


def _with_period_part(tokens: Sequence[Token], lo: int) -> int:
    """Where a date starts with the part of the period before it ("late" December)."""
    if lo > 0 and tokens[lo].joined and tokens[lo - 1].text.lower() in _PERIOD_PARTS:
        return lo - 1
    return lo


def _after_month(tokens: Sequence[Token], i: int) -> bool:
    before = [_PERIOD_PART.sub("", t.text.lower()) for t in tokens[max(0, i - 2) : i]]
    return any(w in MONTHS or w in MONTHS_SHORT for w in before)


def _day_after(tokens: Sequence[Token], i: int) -> bool:
    # "Aug. 23, 2044" and "Dec. 2023" are dates; "Jan" alone may be a name.
    after = tokens[i + 1].text if i + 1 < len(tokens) else ""
    return bool(_DAY.fullmatch(after) or _YEAR.fullmatch(after))


def _phrases(tokens: Sequence[Token]) -> list[tuple[str, int, int]]:
    """Runs of one to three lowercase content words ("extreme heat", "official misconduct")."""
    out = []
    run: list[int] = []

    def flush() -> None:
        if run:
            out.append(("phrase", run[max(0, len(run) - 3)], run[-1] + 1))
            if len(run) > 1:
                out.append(("phrase", run[-1], run[-1] + 1))
        run.clear()

    for i, token in enumerate([*tokens, Token(".", 0, 0)]):
        word = token.text
        if run and token.start - tokens[run[-1]].end > 1:
            flush()  # a comma or a dash between words ends the phrase: "favourite, eggs"
        content = word[:1].isalpha() and not is_function_word(word) and not _verb_like(word)
        # "to conduct", "will replace", "they call", "can't": after these a word is a verb.
        verb_next = not run and i > 0 and tokens[i - 1].text.lower() in _BEFORE_VERBS
        content = content and not verb_next and not word.lower().endswith(("n't", "n’t"))
        # A sentence's capitalised first word is one of its words, unless a capitalised word
        # follows it: then it begins a name ("Nikolai Patrushev and ..."), not a phrase.
        if content and (word[0].islower() or (i == 0 and not _name_follows(tokens))):
            run.append(i)
            continue
        flush()
    # On its own, a word in -ing is most often a verb ("going", "breaking"), so it is no
    # answer; inside a phrase ("mass shooting", "flash flooding") it is a noun.
    # Nor is a lone modifier ("far", "former", "new") or a day or month ("Tuesday" opening
    # its sentence): those are no phrase answer, whatever is asked.
    return [
        (k, lo, hi)
        for k, lo, hi in out
        if not any(_calendar_word(t) for t in tokens[lo:hi])
        and (
            hi - lo > 1
            or not (_ING.search(tokens[lo].text) or tokens[lo].text.lower() in _MODIFIERS)
        )
    ]


def _name_follows(tokens: Sequence[Token]) -> bool:
    """The sentence's second word is capitalised and joined to its first: a name begins."""
    return len(tokens) > 1 and tokens[1].joined and _is_capitalised(tokens[1], 1)


# Adjectives and adverbs that modify a noun phrase but never are one on their own.
_MODIFIERS = frozenset(
    """far new former less least several often well latest last next first second third top
    big biggest major key certain various recent annual early late never""".split()  # noqa: SIM905
)


# A short answer is a noun phrase: verbs, prepositions and adverbs end one. Without a
# part-of-speech tagger: past forms in -ed, and the irregular verbs, prepositions and adverbs
# news sentences use most.
_ING = re.compile(r"..ing$")
_PAST = re.compile(r"...[^e]ed$")
_NOT_NOUNS = frozenset(
    """be been being am is are was were do does did done doing have has had having get gets
    got gotten go goes went gone come comes came become becomes became make makes made take
    takes took taken give gives gave given say says said tell tells told see sees saw seen
    know knows knew known find finds found think thinks thought keep keeps kept leave leaves
    left lose loses lost meet meets met pay pays paid put puts run runs ran send sends sent
    sell sells sold spend spends spent stand stands stood win wins won bring brings brought
    buy buys bought catch catches caught teach taught begin begins began begun write writes
    wrote written hold holds held set sets let lets seek sought fall falls fell fallen rise
    rises rose risen grow grows grew grown show shows showed shown speak spoke spoken
    within across amid amidst among amongst toward towards upon via despite throughout
    beyond beneath onto unlike versus per ago earlier later recently already still soon yet
    even today yesterday tomorrow currently previously meanwhile however instead perhaps
    maybe likely around along behind nearly almost roughly including""".split()  # noqa: SIM905
)


_BEFORE_VERBS = frozenset(
    "to will would can could should may might must shall not never i we you he she they".split()  # noqa: SIM905
)


# Prefixes that leave a hyphenated word a verb ("re-elected", "co-founded"); after any other
# first part it is a compound adjective ("internet-connected tablets", "state-owned").
_VERB_PREFIXES = frozenset("re co pre de un non mis dis over under out self".split())  # noqa: SIM905


def _verb_like(word: str) -> bool:
    lowered = word.lower()
    head, _, _ = lowered.rpartition("-")
    if head and head not in _VERB_PREFIXES:
        return False
    return lowered in _NOT_NOUNS or bool(_PAST.search(lowered))


def kind_of(text: str) -> str:
    """The kind of a span found by other means (a model's reply): name, number, date, phrase."""
    tokens = tokens_of(text)
    if any(t.text.lower() in _CALENDAR for t in tokens) or _YEAR.fullmatch(text.strip()):
        return "date"
    if tokens and all(
        any(c.isdigit() for c in t.text)
        or t.text.lower() in NUMBER_WORDS
        or t.text.lower() in _SCALE
        for t in tokens
    ):
        return "number"
    if tokens and _is_capitalised(tokens[0], 1):
        return "name"
    return "phrase"


def _repeats_question(span: Sequence[Token], profile: QuestionProfile) -> bool:
    """Made only of the question's words, or of titles ("Secretary", "General"), or a place the
    question names in another form ("United States" where it says "the US")."""
    content = [t for t in span if t.text.lower() not in STOPWORDS]
    return (
        not content
        or all(asked_in_question(t, profile) or t.text.lower() in TITLES for t in content)
        or named_by_another_form(" ".join(t.text for t in span), profile.text)
    )


def asked_in_question(token: Token, profile: QuestionProfile) -> bool:
    """The question has this word, or a name of the same root ("Afghan", "Afghanistan")."""
    norm = token.norm
    if norm in profile.asked:
        return True
    if "-" in token.text:  # "Coca-Cola" where the question says "Coca-Cola" (its words, split)
        parts = [normalize_word(part) for part in token.text.split("-") if part]
        return bool(parts) and all(part in profile.asked for part in parts)
    return len(norm) >= ROOT_LETTERS and any(
        len(name) >= ROOT_LETTERS and (name.startswith(norm) or norm.startswith(name))
        for name in profile.terms.names
    )


def _bracketed(sentence: str, first: Token, last: Token) -> bool:
    before, after = sentence[: first.start].rstrip(), sentence[last.end :].lstrip()
    return before.endswith(("(", "[")) and after.startswith((")", "]"))


def _possessive(name: str, text: str) -> bool:
    """Whether `name` ends in a possessive 's that is not part of the name itself.

    "Wendy's" and "Parkinson's" are names with their 's; "Indonesia's" is Indonesia's: the
    retrieved passages name Indonesia on its own too, or it is a listed country or state.
    """
    if name[-2:] not in ("'s", "’s"):
        return False
    bare = name[:-2]
    return is_listed_place(bare) or re.search(rf"\b{re.escape(bare)}\b(?!['’]s)", text) is not None


def _opening_word(word: str, text: str) -> int:
    """1 where a name's first word is capitalised only for opening its sentence or a clause
    after a colon: an adverb ("Initially Trump's") or a word the text writes in lowercase too
    ("Still Biden"), or a function word ("Meet the candidates:These 4 races"), as at a
    sentence's start; else 0."""
    if is_function_word(word) and not word.isupper():
        return 1
    if word.isupper() or re.search(r"[a-z0-9,;] +" + re.escape(word) + r"\b", text):
        return 0  # capitalised inside a sentence too: a name's own word
    lower = word.lower()
    common = lower.endswith("ly") or re.search(rf"\b{re.escape(lower)}\b", text) is not None
    return int(common)


def _named_elsewhere(word: str, text: str) -> bool:
    """Whether `word` is capitalised inside a sentence of `text`, so a name, not a first word."""
    if word.isupper() and len(word) > 1:
        return True
    return re.search(r"[a-z0-9,;:] +" + re.escape(word) + r"\b", text) is not None
