"""Shortening people's words for lists, labels and alerts, at a word boundary."""

from __future__ import annotations


def first_words(text: str, limit: int = 120) -> str:
    """Return the start of ``text`` on one line, at most ``limit`` characters, cut at a word
    boundary with an ellipsis when it had to be cut."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] if " " in flat[:limit] else flat[: limit - 1]
    return cut.rstrip(",;:.") + "…"
