"""Reporting periods as people type them, read in one place with bounds.

A period is a year or a quarter. People write quarters many ways: ``q4``, ``Q4/2026``,
``quý 4``, ``quy IV`` (no diacritics, Roman numerals as in official documents), ``2026Q4``,
``quý IV/2026``, ``4/2026``; a year as ``2026``; nothing means this quarter. A quarter without
a year is one of this year. ``4/2026`` is read as quarter 4 of 2026 (as in "Quý 4/2026"),
never as a month: only numbers 1 to 4 are accepted before the slash.

Out of bounds is an answer, never an exception: a year outside 2000–2100 or a quarter 5 gets
a specific message; anything else that is not a period gets the accepted forms.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from storage.bounds import MAX_YEAR, MIN_YEAR, is_ascii_number, shown_number, year_in_range
from storage.calendar import VIETNAM, YEAR_OUT_OF_RANGE, Quarter
from storage.errors import N_, InvalidInput
from storage.text import fold

NOT_A_PERIOD = N_(
    "“{value}” is not a period. Write q4 (this year), q4/2026, 2026Q4 or a year such as 2026."
)
NO_SUCH_QUARTER = N_("There is no quarter {number}: a year has quarters 1 to 4.")

_TOKENS = re.compile(r"[0-9]+|[a-z]+")
_QUARTER_WORDS = frozenset({"q", "quy", "quarter"})
_YEAR_WORD = "nam"
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_LONGEST_PERIOD_WORDS = 4  # "quy 4 nam 2026"


@dataclass(frozen=True)
class Period:
    """A span of local calendar days [start, end) with its key ('2026Q1' or '2026')."""

    key: str
    start: dt.date
    end: dt.date

    @property
    def quarter(self) -> Quarter | None:
        """Return the quarter when the period is one."""
        return Quarter.parse(self.key) if "Q" in self.key else None

    def quarters(self) -> list[Quarter]:
        """Return the quarters the period covers."""
        first = Quarter.of(self.start)
        result = [first]
        while result[-1].end < self.end:
            result.append(result[-1].next())
        return result

    def bounds(self, tz: dt.tzinfo = VIETNAM) -> tuple[dt.datetime, dt.datetime]:
        """Return the period as UTC instants, for comparing with stored timestamps."""
        start = dt.datetime.combine(self.start, dt.time(), tzinfo=tz).astimezone(dt.UTC)
        end = dt.datetime.combine(self.end, dt.time(), tzinfo=tz).astimezone(dt.UTC)
        return start, end


def quarter_period(quarter: Quarter) -> Period:
    """Return the period of a quarter."""
    return Period(quarter.key, quarter.first_day, quarter.end)


def looks_like_period(text: str) -> bool:
    """Tell whether ``text`` is written like a period, in bounds or not (so it is not a unit
    name, and an out-of-range year gets its own answer rather than "no such commune")."""
    return _shape(text) is not None


def split_period(text: str) -> tuple[str, str]:
    """Split typed arguments into the period (first or last words) and the rest.

    The longest run of words that reads as a period wins, at the start before the end:
    ``"quy IV 2026 xa Dai Hai"`` gives ``("quy IV 2026", "xa Dai Hai")``.
    """
    words = text.split()
    for count in range(min(_LONGEST_PERIOD_WORDS, len(words)), 0, -1):
        if looks_like_period(" ".join(words[:count])):
            return " ".join(words[:count]), " ".join(words[count:])
        if looks_like_period(" ".join(words[-count:])):
            return " ".join(words[-count:]), " ".join(words[:-count])
    return "", " ".join(words)


def parse_period(text: str, today: dt.date) -> Period:
    """Parse a period; empty means the current quarter, a quarter alone one of this year.

    Raises:
        InvalidInput: not a period, a year out of range or no such quarter (the message says
            which, with the accepted forms).
    """
    text = text.strip()
    if not text:
        return quarter_period(Quarter.of(today))
    shape = _shape(text)
    if shape is None:
        raise InvalidInput(NOT_A_PERIOD, value=text[:40])
    year_text, quarter_text = shape
    year = today.year if year_text is None else _year(year_text)
    if quarter_text is None:
        return Period(str(year), dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
    number = _ROMAN.get(quarter_text) or int(quarter_text)
    if not 1 <= number <= 4:
        raise InvalidInput(NO_SUCH_QUARTER, number=quarter_text)
    return quarter_period(Quarter(year, number))


def _year(text: str) -> int:
    year = int(text) if len(text) <= 6 else None
    if year is None or not year_in_range(year):
        raise InvalidInput(
            YEAR_OUT_OF_RANGE, year=shown_number(text), first=MIN_YEAR, last=MAX_YEAR
        )
    return year


def _shape(text: str) -> tuple[str | None, str | None] | None:
    """Return (year digits, quarter number or Roman numeral) of a period-like text, unchecked
    against bounds; None when the text is not written like a period at all."""
    folded = fold(text)
    tokens = _TOKENS.findall(folded)
    if "".join(tokens) != folded.replace(" ", ""):
        return None  # other characters (Unicode digits fold to nothing, not to digits)
    at = [i for i, token in enumerate(tokens) if is_ascii_number(token) and len(token) >= 4]
    if len(at) > 1 or (at and at[0] not in (0, len(tokens) - 1)):
        return None  # two years, or a year in the middle
    year = tokens[at[0]] if at else None
    rest = [token for i, token in enumerate(tokens) if i not in at]
    if year is not None and _YEAR_WORD in rest:
        rest.remove(_YEAR_WORD)  # "năm 2026", "quý 4 năm 2026"
    if not rest:
        return (year, None) if year is not None else None
    marked = rest[0] in _QUARTER_WORDS
    if marked:
        rest = rest[1:]
    if len(rest) != 1 or not _is_quarter_number(rest[0]):
        return None
    # "4/2026" needs its year; "4" alone is a number, not a period.
    if not marked and (year is None or len(text.split()) > 1):
        return None
    return year, rest[0]


def _is_quarter_number(token: str) -> bool:
    return token in _ROMAN or (is_ascii_number(token) and len(token) <= 2)
