"""The bounds of every number people type or press, in one place.

Years are those coopbot can report on (2000–2100); ids fit PostgreSQL's ``integer`` (SQLite
would take more, PostgreSQL would refuse it mid-transaction). Numbers are read from ASCII
digits only: ``"²".isdigit()`` is true and ``int("٣")`` is 3, and neither belongs in an id.
"""

from __future__ import annotations

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_ID = 2**31 - 1

# Longer digit strings are refused before ``int()`` (which refuses 4,300 digits and up, and
# spends time on fewer): no bounded number of ours has more digits than this.
MAX_DIGITS = 10


def is_ascii_number(text: str) -> bool:
    """Tell whether ``text`` is a non-empty run of ASCII digits."""
    return bool(text) and text.isascii() and text.isdigit()


def whole_number(text: str, minimum: int, maximum: int) -> int | None:
    """Return the number ``text`` writes when it is within ``minimum … maximum``, else None.

    Only ASCII digits are read; signs, spaces, Unicode digits and overlong runs give None.
    """
    if not is_ascii_number(text) or len(text) > MAX_DIGITS:
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None


def year_in_range(year: int) -> bool:
    """Tell whether ``year`` is one coopbot reports on."""
    return MIN_YEAR <= year <= MAX_YEAR


def shown_number(text: str) -> str:
    """Return digits as they may be quoted back to a person: at most 12, then an ellipsis."""
    return text if len(text) <= 12 else text[:12] + "…"
