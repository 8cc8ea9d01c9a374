"""``/healthz`` checks the database; ``/metrics`` counts updates and reads the outbox."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.app import TelegramApplication, build_application
from bot.metrics import Metrics
from bot.ops import ServeError, build_ops_app, ops_server
from bot.webhook import SECRET_HEADER, WEBHOOK_PATH, build_webhook_app
from storage.db import Database
from storage.models import utcnow
from storage.outbox import plan
from storage.outbox_payloads import RecipientUnreachable
from tests.fakes import FakeTelegram
from tests.support.ports import free_port
from tests.telegram.conftest import telegram_settings

SECRET = "ops-secret-0123456789abcdefghijklmnop"
USER = 4301


def sample(metrics: str, name: str) -> float | None:
    """Return the value of one sample (name with labels) in a metrics page, or None."""
    found = re.search(rf"^{re.escape(name)} (\S+)$", metrics, re.MULTILINE)
    return float(found.group(1)) if found else None


@pytest.fixture
async def application(
    fake_telegram: FakeTelegram, db: Database, tmp_path: Path
) -> AsyncIterator[TelegramApplication]:
    """Give an initialised application talking to the fake Bot API."""
    fake_telegram.add_user(USER, "Lan")
    built = build_application(telegram_settings(tmp_path, fake_telegram), database=db)
    async with built:
        yield built


@pytest.fixture
async def client(application: TelegramApplication) -> AsyncIterator[httpx.AsyncClient]:
    """Give an HTTP client of the webhook app, in-process."""
    transport = httpx.ASGITransport(app=build_webhook_app(application, SECRET))
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:
        yield http


async def test_the_health_check_is_ok_while_the_database_answers(
    client: httpx.AsyncClient,
) -> None:
    """GET /healthz on the webhook app runs SELECT 1 and answers 200 ok."""
    response = await client.get("/healthz")
    assert (response.status_code, response.text) == (200, "ok")


async def test_the_health_check_is_503_when_the_database_does_not_answer() -> None:
    """A database server that refuses connections makes /healthz 503 and /metrics say so."""
    unreachable = Database(f"postgresql://postgres@127.0.0.1:{free_port()}/coopbot")
    transport = httpx.ASGITransport(app=build_ops_app(unreachable, Metrics()))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://ops.test") as http:
            health = await http.get("/healthz")
            metrics = await http.get("/metrics")
    finally:
        await unreachable.close()
    assert (health.status_code, health.text) == (503, "database unavailable")
    assert metrics.status_code == 200
    assert sample(metrics.text, "coopbot_database_up") == 0


async def test_metrics_count_handled_and_duplicate_updates_and_read_the_outbox(
    client: httpx.AsyncClient, fake_telegram: FakeTelegram, db: Database
) -> None:
    """One update posted twice is handled once and seen once as a duplicate; the queue shows."""
    update = fake_telegram.push_command(USER, "help")
    for _ in range(2):
        posted = await client.post(WEBHOOK_PATH, json=update, headers={SECRET_HEADER: SECRET})
        assert posted.status_code == 200
    overdue = utcnow() - dt.timedelta(minutes=10)
    async with db.transaction() as session:
        for key, due in (("overdue", overdue), ("later", utcnow() + dt.timedelta(days=1))):
            await plan(
                session,
                dedupe_key=key,
                channel="web",
                recipient="nobody",
                payload=RecipientUnreachable(channel="web", recipient="nobody", reason="test"),
                not_before=due,
                now=overdue,
            )

    response = await client.get("/metrics")

    assert response.headers["content-type"].startswith("text/plain")
    page = response.text
    assert sample(page, 'coopbot_updates_total{channel="telegram",outcome="handled"}') == 1
    assert sample(page, 'coopbot_updates_total{channel="telegram",outcome="duplicate"}') == 1
    assert sample(page, 'coopbot_outbox_messages{status="pending"}') == 2
    assert sample(page, 'coopbot_outbox_messages{status="sent"}') == 0
    assert (sample(page, "coopbot_outbox_oldest_due_seconds") or 0) >= 600
    assert sample(page, "coopbot_database_up") == 1


async def test_the_polling_mode_metrics_server_serves_and_refuses_a_taken_port(
    db: Database,
) -> None:
    """ops_server answers /metrics on its port; a second one on the same port cannot start."""
    port = free_port()
    metrics = Metrics()
    metrics.count_update("telegram", "handled")
    async with ops_server(db, metrics, host="127.0.0.1", port=port):
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            page = (await http.get("/metrics")).text
            health = await http.get("/healthz")
        with pytest.raises(ServeError):
            async with ops_server(db, Metrics(), host="127.0.0.1", port=port):
                pass
    assert sample(page, 'coopbot_updates_total{channel="telegram",outcome="handled"}') == 1
    assert health.status_code == 200
