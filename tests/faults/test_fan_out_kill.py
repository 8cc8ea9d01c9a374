"""``kill -9`` of the bot in the middle of a 1,000-recipient fan-out: everyone gets it once.

The real ``coopbot run`` drains the outbox against the fake Bot API. After some hundreds of
messages the next ``sendMessage`` is made to hang inside the fake server (the request never
reaches "Telegram"), and the bot is killed while it waits: the one message in doubt is then
known not to have been delivered, so the assertion can be exact. After a restart, that message
is sent again when its lease runs out and every other one is sent once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.db import Database
from storage.models import OutboxStatus
from tests.conftest import database_url
from tests.fakes import FakeTelegram
from tests.faults.fan_out import deliveries, outbox_by_status, plan_fan_out
from tests.faults.waits import wait_until
from tests.support.processes import BotProcess, coopbot, environment

pytestmark = pytest.mark.slow

RECIPIENTS = 1_000
KILL_AFTER = 300
FIRST_CHAT = 610_000
LEASE_SECONDS = 3
DRAIN_WAIT = 150.0  # seconds; 1,000 messages at Telegram's 30 a second take about 35


async def test_every_recipient_gets_the_reminder_once_through_a_kill_9(
    fake_telegram: FakeTelegram, empty_db: Database, tmp_path: Path
) -> None:
    """Kill -9 while a send hangs after 300 deliveries, restart: 1,000 recipients, once each."""
    env = environment(tmp_path, fake_telegram, COOPBOT_OUTBOX_LEASE_SECONDS=str(LEASE_SECONDS))
    await coopbot(tmp_path, env, "db", "upgrade")
    database = Database(database_url(tmp_path))
    try:
        chats = await plan_fan_out(database, fake_telegram, FIRST_CHAT, RECIPIENTS)
        bot = BotProcess(tmp_path, env)
        try:
            await bot.start()
            await wait_until(
                lambda: sum(deliveries(fake_telegram, chats).values()) >= KILL_AFTER,
                DRAIN_WAIT,
                bot,
                f"{KILL_AFTER} deliveries",
            )
            fake_telegram.stall_next("sendMessage", 60)
            await wait_until(lambda: fake_telegram.stalls_begun == 1, 30, bot, "a hanging send")
            await bot.kill()

            delivered = deliveries(fake_telegram, chats)
            statuses = await outbox_by_status(database)
            assert statuses.get(OutboxStatus.SENDING) == 1, statuses  # the one in doubt
            assert statuses.get(OutboxStatus.SENT) == sum(delivered.values()) >= KILL_AFTER
            assert set(delivered.values()) == {1}

            await bot.start()
            await wait_until(
                lambda: len(deliveries(fake_telegram, chats)) == RECIPIENTS,
                DRAIN_WAIT,
                bot,
                "every delivery",
            )
            assert await bot.stop() == 0, bot.output()
        finally:
            await bot.kill()
        delivered = deliveries(fake_telegram, chats)
        assert sorted(delivered) == chats
        assert set(delivered.values()) == {1}, [c for c, n in delivered.items() if n > 1]
        assert await outbox_by_status(database) == {OutboxStatus.SENT: RECIPIENTS}
        assert "an earlier attempt was interrupted" in bot.output()
        assert "Traceback" not in bot.output(), bot.output()
    finally:
        await database.close()
