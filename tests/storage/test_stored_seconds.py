"""The seconds to first response and to resolution that the database keeps on each item."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage import migrate
from storage.db import Database, is_sqlite
from storage.demo_data import load_demo_data
from storage.feedback import change_status
from storage.models import (
    RESOLUTION_SECONDS,
    RESPONSE_SECONDS,
    FeedbackEvent,
    FeedbackItem,
    Status,
)
from tests import factories as f

T0 = f.T0
# Acknowledged 2 h 30 min and 250 µs after filing, resolved 3 days after. SQLite computes
# through julian days: exact to well under a millisecond.
ANSWERED = (pytest.approx(9000.00025, abs=1e-3), pytest.approx(3 * 86400, abs=1e-3))


async def _seconds(session: AsyncSession, item_id: int) -> tuple[float | None, float | None]:
    row = (
        await session.execute(
            select(RESPONSE_SECONDS, RESOLUTION_SECONDS).where(FeedbackItem.id == item_id)
        )
    ).one()
    return row[0], row[1]


async def _answered_item(session: AsyncSession) -> int:
    """File an item at T0, acknowledge it 2 h 30 min later and resolve it 3 days later."""
    director = await f.director_of(session, "HTX Trinh Phú")
    official = await f.actor(
        session, "official", unit_id=(await f.unit(session, "Thành phố Cần Thơ")).id
    )
    item = await f.item(session, director, now=T0)
    item_id = item.id or 0
    acknowledged = T0 + dt.timedelta(hours=2, minutes=30, microseconds=250)
    await change_status(session, official, item_id, Status.ACKNOWLEDGED, now=acknowledged)
    resolved = T0 + dt.timedelta(days=3)
    await change_status(session, official, item_id, Status.RESOLVED, text="Đã xử lý", now=resolved)
    await session.commit()
    return item_id


async def test_the_seconds_follow_the_timestamps_on_every_write(
    demo_session: AsyncSession,
) -> None:
    """Unanswered: none; answered: the seconds since filing; reopened: the resolution goes."""
    director = await f.director_of(demo_session, "HTX Quyết Thắng")
    fresh = await f.item(demo_session, director, now=T0)
    await demo_session.commit()
    assert await _seconds(demo_session, fresh.id or 0) == (None, None)

    item_id = await _answered_item(demo_session)
    response, resolution = await _seconds(demo_session, item_id)
    assert (response, resolution) == ANSWERED

    owner = await f.director_of(demo_session, "HTX Trinh Phú")
    await change_status(
        demo_session, owner, item_id, Status.REOPENED, text="Chưa xong", now=T0 + dt.timedelta(4)
    )
    await demo_session.commit()
    # Reopened: no resolution any more; the first response stays.
    assert await _seconds(demo_session, item_id) == (ANSWERED[0], None)


async def _counts(session: AsyncSession) -> tuple[int, int]:
    items = await session.scalar(select(func.count()).select_from(FeedbackItem))
    events = await session.scalar(select(func.count()).select_from(FeedbackEvent))
    return int(items or 0), int(events or 0)


async def test_the_migration_keeps_items_and_their_events_both_ways(empty_db: Database) -> None:
    """Down to 0005 and up again rebuilds the table on SQLite; rows and references survive."""
    await migrate.upgrade(empty_db.engine)
    async with empty_db.session() as session:
        await load_demo_data(session)
        await session.commit()
        item_id = await _answered_item(session)
        before = await _counts(session)
    assert before[1] >= 3  # the filing and the two status changes refer to the item

    await migrate.downgrade(empty_db.engine, "0005")
    await migrate.upgrade(empty_db.engine)

    async with empty_db.session() as session:
        assert await _counts(session) == before
        assert await _seconds(session, item_id) == ANSWERED
        if is_sqlite(empty_db.engine):
            # The migration turned foreign keys off for the rebuild: they are on again.
            assert (await session.execute(text("PRAGMA foreign_keys"))).scalar() == 1
            problems = (await session.execute(text("PRAGMA foreign_key_check"))).all()
            assert problems == []
