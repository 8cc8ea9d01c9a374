"""Quarters, working days and the moments the reminder schedule fires.

Quarters are calendar quarters in Asia/Ho_Chi_Minh. Working days are Monday to Friday minus
Vietnam's public holidays (from the ``holidays`` package, lunar Tết and Hùng Kings' day
included) and adjusted by ``holiday_override`` rows for the days off the government decides
each year.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass
from functools import cache

import holidays as holiday_calendars
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.bounds import MAX_YEAR, MIN_YEAR, year_in_range
from storage.errors import N_, InvalidInput
from storage.models import HolidayOverride

VIETNAM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
_QUARTER = re.compile(r"^\s*(\d{4})\s*[-/ ]?\s*[Qq]([1-4])\s*$", re.ASCII)
YEAR_OUT_OF_RANGE = N_("The year {year} is out of range: reports cover {first} to {last}.")


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter, e.g. Quarter(2026, 2) is April–June 2026."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """Parse '2026Q2' (also '2026-Q2', '2026 q2').

        Raises:
            InvalidInput: not a quarter.
        """
        match = _QUARTER.match(text)
        if match is None:
            raise InvalidInput(N_("“{value}” is not a quarter; write it like 2026Q2."), value=text)
        year = int(match.group(1))
        if not year_in_range(year):
            raise InvalidInput(YEAR_OUT_OF_RANGE, year=year, first=MIN_YEAR, last=MAX_YEAR)
        return cls(year, int(match.group(2)))

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        """Return the quarter a date falls in."""
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def at(cls, moment: dt.datetime, tz: dt.tzinfo = VIETNAM) -> Quarter:
        """Return the quarter a moment falls in, in ``tz``."""
        return cls.of(moment.astimezone(tz).date())

    @property
    def key(self) -> str:
        """Return the stored form, '2026Q2'."""
        return f"{self.year}Q{self.number}"

    @property
    def first_day(self) -> dt.date:
        """Return the quarter's first day."""
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:
        """Return the first day after the quarter."""
        return self.next().first_day

    def next(self) -> Quarter:
        """Return the following quarter."""
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    def previous(self) -> Quarter:
        """Return the preceding quarter."""
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    def __str__(self) -> str:
        return self.key


@cache
def _public_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holiday_calendars.country_holidays("VN", years=year).keys())


class WorkingCalendar:
    """Working days: weekdays that are not public holidays, with the overrides applied."""

    def __init__(self, overrides: dict[dt.date, bool] | None = None) -> None:
        self.overrides = overrides or {}

    @classmethod
    async def load(cls, session: AsyncSession) -> WorkingCalendar:
        """Return the calendar with the overrides stored in the database."""
        rows = await session.execute(select(HolidayOverride))
        return cls({row.day: row.day_off for row in rows.scalars()})

    def is_working_day(self, day: dt.date) -> bool:
        """Tell whether government offices work on ``day``."""
        if day in self.overrides:
            return not self.overrides[day]
        return day.weekday() < 5 and day not in _public_holidays(day.year)

    def next_working_day(self, day: dt.date) -> dt.date:
        """Return ``day`` if it is a working day, else the next one."""
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def latest_working_day(self, day: dt.date) -> dt.date:
        """Return ``day`` if it is a working day, else the last one before it."""
        while not self.is_working_day(day):
            day -= dt.timedelta(days=1)
        return day

    def previous_working_day(self, day: dt.date) -> dt.date:
        """Return the last working day strictly before ``day``."""
        return self.latest_working_day(day - dt.timedelta(days=1))

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        """Return the day ``count`` working days after ``day`` (``day`` itself not counted)."""
        while count > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Count the working days after ``start`` up to and including ``end``."""
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_working_day(day)
        return count


@dataclass(frozen=True)
class ReminderSchedule:
    """When the quarterly reminders fire (local time); all configurable.

    Every day it picks is a working day of ``WorkingCalendar`` (docs/reminders.md, "Working
    days"): the kick-off moves forward to the next working day; the follow-up and the
    escalation, counted back from the quarter's end, move back to the working day before, so
    that the time left to meet does not shrink; the weekly digest goes on the first working
    day of its week; the daily overdue check and alert digest are skipped on days off (the
    next working day's digest covers the days in between).
    """

    kickoff_time: dt.time = dt.time(8, 0)
    follow_up_days_before_end: int = 14
    escalation_days_before_end: int = 7
    reminder_time: dt.time = dt.time(8, 0)
    overdue_time: dt.time = dt.time(8, 0)
    digest_weekday: int = 0  # Monday
    digest_time: dt.time = dt.time(7, 30)
    alerts_digest_time: dt.time = dt.time(16, 30)
    tz: zoneinfo.ZoneInfo = VIETNAM

    def local(self, day: dt.date, time: dt.time) -> dt.datetime:
        """Return ``day`` at ``time`` in the schedule's zone, as UTC."""
        return dt.datetime.combine(day, time, tzinfo=self.tz).astimezone(dt.UTC)

    def kickoff(self, quarter: Quarter, calendar: WorkingCalendar) -> dt.datetime:
        """First working day on or after the quarter's first Monday, at the kick-off time."""
        first = quarter.first_day
        first_monday = first + dt.timedelta(days=(7 - first.weekday()) % 7)
        return self.local(calendar.next_working_day(first_monday), self.kickoff_time)

    def follow_up_day(self, quarter: Quarter, calendar: WorkingCalendar) -> dt.date:
        """The follow-up's day: so many days before the quarter ends, or the working day
        before."""
        day = quarter.end - dt.timedelta(days=self.follow_up_days_before_end)
        return calendar.latest_working_day(day)

    def follow_up(self, quarter: Quarter, calendar: WorkingCalendar) -> dt.datetime:
        """The follow-up to communes with no meeting yet."""
        return self.local(self.follow_up_day(quarter, calendar), self.reminder_time)

    def escalation(self, quarter: Quarter, calendar: WorkingCalendar) -> dt.datetime:
        """The escalation to officials over communes with no meeting: so many days before the
        quarter ends, or the working day before; never on or before the follow-up's day
        (then the working day after it)."""
        day = quarter.end - dt.timedelta(days=self.escalation_days_before_end)
        day = calendar.latest_working_day(day)
        follow_up = self.follow_up_day(quarter, calendar)
        if day <= follow_up:
            day = calendar.next_working_day(follow_up + dt.timedelta(days=1))
        return self.local(day, self.reminder_time)

    def overdue_run(self, day: dt.date) -> dt.datetime:
        """The daily overdue check of ``day``."""
        return self.local(day, self.overdue_time)

    def alerts_digest(self, day: dt.date) -> dt.datetime:
        """The daily alert digest of ``day``: it covers the 24 hours before this moment."""
        return self.local(day, self.alerts_digest_time)

    def digest_day(self, week: dt.date, calendar: WorkingCalendar) -> dt.date:
        """The day the digest of the week starting ``week`` goes: that day, or the next
        working day when it is a day off."""
        return calendar.next_working_day(week)

    def digest_weeks(self, moment: dt.datetime, calendar: WorkingCalendar) -> list[dt.date]:
        """Return the weeks (by their first day, the digest weekday) whose digest is due at
        ``moment``: last week's and this week's, once their day and time have come. Last
        week's stays due so that a digest moved past a whole week of days off (Tết), or
        missed while the bot was down, still goes, once (the planner's keys dedupe)."""
        local = moment.astimezone(self.tz)
        start = local.date() - dt.timedelta(days=(local.weekday() - self.digest_weekday) % 7)
        return [
            week
            for week in (start - dt.timedelta(days=7), start)
            if moment >= self.local(self.digest_day(week, calendar), self.digest_time)
        ]


async def set_override(
    session: AsyncSession, day: dt.date, *, day_off: bool, note: str = ""
) -> None:
    """Declare ``day`` a day off or a working day (replacing an earlier override)."""
    existing = await session.get(HolidayOverride, day)
    if existing is None:
        session.add(HolidayOverride(day=day, day_off=day_off, note=note[:200]))
    else:
        existing.day_off, existing.note = day_off, note[:200]
    await session.flush()


async def remove_override(session: AsyncSession, day: dt.date) -> bool:
    """Remove an override; return False when there was none."""
    existing = await session.get(HolidayOverride, day)
    if existing is None:
        return False
    await session.delete(existing)
    await session.flush()
    return True


async def list_overrides(session: AsyncSession) -> list[HolidayOverride]:
    """Return the overrides by date."""
    rows = await session.execute(select(HolidayOverride).order_by(HolidayOverride.day))  # type: ignore[arg-type]
    return list(rows.scalars())
