"""SQLite busy: another connection holds the write lock while a person writes to the bot.

The person is asked, in their language, to send it again; nothing of the update is kept (not
even the record that it was handled), and sending it again once the lock is gone works.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import ContextTypes

from bot.app import TelegramApplication, build_application, services
from bot.channels.telegram.channel import Outcome
from handlers.i18n import get_translator
from storage.db import Database
from storage.demo_data import load_demo_data
from storage.errors import Busy
from storage.models import ChannelIdentity, DialogState, ProcessedUpdate
from tests import factories as f
from tests.conftest import POSTGRES_URL, database_url
from tests.fakes import FakeTelegram
from tests.telegram.conftest import telegram_settings

pytestmark = pytest.mark.skipif(
    bool(POSTGRES_URL), reason="holds SQLite's file lock; PostgreSQL locks rows instead"
)

DIRECTOR = 5401
TEXT = "Máy sấy lúa của hợp tác xã hỏng, cần hỗ trợ sửa chữa trước vụ Đông Xuân."


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold SQLite's write lock on ``path`` from another connection (BEGIN EXCLUSIVE)."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        yield
        connection.execute("ROLLBACK")
    finally:
        connection.close()


async def deliver(application: TelegramApplication, raw: dict[str, Any]) -> Outcome:
    """Hand one update to the channel as the polling loop does, and return how it ended."""
    update = Update.de_json(raw, application.bot)
    return await services(application).channel.process(application, update)


async def test_a_locked_database_asks_the_person_to_send_again_and_keeps_nothing(
    fake_telegram: FakeTelegram, db: Database, session: AsyncSession, tmp_path: Path
) -> None:
    """With the write lock held elsewhere the text gets "busy, send again" and no state moves."""
    await load_demo_data(session)
    director = await f.director_of(session, "HTX Trinh Phú")
    session.add(
        ChannelIdentity(
            channel="telegram", external_id=str(DIRECTOR), person_id=director.person_id
        )
    )
    await session.commit()
    fake_telegram.add_user(DIRECTOR, "Tư", language_code="vi")
    impatient = Database(database_url(tmp_path), busy_timeout=0.2)
    application = build_application(telegram_settings(tmp_path, fake_telegram), database=impatient)
    errors: list[object] = []

    async def record_error(_update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        errors.append(context.error)

    application.add_error_handler(record_error)
    try:
        async with application:
            await deliver(application, fake_telegram.push_command(DIRECTOR, "report"))
            await deliver(application, fake_telegram.push_callback(DIRECTOR, "rp:kind:difficulty"))
            await deliver(application, fake_telegram.push_callback(DIRECTOR, "rp:cat:credit"))
            async with db.session() as check:
                before = (await check.execute(select(DialogState))).scalar_one()
            mark = len(fake_telegram.calls())

            with exclusive_lock(tmp_path / "test.db"):
                locked = fake_telegram.push_message(DIRECTOR, TEXT)
                outcome = await deliver(application, locked)
            busy_reply = fake_telegram.calls("sendMessage")[-1]

            again = fake_telegram.push_message(DIRECTOR, TEXT)
            assert await deliver(application, again) is Outcome.HANDLED
    finally:
        await impatient.close()

    busy = get_translator("vi").gettext(Busy.message)
    assert busy != Busy.message, "the busy answer has no Vietnamese translation"
    assert outcome is Outcome.HANDLED
    assert [c.method for c in fake_telegram.calls()[mark:]].count("sendMessage") >= 2
    assert (busy_reply.params["chat_id"], busy_reply.params["text"]) == (DIRECTOR, busy)
    async with db.session() as check:
        handled = set((await check.execute(select(ProcessedUpdate.update_id))).scalars())
        after = (await check.execute(select(DialogState))).scalar_one()
    assert str(locked["update_id"]) not in handled
    assert str(again["update_id"]) in handled
    assert (before.step, after.step) == ("text", "media")
    assert after.draft["text"] == TEXT
    assert errors == []
