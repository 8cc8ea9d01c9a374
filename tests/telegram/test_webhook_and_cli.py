"""The webhook endpoint checks Telegram's secret; ``coopbot run`` refuses to start half-ready."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.app import TelegramApplication, build_application
from bot.cli import app as cli_app
from bot.webhook import SECRET_HEADER, WEBHOOK_PATH, build_webhook_app
from storage.db import Database
from storage.models import ProcessedUpdate
from tests.conftest import database_url
from tests.fakes import FakeTelegram
from tests.fakes import telegram_updates as tg
from tests.telegram.conftest import USER, telegram_settings

SECRET = "s3cret-Token_42-0123456789abcdefghij"


@pytest.fixture
async def application(db: Database, tmp_path: Path) -> TelegramApplication:
    """Give an application that is built but never talks to Telegram."""
    return build_application(telegram_settings(tmp_path), database=db)


@pytest.fixture
async def client(application: TelegramApplication) -> AsyncIterator[httpx.AsyncClient]:
    """Give an HTTP client calling the webhook app in-process."""
    transport = httpx.ASGITransport(app=build_webhook_app(application, SECRET))
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:
        yield http


def an_update(update_id: int = 700_001) -> dict[str, object]:
    """Return a raw update with a private text message."""
    chat = tg.private_chat(tg.user(USER, "Lan"))
    message = tg.message(1, chat, tg.user(USER, "Lan"), text="xin chào")
    return {"update_id": update_id, "message": message}


async def test_an_update_with_the_right_secret_is_handled_before_the_answer(
    fake_telegram: FakeTelegram, db: Database, tmp_path: Path
) -> None:
    """Telegram's POST gets its 200 only once the update is stored and answered."""
    fake_telegram.add_user(USER, "Lan")
    built = build_application(telegram_settings(tmp_path, fake_telegram), database=db)
    async with built:
        transport = httpx.ASGITransport(app=build_webhook_app(built, SECRET))
        async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:
            response = await http.post(
                WEBHOOK_PATH, json=an_update(), headers={SECRET_HEADER: SECRET}
            )

    assert response.status_code == 200
    assert [c.params["chat_id"] for c in fake_telegram.calls("sendMessage")] == [USER]
    async with db.session() as session:
        handled = await session.scalar(select(func.count()).select_from(ProcessedUpdate))
    assert handled == 1
    assert built.update_queue.empty()


@pytest.mark.parametrize(
    "headers", [{}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: "ß".encode("latin-1") * 15}]
)
async def test_a_call_without_the_right_secret_is_refused_and_nothing_is_queued(
    application: TelegramApplication, client: httpx.AsyncClient, headers: dict[str, object]
) -> None:
    """A missing, wrong or garbled secret token gets 401."""
    response = await client.post(WEBHOOK_PATH, json=an_update(), headers=headers)

    assert response.status_code == 401
    assert application.update_queue.empty()


async def test_the_health_check_answers_ok(client: httpx.AsyncClient) -> None:
    """GET /healthz is 200 with the text ok."""
    response = await client.get("/healthz")
    assert (response.status_code, response.text) == (200, "ok")


@pytest.fixture
def run_cli(empty_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Return a function running ``coopbot run`` with a clean environment."""
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_URL", "TELEGRAM_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COOPBOT_DATABASE_URL", database_url(tmp_path))
    monkeypatch.chdir(tmp_path)  # no stray .env is read

    def invoke(*args: str, env: dict[str, str] | None = None):
        return CliRunner().invoke(cli_app, ["run", *args], env=env)

    return invoke


def test_run_without_a_token_exits_with_one_clear_line(run_cli) -> None:
    """Without TELEGRAM_BOT_TOKEN the bot says so in one line and exits 2."""
    result = run_cli()

    assert result.exit_code == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_run_on_an_empty_database_asks_for_db_upgrade(run_cli) -> None:
    """A database that was never migrated stops the bot before it talks to Telegram."""
    result = run_cli(env={"TELEGRAM_BOT_TOKEN": "123:TEST"})

    assert result.exit_code == 1
    assert "run `coopbot db upgrade` first" in result.output
    assert "Traceback" not in result.output


def test_webhook_mode_needs_its_url_and_secret(run_cli) -> None:
    """--webhook without TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET exits 2."""
    result = run_cli("--webhook", env={"TELEGRAM_BOT_TOKEN": "123:TEST"})

    assert result.exit_code == 2
    assert "TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET" in result.output
