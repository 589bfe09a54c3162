"""An answer as plain text: what `footnote ask` prints and what OpenAI-style clients receive."""

from __future__ import annotations

from service.answers import Answer, answered_by

# Closest passages shown under an abstention.
CLOSEST_SHOWN = 3
QUOTE_CHARS = 240
PASSAGE_CHARS = 160


def answer_lines(answer: Answer) -> list[str]:
    """The text, who answered, then numbered sources; or the abstention, why, and the closest
    passages."""
    lines = [answer.answer]
    if answer.abstained:
        lines.append(f"\n({answer.reason})")
        if answer.related:
            lines.append("\nClosest passages:")
            for p in answer.related[:CLOSEST_SHOWN]:
                where = f"{p.title or p.source} ({p.source})"
                lines.append(f"  - {where}: {shorten(p.text, PASSAGE_CHARS)}")
        return lines
    lines += [f"({answered_by(answer)})", ""]
    for c in answer.citations:
        lines.append(f"[{c.n}] {c.title or c.source} ({c.source}, {c.published or 'undated'})")
        lines.append(f'    "{shorten(c.quote, QUOTE_CHARS)}"')
    return lines


def shorten(text: str, limit: int) -> str:
    """`text` on one line, cut at a word boundary with … when longer than `limit`."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"
