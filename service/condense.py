"""Rewrite a chat follow-up ("what did he say about Moscow?") as a standalone question."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from service.backends.base import Backend, ChatMessage, GenerationRequest
from service.errors import BackendError
from service.prompting import PromptLibrary
from service.terms import key_terms

logger = logging.getLogger(__name__)

CONDENSE_MAX_TOKENS = 64
# Turns of history shown to the model; older turns rarely hold the referent.
HISTORY_TURNS = 4
_PRONOUN = re.compile(
    r"\b(he|she|him|her|his|hers|they|them|their|it|its|this|that|these|those)\b", re.I
)
_NAME_PHRASE = re.compile(r"(?:[A-Z][\w’'.-]*\s+){0,3}[A-Z][\w’'.-]*")
_POSSESSIVE = {"his", "her", "hers", "their", "its"}


def condense_question(
    history: Sequence[ChatMessage], question: str, backend: Backend, prompts: PromptLibrary
) -> str:
    """The model's rewrite when it keeps the question's terms; otherwise a rule-based one."""
    if not _PRONOUN.search(question):
        return question
    recent = list(history)[-HISTORY_TURNS * 2 :]
    fallback = resolve_references(recent, question)
    if backend.name == "extractive":
        return fallback
    request = GenerationRequest(
        messages=prompts.condense_messages(recent, question),
        max_tokens=CONDENSE_MAX_TOKENS,
        stop=("\n",),
    )
    try:
        rewritten = "".join(backend.generate(request)).strip().strip('"')
    except BackendError as exc:
        logger.warning("condensing with the LLM failed (%s); using the rule-based rewrite", exc)
        return fallback
    return rewritten if _keeps_meaning(rewritten, question) else fallback


def _keeps_meaning(rewritten: str, question: str) -> bool:
    # Tiny models often answer instead of rewriting, or drop the question's subject.
    if not rewritten or len(rewritten) > 3 * len(question) + 80 or _PRONOUN.search(rewritten):
        return False
    wanted = key_terms(question)
    return (wanted.content | wanted.numbers) <= key_terms(rewritten).every


def resolve_references(history: Sequence[ChatMessage], question: str) -> str:
    """Replace the first pronoun with the last name the user asked about (or was told)."""
    referent = _last_name_phrase(history)
    if referent is None:
        return question

    def substitute(match: re.Match[str]) -> str:
        word = match.group().lower()
        return f"{referent}'s" if word in _POSSESSIVE else referent

    return _PRONOUN.sub(substitute, question, count=1)


def _last_name_phrase(history: Sequence[ChatMessage]) -> str | None:
    for role in ("user", "assistant"):
        for message in reversed(history):
            if message.role != role:
                continue
            names = key_terms(message.content).names
            phrases: list[str] = [
                str(p).strip()
                for p in _NAME_PHRASE.findall(message.content)
                if any(w.lower().rstrip("'s’") in names or _stem_in(w, names) for w in p.split())
            ]
            if phrases:
                return max(phrases, key=len)
    return None


def _stem_in(word: str, names: frozenset[str]) -> bool:
    from service.terms import normalize_word

    return normalize_word(word) in names
