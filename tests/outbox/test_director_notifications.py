"""Status changes and comments by others reach the cooperative's directors through the outbox."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.base import PermanentFailure, RecipientUnreachable, RetryLater, TransientFailure
from bot.outbox import OutboxPolicy, OutboxWorker, backoff
from storage.db import Database
from storage.feedback import add_note, change_status
from storage.models import ChannelIdentity, OutboxMessage, OutboxStatus, Status
from tests import factories as f
from tests.support.senders import RecordingSender


async def registered_director(session: AsyncSession, external_id: str = "777"):
    """Create a director of HTX Trinh Phú reachable on Telegram."""
    director = await f.director_of(session, "HTX Trinh Phú")
    session.add(
        ChannelIdentity(channel="telegram", external_id=external_id, person_id=director.person_id)
    )
    await session.flush()
    return director


async def test_a_status_change_plans_one_message_per_director_account(
    demo_session: AsyncSession,
) -> None:
    """Acknowledging plans a message; a note plans none; the director's own move plans none."""
    director = await registered_director(demo_session)
    admin = await f.actor(demo_session, "admin")
    item = await f.item(demo_session, director)
    await change_status(demo_session, admin, item.id or 0, Status.ACKNOWLEDGED)
    await add_note(demo_session, admin, item.id or 0, "nội bộ", internal=True)
    await add_note(demo_session, director, item.id or 0, "Bổ sung thông tin", internal=False)
    rows = (await demo_session.execute(select(OutboxMessage))).scalars().all()
    assert [(r.recipient, r.payload["kind"]) for r in rows] == [("777", "item_event")]


async def test_the_worker_sends_in_the_directors_language(
    db: Database, demo_session: AsyncSession
) -> None:
    """A resolution reaches the director in Vietnamese with rating, confirm and reopen buttons."""
    director = await registered_director(demo_session)
    admin = await f.actor(demo_session, "admin")
    item = await f.item(demo_session, director)
    await change_status(
        demo_session, admin, item.id or 0, Status.RESOLVED, text="Ngân hàng đã duyệt khoản vay."
    )
    await demo_session.commit()
    sender = RecordingSender()
    worker = OutboxWorker(db, {"telegram": sender}, policy=OutboxPolicy(per_chat_interval=0))
    assert await worker.run_once() == 1
    assert await worker.run_once() == 0
    [(recipient, [reply])] = sender.sent
    assert recipient == "777"
    assert "đã được trả lời" in reply.text
    assert "Ngân hàng đã duyệt khoản vay." in reply.text
    payloads = [b.payload for row in reply.buttons for b in row]
    assert payloads == [
        f"my:s:{item.id}:1",
        f"my:s:{item.id}:3",
        f"my:s:{item.id}:5",
        f"my:c:{item.id}",
        f"my:r:{item.id}",
        f"my:i:{item.id}",
    ]


async def test_failures_are_retried_blocked_users_marked_and_bad_requests_dropped(
    db: Database, demo_session: AsyncSession
) -> None:
    """Transient errors and RetryAfter reschedule; Forbidden marks unreachable; 400 fails."""
    director = await registered_director(demo_session)
    admin = await f.actor(demo_session, "admin")
    item = await f.item(demo_session, director)
    await change_status(demo_session, admin, item.id or 0, Status.ACKNOWLEDGED, now=f.T0)
    await demo_session.commit()
    now = [dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)]
    sender = RecordingSender([TransientFailure("500"), RetryLater(7)])
    worker = OutboxWorker(
        db, {"telegram": sender}, clock=lambda: now[0], policy=OutboxPolicy(per_chat_interval=0)
    )
    await worker.run_once()  # 500 → back-off
    now[0] += dt.timedelta(hours=2)
    await worker.run_once()  # retry_after 7 s
    now[0] += dt.timedelta(seconds=8)
    await worker.run_once()  # delivered
    assert len(sender.sent) == 1
    async with db.session() as session:
        row = (await session.execute(select(OutboxMessage))).scalar_one()
        assert (row.status, row.attempts) == (OutboxStatus.SENT, 3)

    async with db.transaction() as session:
        await change_status(
            session, await f.actor(session, "admin"), item.id or 0, Status.IN_PROGRESS, now=now[0]
        )
        await change_status(
            session,
            await f.actor(session, "admin"),
            item.id or 0,
            Status.RESOLVED,
            text="xong",
            now=now[0],
        )
    blocked = RecordingSender([RecipientUnreachable("blocked"), PermanentFailure("400")])
    worker = OutboxWorker(
        db, {"telegram": blocked}, clock=lambda: now[0], policy=OutboxPolicy(per_chat_interval=0)
    )
    await worker.run_once()
    async with db.session() as session:
        statuses = sorted(
            r.status
            for r in (
                await session.execute(
                    select(OutboxMessage).where(OutboxMessage.status != OutboxStatus.SENT)
                )
            ).scalars()
        )
        identity = (await session.execute(select(ChannelIdentity))).scalar_one()
    assert statuses == [OutboxStatus.FAILED, OutboxStatus.UNREACHABLE]
    assert identity.unreachable_since is not None


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    """Each attempt waits about twice as long as the last, never beyond the cap."""
    import random

    policy = OutboxPolicy(base_delay=5, max_delay=60)
    rng = random.Random(1)
    delays = [backoff(n, policy, rng) for n in range(1, 8)]
    assert 2.5 <= delays[0] <= 5
    assert 5 <= delays[1] <= 10
    assert all(d <= 60 for d in delays)
    assert delays[-1] >= 30
