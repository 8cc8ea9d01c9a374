"""Each claim is one delivery attempt: a stale worker cannot overwrite a newer attempt, and a
message interrupted by a crash is sent again (the one place a message may arrive twice).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.outbox import OutboxPolicy, OutboxWorker
from storage.db import Database
from storage.models import OutboxMessage, OutboxStatus
from storage.outbox import INTERRUPTED, claim_due, mark_retry, mark_sent, plan
from storage.outbox_payloads import RecipientUnreachable
from tests.support.senders import RecordingSender

NOW = dt.datetime(2026, 4, 6, 1, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(seconds=30)
NOTICE = RecipientUnreachable(channel="telegram", recipient="0", reason="test")


async def plan_notice(session: AsyncSession) -> None:
    """Plan one message that renders to text."""
    await plan(
        session,
        dedupe_key="notice",
        channel="telegram",
        recipient="42",
        payload=NOTICE,
        now=NOW,
    )


async def test_an_outcome_is_recorded_only_by_the_attempt_that_holds_the_row(
    session: AsyncSession,
) -> None:
    """After a takeover the first attempt's late "retry" and "sent" change nothing."""
    await plan_notice(session)
    (first,) = await claim_due(session, now=NOW, lease=LEASE)
    first_attempt = first.attempts
    (second,) = await claim_due(session, now=NOW + 2 * LEASE, lease=LEASE)
    assert (first_attempt, second.attempts, second.last_error) == (1, 2, INTERRUPTED)

    status = await mark_retry(
        session,
        second.id or 0,
        delay=dt.timedelta(seconds=5),
        error="late",
        max_attempts=8,
        now=NOW,
        attempt=1,
    )
    assert status == OutboxStatus.SENDING
    assert await mark_sent(session, second.id or 0, NOW, attempt=1) is False
    assert await mark_sent(session, second.id or 0, NOW, attempt=2) is True
    row = await session.get(OutboxMessage, second.id)
    await session.refresh(row)
    assert row is not None
    assert (row.status, row.last_error) == (OutboxStatus.SENT, None)


async def test_a_message_whose_sender_died_mid_send_is_sent_again_after_its_lease(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """A claim never finished (kill -9 after the send) is retried once the lease ran out."""
    async with db.transaction() as session:
        await plan_notice(session)
        await claim_due(session, now=NOW, lease=LEASE)  # a worker that died while sending
    sender = RecordingSender()
    policy = OutboxPolicy(lease=LEASE)
    early = OutboxWorker(db, {"telegram": sender}, policy=policy, clock=lambda: NOW + LEASE / 2)
    late = OutboxWorker(db, {"telegram": sender}, policy=policy, clock=lambda: NOW + 2 * LEASE)

    assert await early.run_once() == 0
    assert await late.run_once() == 1

    assert [recipient for recipient, _ in sender.sent] == ["42"]
    assert "an earlier attempt was interrupted" in caplog.text
    async with db.session() as session:
        (row,) = (await session.execute(OutboxMessage.__table__.select())).all()
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 2)
