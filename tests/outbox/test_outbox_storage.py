"""The outbox: planning is idempotent, claiming is exclusive, outcomes are recorded."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import ChannelIdentity, OutboxMessage, OutboxStatus
from storage.outbox import (
    claim_due,
    mark_failed,
    mark_retry,
    mark_sent,
    mark_unreachable,
    plan,
)
from storage.outbox_admin import problem_messages, retry, status_counts
from storage.outbox_payloads import RecipientUnreachable

NOW = dt.datetime(2026, 4, 6, 1, 0, tzinfo=dt.UTC)

NOTICE = RecipientUnreachable(channel="telegram", recipient="0", reason="test")


async def plan_one(session: AsyncSession, key: str = "remind:2026Q2:person1", **kw) -> bool:
    """Plan a message with sensible defaults."""
    return await plan(
        session,
        dedupe_key=key,
        channel="telegram",
        recipient="42",
        payload=NOTICE,
        now=kw.pop("now", NOW),
        **kw,
    )


async def test_planning_twice_with_one_key_gives_one_message(session: AsyncSession) -> None:
    """The second plan with the same dedupe key is a no-op and says so."""
    assert await plan_one(session) is True
    assert await plan_one(session) is False
    assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


async def test_only_due_messages_are_claimed_and_a_claim_is_exclusive(
    session: AsyncSession,
) -> None:
    """A future message waits; a claimed one is not claimed again until its lease expires."""
    await plan_one(session, "due")
    await plan_one(session, "later", not_before=NOW + dt.timedelta(hours=1))
    first = await claim_due(session, now=NOW)
    assert [m.dedupe_key for m in first] == ["due"]
    assert first[0].status == OutboxStatus.SENDING
    assert first[0].attempts == 1
    assert await claim_due(session, now=NOW) == []
    expired = await claim_due(session, now=NOW + dt.timedelta(minutes=3))
    assert [m.dedupe_key for m in expired] == ["due"]


async def test_outcomes_are_recorded(session: AsyncSession) -> None:
    """Sent, retried, failed after the limit, refused and unreachable are each recorded."""
    for key in ("sent", "retried", "exhausted", "refused", "blocked"):
        await plan_one(session, key)
    session.add(ChannelIdentity(channel="telegram", external_id="42"))
    claimed = {m.dedupe_key: m.id for m in await claim_due(session, now=NOW)}
    await mark_sent(session, claimed["sent"], now=NOW)
    later = dt.timedelta(seconds=30)
    assert (
        await mark_retry(
            session, claimed["retried"], delay=later, error="500", max_attempts=3, now=NOW
        )
        == OutboxStatus.PENDING
    )
    assert (
        await mark_retry(
            session, claimed["exhausted"], delay=later, error="500", max_attempts=1, now=NOW
        )
        == OutboxStatus.FAILED
    )
    await mark_failed(session, claimed["refused"], "400 Bad Request")
    await mark_unreachable(session, claimed["blocked"], "bot was blocked", now=NOW)
    await session.flush()
    session.expire_all()
    assert await status_counts(session) == {"sent": 1, "pending": 1, "failed": 2, "unreachable": 1}
    identity = (await session.execute(select(ChannelIdentity))).scalar_one()
    assert identity.unreachable_reason == "bot was blocked"
    assert {m.dedupe_key for m in await problem_messages(session)} == {
        "exhausted",
        "refused",
        "blocked",
    }
    assert await retry(session, failed=True) == 2
    assert await retry(session, claimed["blocked"]) == 1
    assert await retry(session) == 0


async def test_two_workers_claiming_at_once_never_share_a_message(db: Database) -> None:
    """Concurrent claims (SKIP LOCKED on PostgreSQL) split the rows without overlap."""
    async with db.transaction() as session:
        for n in range(40):
            await plan_one(session, f"k{n}")

    async def worker() -> list[str]:
        taken: list[str] = []
        while True:
            async with db.transaction() as session:
                rows = await claim_due(session, limit=5, now=NOW)
                taken += [r.dedupe_key for r in rows]
            if not rows:
                return taken
            await asyncio.sleep(0)

    first, second = await asyncio.gather(worker(), worker())
    assert len(first) + len(second) == 40
    assert not set(first) & set(second)


async def test_a_worker_claims_only_the_channels_it_can_send_on(session: AsyncSession) -> None:
    """A web-only worker leaves Telegram's messages for the Telegram worker."""
    await plan_one(session, "tg")
    await plan(
        session,
        dedupe_key="web",
        channel="web",
        recipient="demo-director",
        payload=NOTICE,
        now=NOW,
    )
    claimed = await claim_due(session, now=NOW, channels=["web"])
    assert [m.dedupe_key for m in claimed] == ["web"]
    assert [m.dedupe_key for m in await claim_due(session, now=NOW)] == ["tg"]
