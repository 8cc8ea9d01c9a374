"""Edges of the rules that planted bugs once slipped past: each test here failed with its bug.

A referred item is still open; an official of one commune stays in that commune; a quarter
that starts on a Monday kicks off that week; a period ends just before its end instant; and
a unit's history is followed to the end, however many times it was merged.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.calendar import VIETNAM, Quarter, ReminderSchedule, WorkingCalendar
from storage.categories import ensure_default_categories
from storage.errors import PermissionDenied
from storage.feedback import change_status
from storage.meetings import agenda
from storage.models import (
    AdminUnit,
    ChannelIdentity,
    Cooperative,
    FeedbackItem,
    RoleAssignment,
    Status,
    UnitLevel,
    UnitSuccession,
)
from storage.people_admin import (
    invitable_communes,
    invitable_cooperatives,
    invite_in_scope,
    list_grantees,
    revoke_grant,
)
from storage.periods import parse_period
from storage.reminders import due_messages
from storage.reporting.figures import status_counts
from storage.reporting.notice_counts import week_summary
from storage.reporting.scope import ReportScope
from storage.reporting.summary import items_in_summary, summarize
from storage.scope import item_scope_clause
from storage.text import fold_unit_name
from storage.units import current_units, rebuild_unit_closure, resolve_unit
from tests import factories as f


async def test_a_referred_item_past_its_due_date_stays_open_everywhere_it_is_counted(
    demo_session: AsyncSession,
) -> None:
    """A referred, overdue item is on the commune's agenda, in the open and overdue counts and
    in the officials' overdue notice."""
    s = demo_session
    commune = await f.unit(s, "Xã An Lạc Thôn")
    province = await f.unit(s, "Thành phố Cần Thơ")
    leader = await f.actor(s, "commune_leader", unit_id=commune.id)
    official = await f.actor(s, "official", unit_id=province.id)
    s.add(ChannelIdentity(channel="telegram", external_id="301", person_id=official.person_id))
    director = await f.director_of(s, "HTX Trinh Phú")
    item = await f.item(s, director)
    await change_status(
        s, leader, item.id or 0, Status.REFERRED, referred_unit_id=province.id, now=f.T0
    )
    now = item.due_at + dt.timedelta(days=3)

    assert [i.id for i in (await agenda(s, commune.id or 0)).open_items] == [item.id]
    counts = await week_summary(s, [province.id or 0], now)
    assert (counts.open, counts.overdue, counts.overdue_references) == (1, 1, [item.reference])
    local_eight = dt.datetime.combine(now.astimezone(VIETNAM).date(), dt.time(8), tzinfo=VIETNAM)
    due = await due_messages(s, local_eight, ReminderSchedule(), WorkingCalendar())
    assert [m.recipient for m in due if m.dedupe_key.startswith("overdue:")] == ["301"]


async def test_an_official_of_one_commune_invites_and_revokes_only_inside_that_commune(
    demo_session: AsyncSession,
) -> None:
    """An official whose grant is Xã Đại Hải cannot invite or revoke in Xã An Lạc Thôn."""
    s = demo_session
    dai_hai = await f.unit(s, "Xã Đại Hải")
    an_lac_thon = await f.unit(s, "Xã An Lạc Thôn")
    official = await f.actor(s, "official", unit_id=dai_hai.id, name="Official of Đại Hải")
    near = await f.director_of(s, "HTX Đại Đoàn Kết")
    far = await f.director_of(s, "HTX Trinh Phú")
    far_coop = await f.cooperative(s, "HTX Trinh Phú")
    now = f.T0

    communes, total = await invitable_communes(s, official)
    assert ([c.name for c in communes], total) == (["Xã Đại Hải"], 1)
    coops, _ = await invitable_cooperatives(s, official, limit=50)
    assert "HTX Trinh Phú" not in [c.name for c in coops]
    assert "HTX Đại Đoàn Kết" in [c.name for c in coops]
    with pytest.raises(PermissionDenied):
        await invite_in_scope(
            s, official, role="commune_leader", target_id=an_lac_thon.id, now=now
        )
    with pytest.raises(PermissionDenied):
        await invite_in_scope(s, official, role="director", target_id=far_coop.id or 0, now=now)

    grantees, _ = await list_grantees(s, official, now)
    assert {g.person_id for g in grantees} == {near.person_id}
    far_grant = (
        await s.execute(select(RoleAssignment).where(RoleAssignment.person_id == far.person_id))
    ).scalar_one()
    with pytest.raises(PermissionDenied):
        await revoke_grant(s, official, far_grant.id or 0, now)
    assert far_grant.valid_to is None


@pytest.mark.parametrize(
    ("quarter", "expected"),
    [
        ("2029Q1", "2029-01-02 08:00"),  # Monday 1 January 2029 is New Year's Day
        ("2029Q4", "2029-10-01 08:00"),  # Monday 1 October 2029 is a working day
        ("2030Q2", "2030-04-01 08:00"),
    ],
)
def test_a_quarter_that_starts_on_a_monday_kicks_off_in_its_first_week(
    quarter: str, expected: str
) -> None:
    """When the quarter's first day is a Monday, that Monday (or the next working day) is the
    kick-off, not the Monday after."""
    schedule = ReminderSchedule()
    kickoff = schedule.kickoff(Quarter.parse(quarter), WorkingCalendar())
    assert kickoff.astimezone(VIETNAM).strftime("%Y-%m-%d %H:%M") == expected


async def test_an_item_filed_at_the_instant_a_period_ends_belongs_to_the_next_period(
    demo_session: AsyncSession,
) -> None:
    """Periods are [start, end): midnight of 1 July (local) is the third quarter, not the
    second, in the summary, its item list and the chart figures."""
    s = demo_session
    admin = await f.actor(s, "admin")
    director = await f.director_of(s, "HTX Trinh Phú")
    q2 = parse_period("2026Q2", dt.date(2026, 8, 1))
    q3 = parse_period("2026Q3", dt.date(2026, 8, 1))
    q2_start, q2_end = q2.bounds()
    first = await f.item(s, director, category="credit", now=q2_start)
    last_moment = await f.item(s, director, category="land", now=q2_end - dt.timedelta(seconds=1))
    at_end = await f.item(s, director, category="market", now=q2_end)
    now = dt.datetime(2026, 8, 1, 3, 0, tzinfo=dt.UTC)

    second = await summarize(s, admin, q2, now=now)
    third = await summarize(s, admin, q3, now=now)
    assert (second.total, third.total) == (2, 1)
    assert {key for key, _ in second.top_categories} == {"credit", "land"}
    assert [key for key, _ in third.top_categories] == ["market"]
    listed = {i.id for i in await items_in_summary(s, admin, q2)}
    assert listed == {first.id, last_moment.id}
    assert {i.id for i in await items_in_summary(s, admin, q3)} == {at_end.id}
    figures = await status_counts(s, ReportScope(admin, q2), "category")
    assert figures == {("credit", "new"): 1, ("land", "new"): 1}


async def add_unit(
    session: AsyncSession,
    name: str,
    *,
    parent: AdminUnit | None = None,
    valid_to: dt.date | None = None,
    level: str = UnitLevel.COMMUNE,
) -> AdminUnit:
    """Add a unit called ``name`` (type word 'Xã' for communes)."""
    created = AdminUnit(
        code=name,
        name=name,
        unit_type="Xã" if level == UnitLevel.COMMUNE else "Tỉnh",
        folded_name=fold_unit_name(name),
        level=level,
        parent_id=parent.id if parent else None,
        valid_to=valid_to,
    )
    session.add(created)
    await session.flush()
    return created


async def test_a_commune_merged_twice_lives_on_in_the_commune_of_today(
    session: AsyncSession,
) -> None:
    """Xã A became Xã B in 2020 and Xã B became Xã C in 2025: A's name, A's cooperatives and
    A's items are C's today."""
    province = await add_unit(session, "Tỉnh P", level=UnitLevel.PROVINCE)
    a = await add_unit(session, "Xã A", parent=province, valid_to=dt.date(2020, 1, 1))
    b = await add_unit(session, "Xã B", parent=province, valid_to=dt.date(2025, 7, 1))
    c = await add_unit(session, "Xã C", parent=province)
    for old, new, on in ((a, b, dt.date(2020, 1, 1)), (b, c, dt.date(2025, 7, 1))):
        session.add(UnitSuccession(old_id=old.id or 0, new_id=new.id or 0, kind="merge", on=on))
    await session.flush()
    await rebuild_unit_closure(session)

    assert await current_units(session, [a.id or 0, b.id or 0]) == {
        a.id: [c.id],
        b.id: [c.id],
    }
    resolved = await resolve_unit(session, "xa a", on=dt.date(2026, 3, 1))
    assert resolved.today is not None
    assert resolved.today.name == "Xã C"
    coop = Cooperative(kind="HTX", name="HTX A", folded_name="htx a", commune_id=a.id or 0)
    session.add(coop)
    await ensure_default_categories(session)
    await session.flush()
    director = await f.actor(session, "director", cooperative_id=coop.id)
    filed = await f.item(session, director)
    leader_of_c = await f.actor(session, "commune_leader", unit_id=c.id)
    seen = await session.execute(select(FeedbackItem.id).where(item_scope_clause(leader_of_c)))
    assert list(seen.scalars()) == [filed.id]
