"""Splitting long plain text into messages a platform accepts, at line or word boundaries.

Each platform counts its limit its own way (Telegram in UTF-16 code units, Zalo in
characters), so the measure is a parameter; the cutting rules are the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable

Measure = Callable[[str], int]


def utf16_length(text: str) -> int:
    """Return the length in UTF-16 code units (what Telegram counts)."""
    return len(text.encode("utf-16-le")) // 2


def _fitting(text: str, limit: int, measure: Measure) -> int:
    """Return how many characters of ``text`` fit in ``limit`` units of ``measure``."""
    if measure is len:
        return min(len(text), limit)
    used = 0
    for index, char in enumerate(text):
        used += measure(char)
        if used > limit:
            return index
    return len(text)


def _cut(window: str) -> int | None:
    """Return where to cut a window: a late line break, else a late space, else any of them."""
    for least in (len(window) // 2, 1):
        for separator in ("\n", " "):
            position = window.rfind(separator)
            if position >= least:
                return position
    return None


def split_text(
    text: str, limit: int, first_limit: int | None = None, *, measure: Measure = len
) -> list[str]:
    """Split plain text into parts of at most ``limit`` (the first: ``first_limit``) units.

    Cuts at the last line break that fits, else at the last space, else in the middle of a
    word; the line break or space cut at is dropped. Parts with nothing visible are dropped.
    """
    parts: list[str] = []
    remaining = text
    budget = limit if first_limit is None else first_limit
    while measure(remaining) > budget:
        room = _fitting(remaining, budget, measure)
        cut = _cut(remaining[: room + 1])  # a separator just past the limit is a clean cut too
        if cut is None:
            parts.append(remaining[:room])
            remaining = remaining[room:]
        else:
            parts.append(remaining[:cut])
            remaining = remaining[cut + 1 :]
        budget = limit
    parts.append(remaining)
    return [part for part in parts if part.strip()]


def fitting_prefix(text: str, limit: int, measure: Measure = len) -> str:
    """Return the longest start of ``text`` within ``limit`` units."""
    return text[: _fitting(text, limit, measure)]
