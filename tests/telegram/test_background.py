"""The bot's background services: status changes reach the director through the outbox."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import TelegramApplication
from storage.db import Database
from storage.demo_data import load_demo_data
from storage.feedback import change_status
from storage.models import ChannelIdentity, Status
from tests import factories as f
from tests.fakes import FakeTelegram
from tests.telegram.conftest import USER


async def test_an_answer_reaches_the_director_on_telegram(
    application: TelegramApplication,
    fake_telegram: FakeTelegram,
    db: Database,
    session: AsyncSession,
) -> None:
    """After post_init the outbox worker sends the resolution to the director's chat."""
    await load_demo_data(session)
    director = await f.director_of(session, "HTX Trinh Phú")
    session.add(
        ChannelIdentity(channel="telegram", external_id=str(USER), person_id=director.person_id)
    )
    item = await f.item(session, director, now=dt.datetime.now(dt.UTC))
    official = await f.actor(
        session, "official", unit_id=(await f.unit(session, "Thành phố Cần Thơ")).id
    )
    await change_status(
        session, official, item.id or 0, Status.RESOLVED, text="Đã bố trí vốn vay ưu đãi."
    )
    await session.commit()
    assert application.post_init is not None
    await application.post_init(application)
    call = await fake_telegram.wait_for(
        lambda c: c.method == "sendMessage" and "Đã bố trí vốn vay ưu đãi." in c.params["text"],
        timeout=10,
    )
    assert call.params["chat_id"] == USER
    assert item.reference in call.params["text"]
    assert fake_telegram.violations == []
