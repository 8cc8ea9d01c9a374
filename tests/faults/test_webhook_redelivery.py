"""Telegram delivers the same webhook update three times: one item, one receipt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import build_application
from bot.webhook import SECRET_HEADER, WEBHOOK_PATH, build_webhook_app
from storage.db import Database
from storage.demo_data import load_demo_data
from storage.models import ChannelIdentity, FeedbackItem
from tests import factories as f
from tests.fakes import FakeTelegram
from tests.support.buttons import press
from tests.telegram.conftest import telegram_settings

DIRECTOR = 5301
SECRET = "redelivery-secret-0123456789abcdefghij"


async def test_a_report_sent_three_times_by_webhook_is_filed_once(
    fake_telegram: FakeTelegram, db: Database, session: AsyncSession, tmp_path: Path
) -> None:
    """The director's "Send" update posted three times with one update_id makes one item."""
    await load_demo_data(session)
    director = await f.director_of(session, "HTX Trinh Phú")
    identity = ChannelIdentity(
        channel="telegram", external_id=str(DIRECTOR), person_id=director.person_id
    )
    session.add(identity)
    await session.commit()
    fake_telegram.add_user(DIRECTOR, "Tư")
    application = build_application(telegram_settings(tmp_path, fake_telegram), database=db)
    transport = httpx.ASGITransport(app=build_webhook_app(application, SECRET))
    async with (
        application,
        httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http,
    ):

        async def post(update: dict[str, Any]) -> int:
            response = await http.post(WEBHOOK_PATH, json=update, headers={SECRET_HEADER: SECRET})
            return response.status_code

        assert await post(fake_telegram.push_command(DIRECTOR, "report")) == 200
        assert await post(press(fake_telegram, DIRECTOR, "rp:kind:difficulty")) == 200
        assert await post(press(fake_telegram, DIRECTOR, "rp:cat:credit")) == 200
        text = "Giá phân bón tăng gấp đôi; xã viên không đủ vốn cho vụ Hè Thu năm nay."
        assert await post(fake_telegram.push_message(DIRECTOR, text)) == 200
        assert await post(press(fake_telegram, DIRECTOR, "rp:done")) == 200
        send = press(fake_telegram, DIRECTOR, "rp:send")
        statuses = [await post(send) for _ in range(3)]

    assert statuses == [200, 200, 200]
    async with db.session() as check:
        (item,) = (await check.execute(select(FeedbackItem))).scalars().all()
    assert item.text == text
    receipts = [t for t in fake_telegram.sent_texts(DIRECTOR) if item.reference in t]
    assert len(receipts) == 1
