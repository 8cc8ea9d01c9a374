"""The scheduler is only a clock: started, it catches up at once; its ticks are idempotent."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.scheduler import ReminderClock, plan_reminders_job
from storage.db import Database
from storage.errors import Unavailable
from storage.models import ChannelIdentity, OutboxMessage
from tests import factories as f

KICKOFF = dt.datetime(2026, 4, 6, 1, 0, tzinfo=dt.UTC)  # 08:00 in Vietnam


async def leader(session: AsyncSession) -> None:
    """Register a leader of Xã An Lạc Thôn on Telegram."""
    actor = await f.actor(
        session, "commune_leader", unit_id=(await f.unit(session, "Xã An Lạc Thôn")).id
    )
    session.add(ChannelIdentity(channel="telegram", external_id="101", person_id=actor.person_id))
    await session.commit()


async def outbox_count(db: Database) -> int:
    """Count planned messages."""
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


async def test_starting_the_clock_catches_up_immediately(
    db: Database, demo_session: AsyncSession
) -> None:
    """A bot started after 08:00 on kick-off day plans the kick-off without waiting a minute."""
    await leader(demo_session)
    clock = ReminderClock(db, clock=lambda: KICKOFF + dt.timedelta(hours=2))
    clock.start()
    try:
        for _ in range(100):
            if await outbox_count(db):
                break
            await asyncio.sleep(0.05)
    finally:
        await clock.stop()
    assert await outbox_count(db) == 1


async def test_repeated_ticks_plan_nothing_new(db: Database, demo_session: AsyncSession) -> None:
    """Ticking three times in the same minute plans the kick-off once."""
    await leader(demo_session)
    clock = ReminderClock(db, clock=lambda: KICKOFF)
    reports = [await clock.tick() for _ in range(3)]
    assert [r.new for r in reports] == [1, 0, 0]


async def test_a_failing_tick_is_logged_and_does_not_raise(
    db: Database, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job swallows and logs a planner error so the scheduler keeps running."""

    async def broken_planner(*_args: object) -> None:
        raise RuntimeError("planner bug")

    monkeypatch.setattr("bot.scheduler.plan_due", broken_planner)
    await plan_reminders_job(ReminderClock(db, clock=lambda: KICKOFF))
    assert "planning reminders failed" in caplog.text
    assert "planner bug" in caplog.text


async def test_an_unavailable_database_is_a_warning_for_the_next_tick(
    db: Database, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database that does not answer is expected now and then: one line, no trace."""

    async def unreachable(*_args: object) -> None:
        raise Unavailable()

    monkeypatch.setattr("bot.scheduler.plan_due", unreachable)
    await plan_reminders_job(ReminderClock(db, clock=lambda: KICKOFF))
    (record,) = [r for r in caplog.records if "planning reminders failed" in r.getMessage()]
    assert record.levelname == "WARNING"
    assert "The next tick retries." in record.getMessage()
