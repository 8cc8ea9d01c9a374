"""Reply deadlines in working days: set per category, skipping weekends and holidays, and
moved by the working days an item waited for the cooperative."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from storage.calendar import set_override
from storage.categories import DEFAULT_DUE_WORKING_DAYS, set_due_working_days
from storage.errors import InvalidInput, NotFound
from storage.feedback import add_note
from storage.models import Category
from storage.questions import ask_cooperative
from tests import factories as f

# Friday 24 April 2026, 10:00 in Vietnam.
FRIDAY = dt.datetime(2026, 4, 24, 3, 0, tzinfo=dt.UTC)


async def test_eleven_working_days_skip_weekends_and_the_april_holidays(
    demo_session: AsyncSession,
) -> None:
    """Filed on Friday 24/04/2026: Monday 27/04 (Hùng Kings, observed), 30/04 and 01/05 and
    the weekends are not counted, so the eleventh working day is Thursday 14/05, at 10:00."""
    director = await f.director_of(demo_session, "HTX Trinh Phú")
    item = await f.item(demo_session, director, now=FRIDAY)
    assert DEFAULT_DUE_WORKING_DAYS == 11
    assert item.due_at == dt.datetime(2026, 5, 14, 3, 0, tzinfo=dt.UTC)


async def test_a_category_gives_its_own_number_of_working_days(
    demo_session: AsyncSession,
) -> None:
    """Credit items get five working days: Friday 24/04 + 5 = Wednesday 06/05; a day off
    declared by an admin (Monday 04/05) pushes it to Thursday 07/05."""
    await set_due_working_days(demo_session, "credit", 5)
    director = await f.director_of(demo_session, "HTX Trinh Phú")
    item = await f.item(demo_session, director, category="credit", now=FRIDAY)
    assert item.due_at == dt.datetime(2026, 5, 6, 3, 0, tzinfo=dt.UTC)
    await set_override(demo_session, dt.date(2026, 5, 4), day_off=True)
    later = await f.item(demo_session, director, category="credit", now=FRIDAY)
    assert later.due_at == dt.datetime(2026, 5, 7, 3, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("days", [0, -1, 366])
async def test_a_deadline_out_of_bounds_or_an_unknown_category_is_refused(
    demo_session: AsyncSession, days: int
) -> None:
    with pytest.raises(InvalidInput):
        await set_due_working_days(demo_session, "credit", days)
    with pytest.raises(NotFound):
        await set_due_working_days(demo_session, "no-such-category", 5)
    credit = await demo_session.get(Category, "credit")
    assert credit is not None
    assert credit.due_working_days == DEFAULT_DUE_WORKING_DAYS


async def test_waiting_over_a_holiday_counts_only_the_working_days(
    demo_session: AsyncSession,
) -> None:
    """Asked on Wednesday 29/04, answered on Monday 04/05: of the days after the question
    only Monday counts (30/04, 01/05 and the weekend are days off), so the due date moves one
    working day, from Thursday 14/05 to Friday 15/05."""
    director = await f.director_of(demo_session, "HTX Trinh Phú")
    leader = await f.actor(
        demo_session, "commune_leader", unit_id=(await f.unit(demo_session, "Xã An Lạc Thôn")).id
    )
    item = await f.item(demo_session, director, now=FRIDAY)
    due = item.due_at
    asked = dt.datetime(2026, 4, 29, 3, 0, tzinfo=dt.UTC)
    await ask_cooperative(demo_session, leader, item.id or 0, "Vay bao nhiêu?", now=asked)
    answered = dt.datetime(2026, 5, 4, 3, 0, tzinfo=dt.UTC)
    await add_note(demo_session, director, item.id or 0, "Một tỷ.", internal=False, now=answered)
    assert due == dt.datetime(2026, 5, 14, 3, 0, tzinfo=dt.UTC)
    assert item.due_at == dt.datetime(2026, 5, 15, 3, 0, tzinfo=dt.UTC)
