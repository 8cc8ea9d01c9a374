"""The reminder schedule across 2025–2027, holidays and government overrides included."""

from __future__ import annotations

import datetime as dt

import holidays
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from storage.calendar import VIETNAM, Quarter, ReminderSchedule, WorkingCalendar
from storage.errors import InvalidInput
from storage.models import HolidayOverride

SCHEDULE = ReminderSchedule()
CALENDAR = WorkingCalendar()


def local(moment: dt.datetime) -> str:
    """Show a UTC moment in Vietnam's time, to compare with the expected schedule."""
    return moment.astimezone(SCHEDULE.tz).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    ("quarter", "expected"),
    [
        ("2025Q1", "2025-01-06 08:00"),
        ("2025Q2", "2025-04-08 08:00"),  # Monday 7 April 2025 is Hùng Kings' day
        ("2025Q3", "2025-07-07 08:00"),
        ("2025Q4", "2025-10-06 08:00"),
        ("2026Q1", "2026-01-05 08:00"),
        ("2026Q2", "2026-04-06 08:00"),
        ("2026Q3", "2026-07-06 08:00"),
        ("2026Q4", "2026-10-05 08:00"),
        ("2027Q1", "2027-01-04 08:00"),
        ("2027Q2", "2027-04-05 08:00"),
        ("2027Q3", "2027-07-05 08:00"),
        ("2027Q4", "2027-10-04 08:00"),
    ],
)
def test_kickoff_is_the_first_working_day_from_the_first_monday(
    quarter: str, expected: str
) -> None:
    """Every kick-off of 2025–2027 at 08:00 Asia/Ho_Chi_Minh, moved off public holidays."""
    assert local(SCHEDULE.kickoff(Quarter.parse(quarter), CALENDAR)) == expected


def test_an_override_day_off_moves_the_kickoff_and_a_working_day_counts() -> None:
    """A government-declared bridge day pushes the kick-off; a swapped Saturday is working."""
    bridge = WorkingCalendar({dt.date(2026, 4, 6): True, dt.date(2026, 4, 7): True})
    assert local(SCHEDULE.kickoff(Quarter(2026, 2), bridge)) == "2026-04-08 08:00"
    swapped = WorkingCalendar({dt.date(2026, 2, 21): False})
    assert swapped.is_working_day(dt.date(2026, 2, 21))
    assert not CALENDAR.is_working_day(dt.date(2026, 2, 21))


def test_tet_and_national_days_are_not_working_days() -> None:
    """Lunar New Year 2026 (16–20 Feb) and 2 September are days off."""
    assert CALENDAR.next_working_day(dt.date(2026, 2, 16)) == dt.date(2026, 2, 23)
    assert not CALENDAR.is_working_day(dt.date(2027, 9, 2))
    assert not CALENDAR.is_working_day(dt.date(2026, 4, 30))
    assert CALENDAR.is_working_day(dt.date(2026, 4, 29))


@pytest.mark.parametrize(
    ("quarter", "follow_up", "escalation"),
    [
        ("2025Q4", "2025-12-18 08:00", "2025-12-25 08:00"),
        ("2026Q1", "2026-03-18 08:00", "2026-03-25 08:00"),
        ("2026Q2", "2026-06-17 08:00", "2026-06-24 08:00"),
        ("2027Q3", "2027-09-17 08:00", "2027-09-24 08:00"),
        # 18/12 and 25/12/2027 are Saturdays: the Friday before each.
        ("2027Q4", "2027-12-17 08:00", "2027-12-24 08:00"),
        # 2028: 18/03 and 25/03 Saturdays; 17/06 and 24/06 Saturdays; 17/09 and 24/09 Sundays.
        ("2028Q1", "2028-03-17 08:00", "2028-03-24 08:00"),
        ("2028Q2", "2028-06-16 08:00", "2028-06-23 08:00"),
        ("2028Q3", "2028-09-15 08:00", "2028-09-22 08:00"),
    ],
)
def test_follow_up_and_escalation_come_14_and_7_days_before_the_quarter_ends(
    quarter: str, follow_up: str, escalation: str
) -> None:
    """The follow-up and escalation dates of a quarter, moved back to a working day."""
    q = Quarter.parse(quarter)
    assert local(SCHEDULE.follow_up(q, CALENDAR)) == follow_up
    assert local(SCHEDULE.escalation(q, CALENDAR)) == escalation


def office_open(day: dt.date) -> bool:
    """Tell, from the `holidays` package alone, whether government offices work on ``day``."""
    return day.weekday() < 5 and day not in holidays.country_holidays("VN", years=day.year)


QUARTERS_2025_2030 = [
    Quarter(year, number) for year in range(2025, 2031) for number in (1, 2, 3, 4)
]


@pytest.mark.parametrize("quarter", QUARTERS_2025_2030, ids=str)
def test_every_reminder_of_2025_to_2030_falls_on_a_working_day_in_order(quarter: Quarter) -> None:
    """Kick-off, follow-up and escalation of each of the 24 quarters: on working days by the
    `holidays` calendar, in this order, inside the quarter, each as the rule says: the
    kick-off the first working day from the first Monday; the follow-up and the escalation
    the last working day on or before 14 and 7 days before the quarter ends."""
    kickoff = SCHEDULE.kickoff(quarter, CALENDAR).astimezone(VIETNAM).date()
    follow_up = SCHEDULE.follow_up(quarter, CALENDAR).astimezone(VIETNAM).date()
    escalation = SCHEDULE.escalation(quarter, CALENDAR).astimezone(VIETNAM).date()
    assert all(office_open(day) for day in (kickoff, follow_up, escalation))
    assert quarter.first_day <= kickoff < follow_up < escalation < quarter.end
    first_monday = next(
        quarter.first_day + dt.timedelta(days=n)
        for n in range(7)
        if (quarter.first_day + dt.timedelta(days=n)).weekday() == 0
    )
    assert kickoff == next_open(first_monday, +1)
    assert follow_up == next_open(quarter.end - dt.timedelta(days=14), -1)
    assert escalation == next_open(quarter.end - dt.timedelta(days=7), -1)


def next_open(day: dt.date, step: int) -> dt.date:
    """Return ``day`` or the nearest working day in the direction of ``step``."""
    while not office_open(day):
        day += dt.timedelta(days=step)
    return day


def test_every_digest_and_daily_run_of_2025_to_2030_is_on_a_working_day() -> None:
    """Each week's digest from 2025 to 2030 goes on the first working day from its Monday;
    the daily overdue check and alert digest run on working days only (see the planner)."""
    monday = dt.date(2024, 12, 30)
    weeks = 0
    while monday.year <= 2030:
        day = SCHEDULE.digest_day(monday, CALENDAR)
        assert office_open(day)
        assert day == next_open(monday, +1)
        monday += dt.timedelta(days=7)
        weeks += 1
    assert weeks == 314
    day = dt.date(2025, 1, 1)
    while day.year <= 2030:
        assert CALENDAR.is_working_day(day) == office_open(day)
        day += dt.timedelta(days=1)


def test_an_escalation_never_falls_on_or_before_the_follow_up() -> None:
    """A day apart, with the later day off: moving back would put the escalation on the
    follow-up's day, so it goes on the working day after the follow-up instead."""
    close = ReminderSchedule(follow_up_days_before_end=8, escalation_days_before_end=7)
    q = Quarter(2027, 4)  # ends 01/01/2028: 24/12/2027 is a Friday, 25/12 a Saturday
    assert local(close.follow_up(q, CALENDAR)) == "2027-12-24 08:00"
    assert local(close.escalation(q, CALENDAR)) == "2027-12-27 08:00"
    apart = ReminderSchedule(follow_up_days_before_end=9, escalation_days_before_end=8)
    assert local(apart.follow_up(q, CALENDAR)) == "2027-12-23 08:00"
    assert local(apart.escalation(q, CALENDAR)) == "2027-12-24 08:00"


def test_quarters_are_calendar_quarters_in_vietnam_time() -> None:
    """31/12 at 18:00 UTC is already the next year's first quarter in Vietnam."""
    new_year_eve = dt.datetime(2026, 12, 31, 18, 0, tzinfo=dt.UTC)
    assert Quarter.at(new_year_eve) == Quarter(2027, 1)
    assert Quarter(2026, 4).next() == Quarter(2027, 1)
    assert Quarter(2027, 1).previous() == Quarter(2026, 4)
    assert Quarter(2026, 2).end == dt.date(2026, 7, 1)
    assert str(Quarter.parse(" 2026-q3 ")) == "2026Q3"


@pytest.mark.parametrize("bad", ["2026Q5", "Q2", "2026", "hai nghìn"])
def test_bad_quarters_are_refused(bad: str) -> None:
    """Anything but YYYYQn is an InvalidInput with an example."""
    with pytest.raises(InvalidInput, match="2026Q2"):
        Quarter.parse(bad)


def test_the_digest_fires_on_monday_at_half_past_seven() -> None:
    """Before 07:30 Monday the week's digest is not due; after it, it is, until next Monday."""
    monday_early = dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC)  # 07:00 local
    monday_late = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # 08:00 local
    sunday = dt.datetime(2026, 3, 8, 10, 0, tzinfo=dt.UTC)
    this_week = dt.date(2026, 3, 2)
    assert this_week not in SCHEDULE.digest_weeks(monday_early, CALENDAR)
    assert SCHEDULE.digest_weeks(monday_late, CALENDAR)[-1] == this_week
    assert SCHEDULE.digest_weeks(sunday, CALENDAR)[-1] == this_week


async def test_overrides_are_loaded_from_the_database(session: AsyncSession) -> None:
    """Rows in holiday_override change the calendar."""
    session.add(HolidayOverride(day=dt.date(2026, 4, 6), day_off=True, note="Nghỉ bù"))
    await session.flush()
    calendar = await WorkingCalendar.load(session)
    assert local(SCHEDULE.kickoff(Quarter(2026, 2), calendar)) == "2026-04-07 08:00"
