"""The counts in officials' notices (overdue notice, weekly digest): open, overdue, new."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Status
from storage.reporting.notice_counts import MAX_REFERENCES, week_summary
from tests import factories as f

NOW = dt.datetime(2026, 6, 10, 3, 0, tzinfo=dt.UTC)


async def test_the_counts_cover_items_written_in_or_referred_to_the_unit_and_nothing_else(
    demo_session: AsyncSession,
) -> None:
    """Xã Đại Hải's counts hold its own items and one referred to it, not a neighbour's."""
    s = demo_session
    dai_hai = await f.unit(s, "Xã Đại Hải")
    own = await f.director_of(s, "HTX Đại Đoàn Kết")
    neighbour = await f.director_of(s, "HTX Trinh Phú")
    await f.item(s, own, now=NOW - dt.timedelta(days=1))
    referred = await f.item(s, neighbour, now=NOW - dt.timedelta(days=1))
    referred.assignee_unit_id = dai_hai.id
    await f.item(s, neighbour, now=NOW - dt.timedelta(days=1))
    await s.flush()

    counts = await week_summary(s, [dai_hai.id or 0], NOW)

    assert (counts.open, counts.overdue, counts.new_this_week) == (2, 0, 2)
    assert counts.overdue_references == []


async def test_overdue_means_open_and_due_before_now_listed_most_overdue_first(
    demo_session: AsyncSession,
) -> None:
    """Closed items and items due exactly now are not overdue; references come oldest due
    first, at most ten."""
    s = demo_session
    commune = await f.unit(s, "Xã An Lạc Thôn")
    director = await f.director_of(s, "HTX Trinh Phú")
    late = []
    for days in range(1, 13):  # due 1 … 12 days ago: filed in the opposite order to due
        item = await f.item(s, director, now=NOW - dt.timedelta(days=40))
        item.due_at = NOW - dt.timedelta(days=days)
        late.append(item)
    late.reverse()  # most overdue first
    due_now = await f.item(s, director, now=NOW - dt.timedelta(days=40))
    due_now.due_at = NOW
    closed = await f.item(s, director, status=Status.CLOSED, now=NOW - dt.timedelta(days=40))
    closed.due_at = NOW - dt.timedelta(days=30)
    elsewhere = await f.item(
        s, await f.director_of(s, "HTX Đại Đoàn Kết"), now=NOW - dt.timedelta(days=40)
    )
    elsewhere.due_at = NOW - dt.timedelta(days=60)
    await s.flush()

    counts = await week_summary(s, [commune.id or 0], NOW)

    assert counts.open == 13
    assert counts.overdue == 12
    assert len(counts.overdue_references) == MAX_REFERENCES == 10
    assert counts.overdue_references == [i.reference for i in late[:10]]
    assert counts.new_this_week == 0


async def test_new_this_week_counts_the_last_seven_days_to_the_instant(
    demo_session: AsyncSession,
) -> None:
    """An item filed exactly seven days ago is new this week; one a second earlier is not."""
    s = demo_session
    commune = await f.unit(s, "Xã An Lạc Thôn")
    director = await f.director_of(s, "HTX Trinh Phú")
    week = dt.timedelta(days=7)
    await f.item(s, director, now=NOW - week)
    await f.item(s, director, now=NOW - week - dt.timedelta(seconds=1))
    await f.item(s, director, now=NOW - dt.timedelta(hours=1))

    counts = await week_summary(s, [commune.id or 0], NOW)

    assert counts.new_this_week == 2
    assert counts.open == 3


async def test_a_unit_with_no_items_counts_zero(demo_session: AsyncSession) -> None:
    """No items: every count is zero and no reference is listed."""
    commune = await f.unit(demo_session, "Xã Phong Nẫm")
    counts = await week_summary(demo_session, [commune.id or 0], NOW)
    assert (counts.open, counts.overdue, counts.new_this_week) == (0, 0, 0)
    assert counts.overdue_references == []
