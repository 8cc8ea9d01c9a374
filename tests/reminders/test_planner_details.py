"""What the planner writes: who is told about which overdue items and communes, and snoozes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.calendar import (
    Quarter,
    ReminderSchedule,
    WorkingCalendar,
    list_overrides,
    remove_override,
    set_override,
)
from storage.models import (
    AdminUnit,
    ChannelIdentity,
    OutboxMessage,
    Person,
    RoleAssignment,
    Status,
    UnitLevel,
)
from storage.reminders import due_messages, plan_due, snooze
from tests import factories as f

SCHEDULE = ReminderSchedule()
CALENDAR = WorkingCalendar()
WEEK = dt.timedelta(days=7)
Q2 = Quarter(2026, 2)
KICKOFF = SCHEDULE.kickoff(Q2, CALENDAR)  # Monday 6 April 2026, 08:00 local
# Tuesday 21 April 2026, 08:00 local: past the kick-off, before the follow-up, not a Monday.
TUESDAY = dt.datetime(2026, 4, 21, 1, 0, tzinfo=dt.UTC)


async def account(session: AsyncSession, role: str, unit: str, external_id: str):
    """Create a person with ``role`` on a demo unit, on Telegram; return the account."""
    actor = await f.actor(session, role, unit_id=(await f.unit(session, unit)).id)
    identity = ChannelIdentity(
        channel="telegram", external_id=external_id, person_id=actor.person_id
    )
    session.add(identity)
    await session.flush()
    return identity


async def overdue_recipients(session: AsyncSession, now: dt.datetime) -> list[str]:
    """Return who gets an overdue notice at ``now``."""
    due = await due_messages(session, now, SCHEDULE, CALENDAR)
    return sorted(m.recipient for m in due if m.dedupe_key.startswith("overdue:"))


async def test_only_officials_with_open_items_past_due_in_their_units_are_told(
    demo_session: AsyncSession,
) -> None:
    """Closed, not yet due and due-this-instant items make no notice; an overdue item
    written in or referred to the official's unit does, and nobody else hears of it."""
    s = demo_session
    await account(s, "official", "Xã Đại Hải", "201")
    await account(s, "official", "Xã Phong Nẫm", "202")
    await account(s, "official", "Xã Kế Sách", "203")
    dai_hai = await f.director_of(s, "HTX Đại Đoàn Kết")
    trinh_phu = await f.director_of(s, "HTX Trinh Phú")
    closed = await f.item(s, dai_hai, status=Status.CLOSED)
    closed.due_at = TUESDAY - dt.timedelta(days=20)
    due_now = await f.item(s, dai_hai)
    due_now.due_at = TUESDAY
    later = await f.item(s, dai_hai)
    later.due_at = TUESDAY + dt.timedelta(days=1)
    referred = await f.item(s, trinh_phu)
    referred.assignee_unit_id = (await f.unit(s, "Xã Phong Nẫm")).id
    referred.due_at = TUESDAY - dt.timedelta(days=1)
    await s.flush()

    assert await overdue_recipients(s, TUESDAY) == ["202"]


async def test_each_official_hears_only_of_the_communes_of_their_units_in_name_order(
    demo_session: AsyncSession,
) -> None:
    """Two officials of different units each get their own escalation, communes by name."""
    s = demo_session
    await account(s, "official", "Thành phố Cần Thơ", "201")
    await account(s, "official", "Xã Đại Hải", "202")
    await plan_due(s, SCHEDULE.escalation(Q2, CALENDAR))

    rows = await s.execute(
        select(OutboxMessage)
        .where(OutboxMessage.dedupe_key.startswith("escalate:"))
        .order_by(OutboxMessage.recipient)
    )
    province, commune = rows.scalars().all()
    communes = await s.execute(
        select(AdminUnit.id, AdminUnit.name)
        .where(AdminUnit.level == UnitLevel.COMMUNE, AdminUnit.valid_to.is_(None))
        .order_by(AdminUnit.name)  # the database's own order of names, whatever its collation
    )
    names = dict(communes.all())
    assert len(names) == 6
    assert (province.recipient, commune.recipient) == ("201", "202")
    assert [names[i] for i in province.payload["commune_ids"]] == list(names.values())
    assert [names[i] for i in commune.payload["commune_ids"]] == ["Xã Đại Hải"]


async def test_planned_messages_carry_their_recipient_and_the_planning_moment(
    demo_session: AsyncSession,
) -> None:
    """A kick-off is stored for the leader's person, created and due at the planning time."""
    s = demo_session
    leader = await account(s, "commune_leader", "Xã An Lạc Thôn", "101")
    await plan_due(s, KICKOFF)
    [kickoff] = (await s.execute(select(OutboxMessage))).scalars().all()
    assert (kickoff.recipient, kickoff.person_id) == ("101", leader.person_id)
    assert kickoff.created_at == kickoff.next_attempt_at == KICKOFF


async def test_each_leader_snoozes_twice_a_quarter_with_numbered_reminders_a_week_later(
    demo_session: AsyncSession,
) -> None:
    """Snoozes are counted per leader, commune and quarter: another leader's or last
    quarter's snoozes do not use up this leader's two."""
    s = demo_session
    leader = await account(s, "commune_leader", "Xã An Lạc Thôn", "101")
    other = await account(s, "commune_leader", "Xã An Lạc Thôn", "102")
    commune = (await f.unit(s, "Xã An Lạc Thôn")).id or 0
    last_quarter = Quarter(2026, 1)
    earlier = KICKOFF - dt.timedelta(days=90)
    assert await snooze(s, leader, commune, last_quarter, earlier) is not None
    assert await snooze(s, other, commune, Q2, KICKOFF) is not None
    assert await snooze(s, other, commune, Q2, KICKOFF) is not None

    week_later = KICKOFF + dt.timedelta(days=7)
    assert await snooze(s, leader, commune, Q2, KICKOFF) == week_later
    assert await snooze(s, leader, commune, Q2, KICKOFF) == week_later
    assert await snooze(s, leader, commune, Q2, KICKOFF) is None

    rows = await s.execute(
        select(OutboxMessage)
        .where(OutboxMessage.recipient == "101", OutboxMessage.dedupe_key.contains("2026Q2"))
        .order_by(OutboxMessage.id)
    )
    snoozed = rows.scalars().all()
    assert [m.dedupe_key for m in snoozed] == [
        f"remind:2026Q2:snooze1:{commune}:p{leader.person_id}",
        f"remind:2026Q2:snooze2:{commune}:p{leader.person_id}",
    ]
    for message in snoozed:
        assert message.person_id == leader.person_id
        assert (message.created_at, message.next_attempt_at) == (KICKOFF, week_later)
        assert message.payload == {
            "kind": "quarter_kickoff",
            "quarter": "2026Q2",
            "commune_id": commune,
        }


def test_the_digest_week_is_vietnams_week_and_fires_at_its_time_exactly() -> None:
    """At 07:30 sharp the digest is due; on Monday 00:30 local (Sunday in UTC) the new week
    has begun and its digest is not due yet (last week's still is); another weekday may be
    chosen."""
    monday = dt.date(2026, 3, 2)
    at_half_past_seven = dt.datetime(2026, 3, 2, 0, 30, tzinfo=dt.UTC)
    assert SCHEDULE.digest_weeks(at_half_past_seven, CALENDAR) == [monday - WEEK, monday]
    before = at_half_past_seven - dt.timedelta(seconds=1)
    assert SCHEDULE.digest_weeks(before, CALENDAR) == [monday - WEEK]
    monday_night = dt.datetime(2026, 3, 8, 17, 30, tzinfo=dt.UTC)  # Monday 9 March, 00:30
    assert SCHEDULE.digest_weeks(monday_night, CALENDAR) == [monday]
    wednesdays = ReminderSchedule(digest_weekday=2)
    thursday = dt.datetime(2026, 3, 5, 3, 0, tzinfo=dt.UTC)
    assert wednesdays.digest_weeks(thursday, CALENDAR)[-1] == dt.date(2026, 3, 4)
    next_monday = dt.datetime(2026, 3, 9, 3, 0, tzinfo=dt.UTC)
    assert wednesdays.digest_weeks(next_monday, CALENDAR)[-1] == dt.date(2026, 3, 4)


def test_a_digest_whose_day_is_off_goes_on_the_next_working_day() -> None:
    """Tết 2026 takes Monday 16 to Friday 20 February: that week's digest goes on Monday 23
    with the new week's, each once; Monday 27 April 2026 (Hùng Kings, observed) moves the
    digest to Tuesday."""
    tet_week = dt.date(2026, 2, 16)
    assert SCHEDULE.digest_day(tet_week, CALENDAR) == dt.date(2026, 2, 23)
    during_tet = dt.datetime(2026, 2, 18, 3, 0, tzinfo=dt.UTC)
    assert tet_week not in SCHEDULE.digest_weeks(during_tet, CALENDAR)
    after = dt.datetime(2026, 2, 23, 3, 0, tzinfo=dt.UTC)
    assert SCHEDULE.digest_weeks(after, CALENDAR) == [tet_week, dt.date(2026, 2, 23)]
    hung_kings = dt.date(2026, 4, 27)
    assert SCHEDULE.digest_day(hung_kings, CALENDAR) == dt.date(2026, 4, 28)
    monday_noon = dt.datetime(2026, 4, 27, 5, 0, tzinfo=dt.UTC)
    assert hung_kings not in SCHEDULE.digest_weeks(monday_noon, CALENDAR)


async def test_a_quarter_ends_at_midnight_vietnam_time_for_its_reminders(
    demo_session: AsyncSession,
) -> None:
    """On 1 April at 06:00 local (still 31 March in UTC) the first quarter's follow-ups and
    escalation are no longer due, and neither is the second's kick-off."""
    s = demo_session
    await account(s, "commune_leader", "Xã An Lạc Thôn", "101")
    await account(s, "official", "Thành phố Cần Thơ", "201")
    early = dt.datetime(2026, 3, 31, 23, 0, tzinfo=dt.UTC)
    due = await due_messages(s, early, SCHEDULE, CALENDAR)
    assert [m.dedupe_key for m in due if not m.dedupe_key.startswith("digest:")] == []


async def test_the_daily_overdue_check_waits_for_eight_oclock_local_time(
    demo_session: AsyncSession,
) -> None:
    """At 06:00 local on 21 April (20 April in UTC) no overdue notice is due yet, though 20
    April's 08:00 has passed; at 08:00 local it is due for 21 April."""
    s = demo_session
    await account(s, "official", "Thành phố Cần Thơ", "201")
    director = await f.director_of(s, "HTX Trinh Phú")
    late = await f.item(s, director)
    late.due_at = TUESDAY - dt.timedelta(days=5)
    await s.flush()
    assert await overdue_recipients(s, TUESDAY - dt.timedelta(hours=2)) == []
    due = await due_messages(s, TUESDAY, SCHEDULE, CALENDAR)
    assert [m.dedupe_key.split(":")[1] for m in due if m.dedupe_key.startswith("overdue:")] == [
        "2026-04-21"
    ]


async def test_no_overdue_notice_goes_on_a_day_off(demo_session: AsyncSession) -> None:
    """Saturday 25 April and Monday 27 April 2026 (Hùng Kings, observed) are days off: no
    overdue check runs; Tuesday 28 April's does."""
    s = demo_session
    await account(s, "official", "Thành phố Cần Thơ", "201")
    director = await f.director_of(s, "HTX Trinh Phú")
    late = await f.item(s, director)
    late.due_at = TUESDAY - dt.timedelta(days=5)
    await s.flush()
    for day in (25, 27):
        at_nine = dt.datetime(2026, 4, day, 2, 0, tzinfo=dt.UTC)  # 09:00 in Vietnam
        assert await overdue_recipients(s, at_nine) == []
    assert await overdue_recipients(s, dt.datetime(2026, 4, 28, 2, 0, tzinfo=dt.UTC)) == ["201"]


async def test_at_the_follow_up_instant_follow_ups_start_and_kick_offs_stop(
    demo_session: AsyncSession,
) -> None:
    """The kick-off window is [kick-off, follow-up): at the follow-up time only follow-ups."""
    s = demo_session
    await account(s, "commune_leader", "Xã An Lạc Thôn", "101")
    due = await due_messages(s, SCHEDULE.follow_up(Q2, CALENDAR), SCHEDULE, CALENDAR)
    assert [m.dedupe_key.split(":")[2] for m in due if m.dedupe_key.startswith("remind:")] == [
        "followup"
    ]


async def test_kick_offs_reach_leaders_in_office_and_reachable_whatever_their_digest(
    demo_session: AsyncSession,
) -> None:
    """A leader who turned the digest off still gets the kick-off; a leader whose grant ended
    or whose account is unreachable does not."""
    s = demo_session
    await account(s, "commune_leader", "Xã An Lạc Thôn", "101")
    no_digest = await account(s, "commune_leader", "Xã Kế Sách", "102")
    person = await s.get(Person, no_digest.person_id)
    assert person is not None
    person.digest_enabled = False
    left = await account(s, "commune_leader", "Xã Đại Hải", "103")
    grant = (
        await s.execute(select(RoleAssignment).where(RoleAssignment.person_id == left.person_id))
    ).scalar_one()
    grant.valid_to = KICKOFF - dt.timedelta(days=1)
    blocked = await account(s, "commune_leader", "Xã Nhơn Mỹ", "104")
    blocked.unreachable_since = KICKOFF - dt.timedelta(days=1)
    await s.flush()

    due = await due_messages(s, KICKOFF, SCHEDULE, CALENDAR)

    assert sorted(m.recipient for m in due if ":kickoff:" in m.dedupe_key) == ["101", "102"]


async def test_holiday_overrides_are_set_replaced_listed_by_day_and_removed(
    session: AsyncSession,
) -> None:
    """Declaring a day again replaces its override; notes keep 200 characters; removing a day
    that has none says so."""
    bridge, swapped = dt.date(2026, 4, 27), dt.date(2026, 4, 25)
    await set_override(session, bridge, day_off=True)
    await set_override(session, swapped, day_off=False, note="x" * 300)
    assert [o.note for o in await list_overrides(session)] == ["x" * 200, ""]
    await set_override(session, bridge, day_off=False, note="y" * 300)

    listed = [(o.day, o.day_off, o.note) for o in await list_overrides(session)]
    assert listed == [(swapped, False, "x" * 200), (bridge, False, "y" * 200)]
    assert (await WorkingCalendar.load(session)).is_working_day(swapped)
    assert await remove_override(session, bridge) is True
    assert await remove_override(session, bridge) is False
    assert [o.day for o in await list_overrides(session)] == [swapped]
