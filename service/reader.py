"""The reader: a small base language model scores the best candidate spans as answers.

span_scoring ranks candidates by rules: the kind of answer asked for, closeness to the
question's words, agreement across articles. Those rules see words, not meaning. The reader
adds what a language model knows of meaning, at a job small models do well: no writing, only
how likely each of the first READ_DEPTH candidates is as the continuation of

    <the candidate's own sentence>
    Question: <question>
    Answer: <candidate>

(prompts/reader.txt). Each candidate is read beside its own sentence only, so the question is
whether *that sentence* answers it with that span: a famous name in another candidate's
sentence ("Kenya" beside "Haiti") does not lend it likelihood. Each candidate's score loses
READER_WEIGHT times how far its log-probability per square root of its tokens falls below the
likeliest candidate's (the square root: a sum favours short answers, a mean long ones).
The reader can only reorder candidates the rules found, so its answer is always a span of a
cited sentence, and it is used by the LLM backends only: `extractive` answers without any
language model, so the two stay comparable.

Chosen on rtqa-2024-dev, seed and sample (gold in the first candidate of the 280 / 34 / 24
answerable questions; benchmarks/reader_weights.py): the rules alone 126 / 21 / 14. Read beside
its own sentence, at 0.2 with the square-root norm: 134 / 22 / 15 (0.1-0.5: 132-135 / 20-22 /
15). The earlier prompt, the first five candidates' sentences together, gained little: 127 /
23 / 15 at 0.3, and it moved right answers to names of the other sentences ("Haiti" to
"Kenya", "Lebanon" to "Israel"). Taking off each answer's likelihood after the question alone
(as a prior) lost at every weight (rtqa 57-124 against 127). SmolLM2-135M-Instruct, the chat
model, was no reader: alone it ranked 3 of 20 seed questions first, against the rules' 12.
SQuAD was not read to choose anything here.

The reader cannot take away what the rules saw in the evidence: its favourite must have
every sign of the relation asked about that the rules' first has (SpanCandidate.relations:
near the question's content words, the place for "where", the person for "who"), and be named
as often by the best evidence sentences (SpanCandidate.prominence, salience), or the best read
candidate that does comes first instead. It had preferred, for what there was an urgent need
for, "National Security Council" in a sentence that says nothing of a need to "ceasefire"
("the urgent need for a ceasefire"), and "Hurricane Ian" (named once) to "Hurricane Helene"
(named in many of the best sentences) for which hurricane made landfall this week. On the
cache above (fourteenth session, at ffcbacc), gold first, rtqa / seed / sample: 134 / 26 / 16
without the guard, 134 / 27 / 17 with the relations, 140 / 26 / 17 with salience too; end to
end with llama.cpp (`python -m eval`) rtqa short answers 0.471 -> 0.493 (six gained, none
lost), seed and sample unchanged, SQuAD's first 100 (held out) unchanged.
"""

from __future__ import annotations

import atexit
import functools
import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from service.errors import ReaderUnavailable
from service.prompting import PromptLibrary
from service.question import QuestionProfile
from service.reader_model import MODEL_FILE, bundled_reader_path
from service.span_scoring import full_name_margin, with_full_name_first
from service.spans import SpanCandidate

if TYPE_CHECKING:
    from llama_cpp import Llama

logger = logging.getLogger(__name__)

# How many of the best candidates the reader scores, and how much its score counts.
READ_DEPTH = 5
READER_WEIGHT = 0.2
# A prompt holds one sentence and the question; this context fits it with room to spare.
CONTEXT_TOKENS = 2048
# Context kept free for an answer's tokens (candidates are a dozen tokens at most).
ANSWER_ROOM = 64
# Tokens per llama.cpp batch. With logits kept per token, llama.cpp sizes its output buffer as
# batch x vocabulary: 512 (its default) x Gemma's 262k words took 514 MiB; 64 takes 64 MiB.
BATCH_TOKENS = 64


class LikelihoodReader:
    """Scores answers to a prompt by a GGUF base model's log-probability; loaded once."""

    def __init__(
        self, model_path: Path | None = None, threads: int = 2, flash_attention: bool = True
    ) -> None:
        # None: the bundled Gemma 3 270M, joined from its installed parts at first use.
        self.model_path = model_path
        self.name = model_path.name if model_path is not None else MODEL_FILE
        self.threads = threads
        self.flash_attention = flash_attention
        self._llama: Llama | None = None
        self._lock = threading.Lock()

    def log_probabilities(self, prompt: str, answers: Sequence[str]) -> list[tuple[float, int]]:
        """Each answer's total log-probability after `prompt`, and its number of tokens.

        The prompt is read once, with the logits of its last token (the first answer token's
        odds); each answer is then read from the cached prompt, all but its last token (whose
        logits would only predict what follows the answer).
        """
        if not answers:
            return []
        with self._lock:
            llama = self._model()
            prompt_tokens = llama.tokenize(prompt.encode(), add_bos=True)
            room = CONTEXT_TOKENS - ANSWER_ROOM
            if len(prompt_tokens) > room:
                # Scraped sentences can run long: keep the beginning of text and the end, where
                # the question and "Answer:" are, so that the answers still fit the context.
                prompt_tokens = [prompt_tokens[0], *prompt_tokens[-(room - 1) :]]
            # Logits are kept only where answers are scored: the prompt's would be one
            # vocabulary-sized row (262k for Gemma) per token.
            llama.reset()  # type: ignore[no-untyped-call]  # llama_cpp leaves it unannotated
            llama._logits_all = False
            llama.eval(prompt_tokens[:-1])
            llama._logits_all = True
            llama.eval(prompt_tokens[-1:])
            base = llama.n_tokens
            # Each vocabulary-sized row of logits costs a pass through the output layer (262k
            # words for Gemma), so no token is read twice: this row serves every answer.
            first = np.asarray(llama.scores[base - 1 : base], dtype=np.float64)
            scored = []
            for answer in answers:
                tokens = llama.tokenize((" " + answer.strip()).encode(), add_bos=False)
                llama.n_tokens = base  # eval() drops the cache past this point
                if len(tokens) > 1:
                    llama.eval(tokens[:-1])
                rest = np.asarray(llama.scores[base : base + len(tokens) - 1], dtype=np.float64)
                total = tokens_log_probability(np.concatenate([first, rest]), tokens)
                scored.append((total, len(tokens)))
            return scored

    def _model(self) -> Llama:
        if self._llama is None:
            path = self.model_path or bundled_reader_path()
            if not path.is_file():
                raise ReaderUnavailable(
                    f"no reader model at {path}; set FOOTNOTE_READER_MODEL_PATH to a GGUF base "
                    "model, run 'make install', or set FOOTNOTE_READER=false"
                )
            from llama_cpp import Llama
            from llama_cpp._utils import suppress_stdout_stderr

            logger.info("loading reader model %s", path)
            try:
                # Gemma's sliding-window cache makes llama.cpp print a notice past verbose=False.
                with suppress_stdout_stderr(disable=False):
                    llama = Llama(
                        model_path=str(path),
                        n_ctx=CONTEXT_TOKENS,
                        n_batch=BATCH_TOKENS,
                        n_threads=self.threads,
                        logits_all=True,
                        flash_attn=self.flash_attention,
                        verbose=False,
                    )
            except (ValueError, RuntimeError) as exc:
                raise ReaderUnavailable(f"llama.cpp cannot load {path}: {exc}") from exc
            # Closed before llama_cpp's own exit hooks run (atexit is LIFO), and quietly.
            atexit.register(_close_quietly, llama)
            self._llama = llama
        return self._llama


def tokens_log_probability(logits: np.ndarray, tokens: Sequence[int]) -> float:
    """The total log-probability of `tokens`, row i of `logits` giving the odds of token i."""
    rows = np.asarray(logits, dtype=np.float64)
    top = rows.max(axis=1, keepdims=True)
    log_norm = top[:, 0] + np.log(np.exp(rows - top).sum(axis=1))
    return float((rows[np.arange(len(tokens)), tokens] - log_norm).sum())


def shared_reader(
    model_path: Path | None = None, threads: int = 2, flash_attention: bool = True
) -> LikelihoodReader:
    """The process-wide reader for `model_path` (default: the bundled Gemma 3 270M)."""
    # One cache key however the arguments are passed: shared_reader() and the factory's
    # shared_reader(None, 2, True) are the same model, loaded once.
    return _reader(model_path, threads, flash_attention)


@functools.cache
def _reader(model_path: Path | None, threads: int, flash_attention: bool) -> LikelihoodReader:
    return LikelihoodReader(model_path, threads, flash_attention)


def _close_quietly(llama: Llama) -> None:
    from llama_cpp._utils import suppress_stdout_stderr

    with suppress_stdout_stderr(disable=False):
        llama.close()


def reread(
    reader: LikelihoodReader,
    prompts: PromptLibrary,
    profile: QuestionProfile,
    candidates: list[SpanCandidate],
) -> list[SpanCandidate] | None:
    """`candidates` with the first READ_DEPTH rescored by the reader, best first; None where
    there is nothing to choose between (fewer than two candidates), so nothing was read."""
    read = candidates[:READ_DEPTH]
    if len(read) < 2:
        return None
    scored = log_probabilities(reader, prompts, profile.text, read)
    return reranked(candidates, [per_root_token(*lp) for lp in scored], profile)


def per_root_token(total: float, tokens: int) -> float:
    """A log-probability per square root of its tokens: the likelihood the reader ranks by."""
    return total / math.sqrt(tokens)


def log_probabilities(
    reader: LikelihoodReader, prompts: PromptLibrary, question: str, read: Sequence[SpanCandidate]
) -> list[tuple[float, int]]:
    """Each candidate's total log-probability beside its own sentence, and its token count.

    Candidates of one sentence share its prompt, which is read once.
    """
    by_sentence: dict[str, list[int]] = {}
    for i, candidate in enumerate(read):
        by_sentence.setdefault(candidate.evidence.text, []).append(i)
    scored: dict[int, tuple[float, int]] = {}
    for sentence, indices in by_sentence.items():
        prompt = prompts.reader_prompt(question, [sentence])
        results = reader.log_probabilities(prompt, [read[i].text for i in indices])
        scored.update(zip(indices, results, strict=True))
    return [scored[i] for i in range(len(read))]


def reranked(
    candidates: list[SpanCandidate], likelihoods: Sequence[float], profile: QuestionProfile
) -> list[SpanCandidate]:
    """The candidates sorted again after the first len(likelihoods) are rescored; a person's
    full name is put before its surname as span_scoring does.

    Each read candidate loses READER_WEIGHT times its likelihood's distance below the likeliest
    one's, so scores stay on span_scoring's scale: the reader's favourite keeps its score,
    which a model's reply span scored by the rules alone is compared with (short_answers).
    """
    if not likelihoods:
        return candidates
    likeliest = max(likelihoods)
    read = [
        replace(c, score=round(c.score - READER_WEIGHT * (likeliest - likelihood), 4))
        for c, likelihood in zip(candidates, likelihoods, strict=False)
    ]
    best_first = sorted(read + candidates[len(read) :], key=lambda c: c.score, reverse=True)
    best_first = _stated_first(best_first, candidates, read)
    return with_full_name_first(best_first, full_name_margin(profile))


def _stated_first(
    best_first: list[SpanCandidate],
    by_rules: Sequence[SpanCandidate],
    read: Sequence[SpanCandidate],
) -> list[SpanCandidate]:
    """`best_first` with the best read candidate the reader may choose (`_keeps`: every sign
    of the relation asked about that the rules' first has, and named as often by the best
    evidence) put first; unchanged where the reader's favourite may be. `by_rules`: the
    candidates as the rules scored them, best first.

    The one put first scores what the rules gave it, or the favourite's score where that is
    higher: a model's reply is taken where its span scores as well by the rules alone
    (short_answers), and at the favourite's score the favourite itself tied with it, so the
    chat model could pick what the reader was refused ("13", named once, for the minimum
    age for social media in Australia, over "16", named in the headlines).

    The reader knows names, not what a sentence says of them: it preferred "National Security
    Council", in a sentence that says nothing of a need, to "ceasefire" ("the urgent need for
    a ceasefire") for what there was an urgent need for, and "Veldria" ("a claim against
    Veldria") to "Lindhaven" ("lodged ... in Lindhaven") for where a claim was lodged.
    """
    rules_first = by_rules[0]
    if not best_first or _keeps(best_first[0], rules_first):
        return best_first
    texts = {c.text for c in read}
    for i, candidate in enumerate(best_first):
        if _keeps(candidate, rules_first) and candidate.text in texts:
            scored = next(c.score for c in by_rules if c.text == candidate.text)
            moved = replace(candidate, score=max(best_first[0].score, scored))
            return [moved, *best_first[:i], *best_first[i + 1 :]]
    return best_first


def _keeps(candidate: SpanCandidate, rules_first: SpanCandidate) -> bool:
    """Whether the reader may choose `candidate` over the rules' first: it has every sign of
    the relation asked about that the first has, and the best evidence names it as often."""
    return (
        candidate.relations >= rules_first.relations
        and candidate.prominence >= rules_first.prominence
    )
