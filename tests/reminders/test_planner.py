"""The reminder planner plans each due message exactly once, on time or late, alone or racing."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.calendar import Quarter, ReminderSchedule, WorkingCalendar
from storage.db import Database
from storage.meetings import MeetingRecord, log_meeting
from storage.models import ChannelIdentity, OutboxMessage, Person
from storage.reminders import plan_due, snooze
from tests import factories as f

SCHEDULE = ReminderSchedule()
Q2 = Quarter(2026, 2)
KICKOFF = SCHEDULE.kickoff(Q2, WorkingCalendar())  # Monday 6 April 2026, 08:00 local


async def account(session: AsyncSession, role: str, unit: str, external_id: str):
    """Create a person with a role on a demo unit, reachable on Telegram."""
    actor = await f.actor(session, role, unit_id=(await f.unit(session, unit)).id)
    session.add(
        ChannelIdentity(channel="telegram", external_id=external_id, person_id=actor.person_id)
    )
    await session.flush()
    return actor


@pytest.fixture
async def people(demo_session: AsyncSession) -> dict:
    """Give two commune leaders and a provincial official, all on Telegram."""
    people = {
        "an_lac_thon": await account(demo_session, "commune_leader", "Xã An Lạc Thôn", "101"),
        "ke_sach": await account(demo_session, "commune_leader", "Xã Kế Sách", "102"),
        "official": await account(demo_session, "official", "Thành phố Cần Thơ", "201"),
    }
    await demo_session.commit()
    return people


async def keys(session: AsyncSession) -> list[str]:
    """Return the planned dedupe keys."""
    rows = await session.execute(select(OutboxMessage.dedupe_key).order_by(OutboxMessage.id))
    return list(rows.scalars())


async def test_nothing_is_due_before_the_kickoff(demo_session: AsyncSession, people) -> None:
    """A minute before 08:00 on kick-off day no reminder is planned (only what else is due)."""
    report = await plan_due(demo_session, KICKOFF - dt.timedelta(minutes=1))
    assert [p for p in report.due if "kickoff" in p.dedupe_key] == []


async def test_the_kickoff_reaches_every_leader_once_even_when_run_twice(
    demo_session: AsyncSession, people
) -> None:
    """At 08:00 each leader gets one kick-off with the quarter and commune; a rerun adds none."""
    first = await plan_due(demo_session, KICKOFF)
    second = await plan_due(demo_session, KICKOFF + dt.timedelta(minutes=5))
    kickoffs = [k for k in await keys(demo_session) if ":kickoff:" in k]
    assert len(kickoffs) == 2
    assert all(k.startswith("remind:2026Q2:kickoff:") for k in kickoffs)
    assert first.new >= 2
    assert second.new == 0


async def test_a_bot_that_was_down_at_0800_catches_up_once(
    demo_session: AsyncSession, people
) -> None:
    """Starting three days late still plans the kick-off, once."""
    late = KICKOFF + dt.timedelta(days=3, hours=5)
    await plan_due(demo_session, late)
    await plan_due(demo_session, late + dt.timedelta(seconds=1))
    assert len([k for k in await keys(demo_session) if ":kickoff:" in k]) == 2


async def test_after_the_follow_up_date_a_stale_kickoff_is_not_sent(
    demo_session: AsyncSession, people
) -> None:
    """A bot down for the whole quarter sends the follow-up, not a late kick-off too."""
    await plan_due(demo_session, SCHEDULE.follow_up(Q2, WorkingCalendar()) + dt.timedelta(hours=1))
    planned = await keys(demo_session)
    assert not [k for k in planned if ":kickoff:" in k]
    assert len([k for k in planned if ":followup:" in k]) == 2


async def test_follow_up_and_escalation_skip_communes_that_met(
    db: Database, demo_session: AsyncSession, people
) -> None:
    """A commune that logged its meeting gets no follow-up; the official hears of the others."""
    coop = await f.cooperative(demo_session, "HTX Trinh Phú")
    commune = await f.unit(demo_session, "Xã An Lạc Thôn")
    await log_meeting(
        demo_session,
        people["an_lac_thon"],
        MeetingRecord(commune.id, dt.date(2026, 5, 12), (coop.id,), "Họp quý II"),
        now=dt.datetime(2026, 5, 12, 3, 0, tzinfo=dt.UTC),
    )
    escalation = SCHEDULE.escalation(Q2, WorkingCalendar())
    await plan_due(demo_session, escalation)
    planned = await keys(demo_session)
    follow_ups = [k for k in planned if ":followup:" in k]
    assert follow_ups == [
        f"remind:2026Q2:followup:{(await f.unit(demo_session, 'Xã Kế Sách')).id}:"
        f"{await person_key(demo_session, '102')}"
    ]
    [escalated] = (
        (
            await demo_session.execute(
                select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith("escalate:"))
            )
        )
        .scalars()
        .all()
    )
    assert escalated.recipient == "201"
    assert commune.id not in escalated.payload["commune_ids"]
    assert len(escalated.payload["commune_ids"]) == 5


async def person_key(session: AsyncSession, external_id: str) -> str:
    """Return how dedupe keys name the person of a Telegram account."""
    row = await session.execute(
        select(ChannelIdentity.person_id).where(ChannelIdentity.external_id == external_id)
    )
    return f"p{row.scalar_one()}"


async def test_overdue_items_and_the_weekly_digest_reach_officials(
    demo_session: AsyncSession, people
) -> None:
    """An item past its due date makes a daily overdue notice; Monday brings the digest."""
    director = await f.director_of(demo_session, "HTX Trinh Phú")
    await f.item(demo_session, director, now=KICKOFF - dt.timedelta(days=30))
    monday = dt.datetime(2026, 4, 13, 1, 0, tzinfo=dt.UTC)  # 08:00 local, Monday
    await plan_due(demo_session, monday)
    planned = await keys(demo_session)
    assert f"overdue:2026-04-13:{await person_key(demo_session, '201')}" in planned
    assert any(k.startswith("digest:2026-04-13:") for k in planned)


async def test_an_official_who_turned_the_digest_off_gets_none(
    demo_session: AsyncSession, people
) -> None:
    """digest_enabled = False stops the weekly digest."""
    person = await demo_session.get(Person, people["official"].person_id)
    person.digest_enabled = False
    await plan_due(demo_session, dt.datetime(2026, 4, 13, 1, 0, tzinfo=dt.UTC))
    assert not [k for k in await keys(demo_session) if k.startswith("digest:")]


async def test_dry_run_plans_nothing(demo_session: AsyncSession, people) -> None:
    """A dry run lists what is due and writes no row."""
    report = await plan_due(demo_session, KICKOFF, dry_run=True)
    assert len(report.due) >= 2
    assert await demo_session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


async def test_two_planners_racing_plan_one_message_per_recipient(
    db: Database, demo_session: AsyncSession, people
) -> None:
    """Two concurrent planners (two workers) insert each dedupe key once."""

    async def planner() -> int:
        async with db.transaction() as session:
            return (await plan_due(session, KICKOFF)).new

    try:
        results = await asyncio.gather(planner(), planner())
    except Exception:  # SQLite may refuse the second writer; then run it again afterwards
        results = [await planner()]
    async with db.session() as session:
        planned = await keys(session)
    assert len(planned) == len(set(planned))
    assert len([k for k in planned if ":kickoff:" in k]) == 2
    assert sum(results) == len(planned)


async def test_snoozing_is_allowed_twice_a_quarter(demo_session: AsyncSession, people) -> None:
    """'Remind me in a week' plans a reminder seven days later, at most twice."""
    identity = (
        await demo_session.execute(
            select(ChannelIdentity).where(ChannelIdentity.external_id == "101")
        )
    ).scalar_one()
    commune = await f.unit(demo_session, "Xã An Lạc Thôn")
    first = await snooze(demo_session, identity, commune.id, Q2, KICKOFF)
    second = await snooze(demo_session, identity, commune.id, Q2, KICKOFF)
    third = await snooze(demo_session, identity, commune.id, Q2, KICKOFF)
    assert first == second == KICKOFF + dt.timedelta(days=7)
    assert third is None
    assert len([k for k in await keys(demo_session) if ":snooze" in k]) == 2


async def test_a_leader_on_two_channels_gets_one_kickoff_on_the_one_used_last(
    demo_session: AsyncSession, people
) -> None:
    """With Telegram and Zalo, the kick-off goes once, to the account written from last; when
    the leader then writes from the other one, a re-run plans nothing new."""
    leader = people["ke_sach"]
    telegram = (
        await demo_session.execute(
            select(ChannelIdentity).where(ChannelIdentity.external_id == "102")
        )
    ).scalar_one()
    telegram.last_seen_at = KICKOFF - dt.timedelta(days=3)
    zalo = ChannelIdentity(
        channel="zalo",
        external_id="z-102",
        person_id=leader.person_id,
        last_seen_at=KICKOFF - dt.timedelta(days=1),
    )
    demo_session.add(zalo)
    await demo_session.flush()

    await plan_due(demo_session, KICKOFF)
    telegram.last_seen_at = KICKOFF + dt.timedelta(minutes=5)
    await demo_session.flush()
    await plan_due(demo_session, KICKOFF + dt.timedelta(minutes=10))

    rows = await demo_session.execute(
        select(OutboxMessage.channel, OutboxMessage.recipient).where(
            OutboxMessage.person_id == leader.person_id,
            OutboxMessage.dedupe_key.contains(":kickoff:"),
        )
    )
    assert rows.all() == [("zalo", "z-102")]
