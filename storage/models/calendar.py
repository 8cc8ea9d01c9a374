"""Days off and working days the government decides each year, beyond the fixed holidays."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel


class HolidayOverride(SQLModel, table=True):
    """A day declared off (a Tết bridge) or declared a working day (a swapped Saturday)."""

    __tablename__ = "holiday_override"

    day: dt.date = Field(primary_key=True)
    day_off: bool = Field(description="True: a day off; False: a working day.")
    note: str = Field(default="", max_length=200)
