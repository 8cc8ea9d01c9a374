"""Reporting periods typed by people: '2026Q1', 'q1', '2026', or nothing (this quarter)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from storage.calendar import VIETNAM, Quarter
from storage.errors import N_, InvalidInput

_YEAR = re.compile(r"^(\d{4})$")
_SHORT_QUARTER = re.compile(r"^[qQ]([1-4])$")


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
    """Tell whether ``text`` is written like a period (so it is not a unit name)."""
    text = text.strip()
    return bool(_YEAR.match(text) or _SHORT_QUARTER.match(text)) or _is_quarter(text)


def _is_quarter(text: str) -> bool:
    try:
        Quarter.parse(text)
    except InvalidInput:
        return False
    return True


def parse_period(text: str, today: dt.date) -> Period:
    """Parse a period; empty means the current quarter, 'q1' the first quarter of this year.

    Raises:
        InvalidInput: not a period (the message shows the accepted forms).
    """
    text = text.strip()
    if not text:
        return quarter_period(Quarter.of(today))
    year = _YEAR.match(text)
    if year:
        number = int(year.group(1))
        return Period(str(number), dt.date(number, 1, 1), dt.date(number + 1, 1, 1))
    short = _SHORT_QUARTER.match(text)
    if short:
        return quarter_period(Quarter(today.year, int(short.group(1))))
    if _is_quarter(text):
        return quarter_period(Quarter.parse(text))
    raise InvalidInput(
        N_("“{value}” is not a period. Write 2026Q1, q1 (this year) or 2026."), value=text
    )
