"""Outbox delivery through a misbehaving Bot API: 429, 500, lost requests and a blocked user."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.channels.telegram.channel import TelegramSender
from bot.outbox import OutboxPolicy, OutboxWorker
from storage.db import Database
from storage.demo_data import load_demo_data
from storage.feedback import change_status
from storage.models import ChannelIdentity, OutboxMessage, OutboxStatus, Status
from tests import factories as f
from tests.fakes import FakeTelegram
from tests.telegram.conftest import TOKEN

COOPERATIVES = [
    "HTX Trinh Phú",
    "HTX Lộc Mãi",
    "HTX Quyết Thắng",
    "HTX Thành Công",
    "HTX Tín Phát",
    "HTX An Thạnh",
]
ADMIN_CHAT = 9100


async def prepare(session: AsyncSession, fake: FakeTelegram) -> dict[int, str]:
    """Give six directors one answered item each, and an admin; return chat → reference."""
    await load_demo_data(session)
    official = await f.actor(
        session, "official", unit_id=(await f.unit(session, "Thành phố Cần Thơ")).id
    )
    expected: dict[int, str] = {}
    for n, name in enumerate(COOPERATIVES):
        chat = 5001 + n
        fake.add_user(chat, f"Director {n}")
        director = await f.director_of(session, name)
        session.add(
            ChannelIdentity(
                channel="telegram", external_id=str(chat), person_id=director.person_id
            )
        )
        item = await f.item(session, director, now=dt.datetime.now(dt.UTC))
        await change_status(session, official, item.id or 0, Status.ACKNOWLEDGED)
        expected[chat] = item.reference
    fake.add_user(ADMIN_CHAT, "Admin")
    admin = await f.actor(session, "admin")
    session.add(
        ChannelIdentity(channel="telegram", external_id=str(ADMIN_CHAT), person_id=admin.person_id)
    )
    await session.commit()
    return expected


async def drain(db: Database, worker: OutboxWorker, deadline: float = 30.0) -> None:
    """Run the worker until nothing is pending or being sent."""
    loop = asyncio.get_running_loop()
    stop_at = loop.time() + deadline
    while loop.time() < stop_at:
        await worker.run_once()
        async with db.session() as session:
            waiting = (
                (
                    await session.execute(
                        select(OutboxMessage).where(
                            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING])
                        )
                    )
                )
                .scalars()
                .all()
            )
        if not waiting:
            return
        await asyncio.sleep(0.2)
    raise AssertionError("the outbox did not drain in time")


async def test_every_message_arrives_once_and_a_blocked_user_is_reported(
    db: Database, session: AsyncSession, fake_telegram: FakeTelegram
) -> None:
    """Flood control, a server error and a lost request are retried; 403 stops and tells admins."""
    expected = await prepare(session, fake_telegram)
    fake_telegram.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    fake_telegram.fail_next("sendMessage", 500, "Internal Server Error")
    fake_telegram.stall_next("sendMessage", 1.5)
    fake_telegram.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    request = HTTPXRequest(
        connection_pool_size=4, read_timeout=0.5, write_timeout=0.5, connect_timeout=0.5
    )
    async with Bot(TOKEN, base_url=fake_telegram.base_url, request=request) as bot:
        worker = OutboxWorker(
            db,
            {"telegram": TelegramSender(bot)},
            policy=OutboxPolicy(base_delay=0.2, per_chat_interval=0),
        )
        await drain(db, worker)

    delivered: dict[int, list[str]] = {}
    for call in fake_telegram.calls("sendMessage"):
        if call.status == 200:
            delivered.setdefault(call.params["chat_id"], []).append(call.params["text"])
    async with db.session() as check:
        blocked = (
            (
                await check.execute(
                    select(ChannelIdentity).where(ChannelIdentity.unreachable_since.is_not(None))
                )
            )
            .scalars()
            .all()
        )
    assert [b.external_id for b in blocked] == ["5004"]
    for chat, reference in expected.items():
        texts = delivered.get(chat, [])
        if chat == 5004:
            assert texts == []
        else:
            assert len(texts) == 1, (chat, texts)
            assert reference in texts[0]
    [notice] = delivered[ADMIN_CHAT]
    assert "5004" in notice
    assert fake_telegram.violations == []
