"""Eval metrics as pure functions; each docstring is the metric's definition.

Figures that do not apply to a question (retrieval on a question with no gold sources, citation
precision on an answer without citations) are None, so averages skip them instead of counting
them as zero.
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = str.maketrans("", "", string.punctuation)
_RECORD_SUFFIX = re.compile(r"#\d+$")
# The grounding of an answer in the model's own words that verification accepted.
VERIFIED = "verified"


# --- answers -------------------------------------------------------------------------------


def normalize_answer(text: str) -> str:
    """SQuAD normalization: lowercase, drop punctuation and articles a/an/the, collapse spaces.

    Punctuation is ASCII's, as in SQuAD, and every other Unicode punctuation mark too, so that
    "Wendy’s" (a typographic apostrophe, as news sites print it) matches gold "Wendy's".
    """
    lowered = "".join(c for c in text.lower() if not unicodedata.category(c).startswith("P"))
    return " ".join(_ARTICLES.sub(" ", lowered.translate(_PUNCTUATION)).split())


def exact_match(prediction: str, golds: Sequence[str]) -> float:
    """1.0 when the normalized prediction equals some normalized gold answer, else 0.0."""
    normalized = normalize_answer(prediction)
    return float(any(normalized == normalize_answer(gold) for gold in golds))


def token_f1(prediction: str, golds: Sequence[str]) -> float:
    """Best, over the gold answers, harmonic mean of token precision and recall (SQuAD F1).

    Tokens are the normalized words, counted with multiplicity. 0.0 when there are no golds.
    """
    return max((_f1(normalize_answer(prediction).split(), gold) for gold in golds), default=0.0)


def _f1(predicted: list[str], gold: str) -> float:
    expected = normalize_answer(gold).split()
    if not predicted or not expected:
        # SQuAD's convention: two empty answers agree, one empty answer matches nothing.
        return float(predicted == expected)
    same = sum((Counter(predicted) & Counter(expected)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(predicted), same / len(expected)
    return 2 * precision * recall / (precision + recall)


def gold_contained(prediction: str, golds: Sequence[str]) -> bool:
    """Whether some normalized gold answer appears in the normalized prediction as whole words.

    Whole words, so that gold "4" is not found in "1942". False when there are no golds.
    """
    padded = f" {normalize_answer(prediction)} "
    normalized = (normalize_answer(gold) for gold in golds)
    return any(gold and f" {gold} " in padded for gold in normalized)


# --- retrieval -----------------------------------------------------------------------------


def source_matches(retrieved: str, gold: str) -> bool:
    """Whether a retrieved document source is the gold source.

    It is when the gold equals the retrieved source, its path without the extension or the
    `#n` record suffix of a JSON-lines record, or any of these ends with "/" + gold. So gold
    "a.txt" or "a" matches "news/a.txt", and gold "wire.jsonl" matches every "wire.jsonl#n".
    """
    gold = gold.strip().replace("\\", "/")
    if not gold:
        return False
    return any(form == gold or form.endswith("/" + gold) for form in _source_forms(retrieved))


def _source_forms(source: str) -> set[str]:
    path = source.strip().replace("\\", "/")
    whole = _RECORD_SUFFIX.sub("", path)
    suffix = path[len(whole) :]
    stem = _strip_extension(whole)
    return {path, whole, stem + suffix, stem}


def _strip_extension(path: str) -> str:
    folder, _, name = path.rpartition("/")
    base, dot, _ = name.rpartition(".")
    if not dot or not base:  # no extension, or a dot file such as ".env"
        return path
    return f"{folder}/{base}" if folder else base


def dedupe_ranking(retrieved: Sequence[str]) -> list[str]:
    """The ranking with repeated sources removed: a document counts once, at its first rank."""
    return list(dict.fromkeys(retrieved))


def gold_hits(retrieved: Sequence[str], gold_sources: Sequence[str], k: int) -> list[bool]:
    """For each of the top k deduplicated documents, whether it finds a gold source not yet found.

    A gold source found at an earlier rank is not found again, so a second record of the same
    gold file earns nothing.
    """
    _check_k(k)
    unfound = list(dict.fromkeys(gold_sources))
    hits: list[bool] = []
    for source in dedupe_ranking(retrieved)[:k]:
        found = [gold for gold in unfound if source_matches(source, gold)]
        unfound = [gold for gold in unfound if gold not in found]
        hits.append(bool(found))
    return hits


def first_gold_rank(retrieved: Sequence[str], gold_sources: Sequence[str], k: int) -> int | None:
    """1-based rank of the first gold source among the top k distinct documents; None if none."""
    hits = gold_hits(retrieved, gold_sources, k)
    return hits.index(True) + 1 if True in hits else None


def hit_at_k(retrieved: Sequence[str], gold_sources: Sequence[str], k: int) -> float | None:
    """1.0 when any gold source is among the top k deduplicated documents, else 0.0.

    None when there are no gold sources.
    """
    if not gold_sources:
        return None
    return float(any(gold_hits(retrieved, gold_sources, k)))


def recall_at_k(retrieved: Sequence[str], gold_sources: Sequence[str], k: int) -> float | None:
    """Fraction of the distinct gold sources found among the top k deduplicated documents.

    None when there are no gold sources.
    """
    _check_k(k)
    golds = list(dict.fromkeys(gold_sources))
    if not golds:
        return None
    top = dedupe_ranking(retrieved)[:k]
    found = sum(any(source_matches(source, gold) for source in top) for gold in golds)
    return found / len(golds)


def reciprocal_rank(retrieved: Sequence[str], gold_sources: Sequence[str]) -> float | None:
    """1 / rank of the first gold source in the deduplicated ranking; 0.0 if none is retrieved.

    Averaged over questions this is MRR. None when there are no gold sources.
    """
    if not gold_sources:
        return None
    rank = first_gold_rank(retrieved, gold_sources, max(len(retrieved), 1))
    return 1 / rank if rank else 0.0


def ndcg_at_k(retrieved: Sequence[str], gold_sources: Sequence[str], k: int) -> float | None:
    """Binary-relevance nDCG@k: DCG / ideal DCG, DCG = sum of 1/log2(rank + 1) over gold hits.

    The ideal ranking puts min(#gold sources, k) gold documents first. None when there are no
    gold sources.
    """
    golds = list(dict.fromkeys(gold_sources))
    if not golds:
        return None
    hits = gold_hits(retrieved, golds, k)
    dcg = sum(1 / math.log2(rank + 1) for rank, hit in enumerate(hits, start=1) if hit)
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(len(golds), k) + 1))
    return dcg / ideal


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}; pass the number of passages retrieved")


# --- citations -----------------------------------------------------------------------------


def citation_valid(citation: Mapping[str, object], article_text: str | None) -> bool:
    """Whether a citation is verbatim: its article exists and `article[start:end] == quote`.

    The quote must be non-empty and the offsets integers inside the article.
    """
    return _verbatim(
        citation.get("quote"), citation.get("start"), citation.get("end"), article_text
    )


def _verbatim(text: object, start: object, end: object, article_text: str | None) -> bool:
    if article_text is None or not isinstance(text, str) or not text:
        return False
    # `type(...) is int` and not isinstance: True is an int to Python, not an offset to us.
    if type(start) is not int or type(end) is not int:
        return False
    if not 0 <= start <= end <= len(article_text):
        return False
    return article_text[start:end] == text


def citation_precision(
    citations: Sequence[Mapping[str, object]], golds: Sequence[str], gold_sources: Sequence[str]
) -> float | None:
    """Fraction of citations whose quote contains a gold answer or whose source is a gold source.

    None when there are no citations.
    """
    if not citations:
        return None
    relevant = sum(_citation_relevant(c, golds, gold_sources) for c in citations)
    return relevant / len(citations)


def _citation_relevant(
    citation: Mapping[str, object], golds: Sequence[str], gold_sources: Sequence[str]
) -> bool:
    quote, source = citation.get("quote"), citation.get("source")
    if isinstance(quote, str) and gold_contained(quote, golds):
        return True
    return isinstance(source, str) and any(source_matches(source, g) for g in gold_sources)


def citation_recall(
    citations: Sequence[Mapping[str, object]], gold_sources: Sequence[str]
) -> float | None:
    """Fraction of the distinct gold sources that at least one citation comes from.

    None when there are no gold sources.
    """
    golds = list(dict.fromkeys(gold_sources))
    if not golds:
        return None
    cited = [c.get("source") for c in citations]
    sources = [s for s in cited if isinstance(s, str)]
    return sum(any(source_matches(s, gold) for s in sources) for gold in golds) / len(golds)


# --- short answers and grounding ----------------------------------------------------------


def short_answer_valid(
    short_answer: Mapping[str, object],
    citations: Sequence[Mapping[str, object]],
    articles: Mapping[str, str],
) -> bool:
    """Whether a short answer is verbatim: `article[start:end] == text` in its cited article.

    Its `citation` must be the `n` of one of the answer's citations, whose `document_id` names
    the article; the text must be non-empty and the offsets integers inside the article.
    """
    number = short_answer.get("citation")
    cited = [c for c in citations if type(number) is int and c.get("n") == number]
    if not cited:
        return False
    document_id = cited[0].get("document_id")
    article = articles.get(document_id) if isinstance(document_id, str) else None
    text, start, end = short_answer.get("text"), short_answer.get("start"), short_answer.get("end")
    return _verbatim(text, start, end, article)


def wrong_among_verified(rows: Iterable[Mapping[str, object]]) -> float | None:
    """Share of answers with grounding "verified" that are wrong: no gold answer is in them.

    Each row needs booleans `answerable`, `abstained` and `gold_contained` and a string
    `grounding`. Abstentions are skipped; any answer to an unanswerable question is wrong.
    None when no answer was verified.
    """
    verified = wrong = 0
    for row in rows:
        if _flag(row, "abstained") or row.get("grounding") != VERIFIED:
            continue
        verified += 1
        wrong += not _flag(row, "answerable") or not _flag(row, "gold_contained")
    return _ratio(wrong, verified)


# --- abstention ----------------------------------------------------------------------------


def abstention_scores(rows: Iterable[Mapping[str, object]]) -> dict[str, float | None]:
    """Abstention precision and recall on unanswerable questions, and two rates on answerable ones.

    Each row needs booleans `answerable`, `abstained` and `gold_contained` (ignored when the
    question is unanswerable).
    precision = abstained and unanswerable / abstained;
    recall = abstained and unanswerable / unanswerable;
    answered_wrong_rate = answerable, answered, gold not contained / answerable;
    false_abstention_rate = answerable and abstained / answerable.
    Each is None when its denominator is 0.
    """
    abstained = unanswerable = correct_abstentions = answerable = answered_wrong = 0
    false_abstentions = 0
    for row in rows:
        is_answerable = _flag(row, "answerable")
        did_abstain = _flag(row, "abstained")
        abstained += did_abstain
        if not is_answerable:
            unanswerable += 1
            correct_abstentions += did_abstain
            continue
        answerable += 1
        false_abstentions += did_abstain
        answered_wrong += not did_abstain and not _flag(row, "gold_contained")
    return {
        "precision": _ratio(correct_abstentions, abstained),
        "recall": _ratio(correct_abstentions, unanswerable),
        "answered_wrong_rate": _ratio(answered_wrong, answerable),
        "false_abstention_rate": _ratio(false_abstentions, answerable),
    }


def _flag(row: Mapping[str, object], key: str) -> bool:
    value = row.get(key)
    if not isinstance(value, bool):
        raise ValueError(f"abstention row needs a boolean {key!r}, got {value!r}")
    return value


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


# --- summaries -----------------------------------------------------------------------------


def mean(values: Iterable[float | None]) -> float | None:
    """Arithmetic mean of the values that apply (not None); None when none apply."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0-100) by linear interpolation between the closest ranks.

    With the values sorted, it is the value at position (n - 1) * p / 100, interpolated (numpy's
    default). None when there are no values.
    """
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be between 0 and 100, got {p}")
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * p / 100
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)
