"""Retention deletes exactly the runtime rows past their time, and nothing a sender still needs."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import OutboxMessage, OutboxStatus
from storage.retention import (
    BUTTON_OVERFLOW,
    DIALOGS,
    INVITE_ATTEMPTS,
    OUTBOX,
    PROCESSED_UPDATES,
    RetentionPolicy,
    describe,
    purge_expired,
)
from tests.support import retention_rows as rows

NOW = dt.datetime(2026, 5, 1, 20, 0, tzinfo=dt.UTC)  # 03:00 in Vietnam, the daily run
SECOND = dt.timedelta(seconds=1)
POLICY = RetentionPolicy()  # the defaults: 30, 30, 90 and 180 days
NOTHING = dict.fromkeys((PROCESSED_UPDATES, DIALOGS, INVITE_ATTEMPTS, OUTBOX, BUTTON_OVERFLOW), 0)

# Each table's limit under POLICY (button lists follow the conversations).
LIMITS = {
    PROCESSED_UPDATES: POLICY.processed_updates,
    DIALOGS: POLICY.dialogs,
    INVITE_ATTEMPTS: POLICY.invite_attempts,
    OUTBOX: POLICY.outbox,
    BUTTON_OVERFLOW: POLICY.dialogs,
}


@pytest.mark.parametrize("table", list(LIMITS))
async def test_a_row_goes_one_second_past_its_limit_and_not_before(
    session: AsyncSession, table: str
) -> None:
    """One second inside the limit and exactly at it are kept; one second past it is deleted."""
    make = rows.MAKERS[table][0]
    limit = LIMITS[table]
    for age in (limit - SECOND, limit, limit + SECOND):
        await make(session, NOW - age)
    await session.commit()

    counts = await purge_expired(session, POLICY, NOW)
    await session.commit()

    assert counts == {**NOTHING, table: 1}
    assert await rows.count(session, table) == 2


async def test_every_table_is_purged_in_one_call_with_its_own_count(
    session: AsyncSession,
) -> None:
    """Rows of every kind, some expired: each count is that table's expired rows exactly."""
    expired = {PROCESSED_UPDATES: 3, DIALOGS: 2, INVITE_ATTEMPTS: 4, OUTBOX: 1, BUTTON_OVERFLOW: 2}
    for table, number in expired.items():
        make = rows.MAKERS[table][0]
        for _ in range(number):
            await make(session, NOW - LIMITS[table] - dt.timedelta(days=1))
        await make(session, NOW - dt.timedelta(hours=1))  # a fresh one, kept
    await session.commit()

    counts = await purge_expired(session, POLICY, NOW)
    await session.commit()

    assert counts == expired
    assert [await rows.count(session, table) for table in expired] == [1] * len(expired)
    assert describe(counts) == (
        "deleted 3 processed updates, 2 conversation states, 4 invite attempts, "
        "1 outbox message, 2 button lists"
    )


async def test_messages_still_to_send_are_never_deleted_however_old(
    session: AsyncSession,
) -> None:
    """Pending and sending messages stay at any age; sent, failed, unreachable and rerouted
    ones go."""
    ancient = NOW - dt.timedelta(days=3650)
    for status in OutboxStatus:
        await rows.outbox(session, ancient, status)
    await session.commit()

    counts = await purge_expired(session, POLICY, NOW)
    await session.commit()

    left = (await session.execute(select(col(OutboxMessage.status)))).scalars().all()
    assert sorted(left) == sorted([OutboxStatus.PENDING, OutboxStatus.SENDING])
    assert counts[OUTBOX] == 4


async def test_a_message_goes_by_its_last_activity_not_its_planning(
    session: AsyncSession,
) -> None:
    """Planned long ago but sent or last tried recently: kept until that, too, is past."""
    old = NOW - POLICY.outbox - dt.timedelta(days=30)
    recent = NOW - dt.timedelta(days=1)
    await rows.outbox(session, old, OutboxStatus.SENT, sent_at=recent)
    await rows.outbox(session, recent, OutboxStatus.FAILED, created_at=old)  # retried lately
    await rows.outbox(session, old, OutboxStatus.FAILED)
    await session.commit()

    counts = await purge_expired(session, POLICY, NOW)

    assert counts[OUTBOX] == 1
    assert await rows.count(session, OUTBOX) == 2


async def test_a_batch_deletes_at_most_its_size_per_table_and_the_rest_on_the_next_call(
    session: AsyncSession,
) -> None:
    """With a batch of 2, five expired updates go 2, 2, 1; fresh rows are never counted."""
    for _ in range(5):
        await rows.processed_update(session, NOW - dt.timedelta(days=31))
    await rows.processed_update(session, NOW)
    await session.commit()

    deleted = []
    for _ in range(4):
        deleted.append((await purge_expired(session, POLICY, NOW, batch=2))[PROCESSED_UPDATES])
        await session.commit()

    assert deleted == [2, 2, 1, 0]
    assert await rows.count(session, PROCESSED_UPDATES) == 1


async def test_a_second_purge_at_the_same_moment_deletes_nothing(
    session: AsyncSession,
) -> None:
    """The purge is idempotent: what is left at ``now`` is all within its time."""
    for table, (make, _model) in rows.MAKERS.items():
        await make(session, NOW - LIMITS[table] - SECOND)
        await make(session, NOW - LIMITS[table])
    await session.commit()

    first = await purge_expired(session, POLICY, NOW)
    await session.commit()
    second = await purge_expired(session, POLICY, NOW)

    assert first == dict.fromkeys(NOTHING, 1)
    assert second == NOTHING


@pytest.mark.parametrize(
    ("field", "period"),
    [
        ("processed_updates", dt.timedelta(days=1)),  # Telegram redelivers for 24 hours
        ("dialogs", dt.timedelta(days=1)),  # a conversation lives 2 idle days
        ("invite_attempts", dt.timedelta(minutes=10)),  # the attempt limit's window
        ("outbox", dt.timedelta(days=92)),  # the planner re-plans within a quarter
    ],
)
def test_a_policy_shorter_than_what_the_runtime_needs_is_refused(
    field: str, period: dt.timedelta
) -> None:
    """Deleting rows the runtime still reads would break dedupe, conversations or limits."""
    with pytest.raises(ValueError, match="kept"):
        RetentionPolicy(**{field: period})
