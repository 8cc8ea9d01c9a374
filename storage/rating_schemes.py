"""The schemes cooperatives are graded under, as data (``rating_schemes.json``).

Grading rules change with the law (the 2020 scheme is Circular 01/2020/TT-BKHĐT; what replaced
it is unconfirmed), so each scheme's instrument, grades and sources are data beside the code,
and a rating stores the key of the scheme it was given under.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from storage.text import fold


@dataclass(frozen=True)
class Grade:
    """One grade of a scheme: its name, the lowest score it takes, and whether it is
    "fairly good or better" (what plans count as rated khá trở lên)."""

    name: str
    min_score: float
    good: bool


@dataclass(frozen=True)
class RatingScheme:
    """A grading scheme and the legal instrument that set it."""

    key: str
    instrument: str
    issuer: str
    in_force_from: dt.date | None
    in_force_to: dt.date | None
    grades: tuple[Grade, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class SchemeBook:
    """Every known scheme, and the one in force today (None while it is unconfirmed)."""

    schemes: tuple[RatingScheme, ...]
    in_force_today: str | None

    def good_grades(self) -> tuple[str, ...]:
        """Return the good grades of every scheme, as typed and folded (SQL compares both)."""
        names = {g.name.lower() for s in self.schemes for g in s.grades if g.good}
        return tuple(sorted(names | {fold(name) for name in names}))


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


@cache
def rating_schemes() -> SchemeBook:
    """Return the shipped schemes (read once)."""
    text = resources.files("storage").joinpath("rating_schemes.json").read_text("utf-8")
    data = json.loads(text)
    schemes = tuple(
        RatingScheme(
            key=entry["key"],
            instrument=entry["instrument"],
            issuer=entry["issuer"],
            in_force_from=_date(entry.get("in_force_from")),
            in_force_to=_date(entry.get("in_force_to")),
            grades=tuple(
                Grade(g["grade"], float(g["min_score"]), bool(g["good"])) for g in entry["grades"]
            ),
            sources=tuple(entry.get("sources", ())),
        )
        for entry in data["schemes"]
    )
    return SchemeBook(schemes, data.get("in_force_today"))
