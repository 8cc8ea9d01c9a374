"""Two webhook workers on one PostgreSQL database: a conversation and the outbox span both.

Two real ``coopbot run --webhook`` processes on two ports share the test database. Telegram's
updates alternate between them, so a director's report moves from worker A to worker B at
every step; then 200 planned messages are drained by both outbox senders at once, and the
fake Bot API must see every recipient exactly once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import time
import zoneinfo
from pathlib import Path
from typing import Any

import httpx
import pytest

from storage.db import Database
from storage.invites import normalize_code
from storage.models import OutboxStatus
from tests.conftest import POSTGRES_URL, database_url
from tests.fakes import FakeTelegram
from tests.faults.fan_out import deliveries, outbox_by_status, plan_fan_out
from tests.faults.waits import wait_until
from tests.support.buttons import press
from tests.support.ports import free_port
from tests.support.processes import WAIT, BotProcess, coopbot, environment

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(
        not POSTGRES_URL,
        reason="several workers share PostgreSQL; set COOPBOT_TEST_DATABASE_URL to run it",
    ),
]

DIRECTOR = 5501
SECRET = "scale-out-secret-0123456789abcdefghij"
RECIPIENTS = 200
FIRST_CHAT = 620_000


class Worker:
    """One ``coopbot run --webhook`` process and an HTTP client for its port."""

    def __init__(self, tmp_path: Path, env: dict[str, str], name: str) -> None:
        self.port = free_port()
        self.process = BotProcess(tmp_path / name, env, "--webhook", "--port", str(self.port))
        self.http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.port}", timeout=30)

    async def start(self) -> None:
        """Start the process and wait until its health check says the database answers."""
        self.process.tmp_path.mkdir()
        await self.process.start()
        deadline = time.monotonic() + WAIT
        while True:
            try:
                if (await self.http.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, self.process.output()
            await asyncio.sleep(0.1)

    async def post(self, update: dict[str, Any]) -> None:
        """Post one update as Telegram does; the worker answers once it handled it."""
        response = await self.http.post(
            "/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
        assert response.status_code == 200, self.process.output()

    async def sent(self) -> float:
        """Return how many outbox messages this worker delivered, from its /metrics."""
        text = (await self.http.get("/metrics")).text
        found = re.search(r'^coopbot_outbox_sent_total\{channel="telegram"\} (\S+)$', text, re.M)
        return float(found.group(1)) if found else 0.0


async def test_two_webhook_workers_share_a_conversation_and_drain_the_outbox_once(
    fake_telegram: FakeTelegram, empty_db: Database, tmp_path: Path
) -> None:
    """Steps alternate between workers A and B; 200 messages reach 200 people once each."""
    env = environment(
        tmp_path,
        fake_telegram,
        TELEGRAM_WEBHOOK_URL="https://bot.example.org/telegram/webhook",
        TELEGRAM_WEBHOOK_SECRET=SECRET,
    )
    await coopbot(tmp_path, env, "db", "upgrade")
    await coopbot(tmp_path, env, "demo-data", "load")
    invite = await coopbot(
        tmp_path, env, "invite", "--role", "director", "--cooperative", "HTX Trinh Phú", "--json"
    )
    fake_telegram.add_user(DIRECTOR, "Tư")
    workers = [Worker(tmp_path, env, "a"), Worker(tmp_path, env, "b")]
    database = Database(database_url(tmp_path))
    try:
        for worker in workers:
            await worker.start()
        a, b = workers
        text = "Thiếu kho lạnh bảo quản nông sản sau thu hoạch; cần hỗ trợ vốn đầu tư."
        code = json.loads(invite)["code"]
        await a.post(fake_telegram.push_command(DIRECTOR, "start", code))
        await b.post(press(fake_telegram, DIRECTOR, f"pv:ok:{normalize_code(code)}"))
        await b.post(fake_telegram.push_command(DIRECTOR, "report"))
        await a.post(press(fake_telegram, DIRECTOR, "rp:kind:proposal"))
        await b.post(press(fake_telegram, DIRECTOR, "rp:cat:credit"))
        await a.post(fake_telegram.push_message(DIRECTOR, text))
        await b.post(press(fake_telegram, DIRECTOR, "rp:done"))
        await a.post(press(fake_telegram, DIRECTOR, "rp:send"))
        year = dt.datetime.now(zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")).year
        receipts = [t for t in fake_telegram.sent_texts(DIRECTOR) if f"PA-{year}-000001" in t]
        assert len(receipts) == 1, fake_telegram.sent_texts(DIRECTOR)

        chats = await plan_fan_out(database, fake_telegram, FIRST_CHAT, RECIPIENTS)
        await wait_until(
            lambda: len(deliveries(fake_telegram, chats)) == RECIPIENTS,
            4 * WAIT,
            a.process,
            "every delivery",
        )
        by_worker = [await worker.sent() for worker in workers]
        statuses = await outbox_by_status(database)
        for worker in workers:
            assert await worker.process.stop() == 0, worker.process.output()
    finally:
        for worker in workers:
            await worker.process.kill()
            await worker.http.aclose()
        await database.close()
    delivered = deliveries(fake_telegram, chats)
    assert sorted(delivered) == chats
    assert set(delivered.values()) == {1}
    assert statuses[OutboxStatus.SENT] >= RECIPIENTS
    assert sum(by_worker) >= RECIPIENTS
    assert min(by_worker) > 0, f"one worker sent nothing: {by_worker}"
    assert fake_telegram.violations == []
    for worker in workers:
        assert "Traceback" not in worker.process.output(), worker.process.output()
