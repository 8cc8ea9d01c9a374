"""PostgreSQL restarted under a running bot: no update lost, none answered twice, no restart.

The bot polls the fake Bot API with its own loop, which confirms an update only once it was
handled. The test stops the test's own PostgreSQL server (never the shared one), sends more
updates, starts the server again, and checks that every update got exactly one answer from
the same process, that ``/healthz`` said so meanwhile, and that the outbox sender still works.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from storage.db import Database
from storage.outbox import plan
from storage.outbox_payloads import RecipientUnreachable
from tests.fakes import FakeTelegram
from tests.faults.fan_out import deliveries
from tests.faults.postgres import ThrowawayPostgres
from tests.faults.waits import wait_until
from tests.support.ports import free_port
from tests.support.processes import WAIT, BotProcess, coopbot, environment

pytestmark = pytest.mark.slow

BEFORE = (7101, 7102, 7103)  # people who write while the database is up
DURING = (7104, 7105, 7106)  # people who write while it is down
RETRIED = 4 * WAIT  # deferred updates are tried again after 1, 2, 4 … seconds


async def health(http: httpx.AsyncClient) -> int:
    """Return the status of ``GET /healthz``."""
    return (await http.get("/healthz")).status_code


async def test_updates_sent_while_postgresql_is_down_are_answered_once_it_is_back(
    fake_telegram: FakeTelegram, throwaway_postgres: ThrowawayPostgres, tmp_path: Path
) -> None:
    """Stop PostgreSQL, write to the bot, start it: each update answered once, same process."""
    env = environment(tmp_path, fake_telegram)
    env["COOPBOT_DATABASE_URL"] = throwaway_postgres.url
    await coopbot(tmp_path, env, "db", "upgrade")
    metrics_port = free_port()
    bot = BotProcess(tmp_path, env, "--metrics-port", str(metrics_port))
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{metrics_port}", timeout=10) as http:
        try:
            await bot.start()
            for user in BEFORE:
                fake_telegram.push_command(user, "start")
            await wait_until(lambda: len(deliveries(fake_telegram)) == 3, WAIT, bot, "3 answers")
            assert await health(http) == 200

            await asyncio.to_thread(throwaway_postgres.stop)
            assert await health(http) == 503
            for user in DURING:
                fake_telegram.push_command(user, "start")
            await wait_until(
                lambda: "waits for the database" in bot.output(), WAIT, bot, "a deferred update"
            )
            await wait_until(lambda: "outbox paused" in bot.output(), WAIT, bot, "a paused outbox")
            await asyncio.to_thread(throwaway_postgres.start)

            await wait_until(lambda: len(deliveries(fake_telegram)) == 6, RETRIED, bot, "6 sent")
            assert await health(http) == 200
            database = Database(throwaway_postgres.url)
            try:
                async with database.transaction() as session:
                    await plan(
                        session,
                        dedupe_key="after-the-outage",
                        channel="telegram",
                        recipient=str(BEFORE[0]),
                        payload=RecipientUnreachable(
                            channel="telegram", recipient="0", reason="test"
                        ),
                    )
            finally:
                await database.close()
            await wait_until(
                lambda: deliveries(fake_telegram)[BEFORE[0]] == 2, WAIT, bot, "the outbox message"
            )
            metrics = (await http.get("/metrics")).text

            assert bot.process is not None
            assert bot.process.returncode is None
            assert len(bot.logs) == 1  # never restarted
            assert await bot.stop() == 0, bot.output()
        finally:
            await bot.kill()
    counted = deliveries(fake_telegram)
    assert counted == {**dict.fromkeys(BEFORE + DURING, 1), BEFORE[0]: 2}, bot.output()
    assert 'coopbot_updates_total{channel="telegram",outcome="handled"} 6.0' in metrics
    assert 'coopbot_updates_total{channel="telegram",outcome="unavailable"}' in metrics
    assert 'coopbot_outbox_sent_total{channel="telegram"} 1.0' in metrics
    assert fake_telegram.pending_updates() == []
    assert "sending resumed" in bot.output()
    assert "Traceback" not in bot.output(), bot.output()
