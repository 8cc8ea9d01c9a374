"""``coopbot run`` with Zalo: alone it needs --webhook; beside Telegram both share one app."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from bot.app import TelegramApplication, build_application, services, stop_background_services
from bot.cli import app as cli_app
from bot.cli.run_commands import _check_channels
from bot.webhook import build_webhook_app
from storage.db import Database
from storage.feedback import change_status
from storage.models import ChannelIdentity, Status
from tests import factories as f
from tests.conftest import database_url
from tests.fakes import FakeTelegram
from tests.fakes import zalo_events as events
from tests.fakes.zalo_api import FakeZalo
from tests.support.ports import free_port
from tests.support.processes import WAIT, BotProcess, coopbot, environment
from tests.telegram.conftest import TOKEN, telegram_settings
from tests.zalo.conftest import SECRET_KEY, USER, zalo_settings

ZALO_ENVIRONMENT = {
    "ZALO_APP_ID": events.APP_ID,
    "ZALO_APP_SECRET": "app-secret-42",
    "ZALO_OA_SECRET": events.OA_SECRET,
    "ZALO_ACCESS_TOKEN": "access-0",
    "ZALO_REFRESH_TOKEN": "refresh-0",
    "COOPBOT_SECRET_KEY": SECRET_KEY,
}


@pytest.fixture
def run_cli(empty_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Return a function running ``coopbot run`` with no channel settings but those given."""
    for name in ("TELEGRAM_BOT_TOKEN", *ZALO_ENVIRONMENT):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COOPBOT_DATABASE_URL", database_url(tmp_path))
    monkeypatch.chdir(tmp_path)  # no stray .env is read

    def invoke(*args: str, env: dict[str, str]):
        return CliRunner().invoke(cli_app, ["run", *args], env=env)

    return invoke


def test_zalo_alone_without_webhook_says_it_needs_webhook(run_cli) -> None:
    """Zalo only posts to a webhook, so `coopbot run` without --webhook exits 2 and says so."""
    result = run_cli(env=ZALO_ENVIRONMENT)

    assert result.exit_code == 2
    assert "Zalo needs --webhook" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_half_configured_zalo_names_what_is_missing(run_cli) -> None:
    """An app id without the secrets stops the bot with the missing variables named."""
    result = run_cli("--webhook", env={"ZALO_APP_ID": events.APP_ID})

    assert result.exit_code == 2
    assert "ZALO_APP_SECRET, ZALO_OA_SECRET" in result.output
    assert "Traceback" not in result.output


def test_zalo_without_the_secret_key_says_the_tokens_need_it(run_cli) -> None:
    """Zalo's stored tokens are sealed: without COOPBOT_SECRET_KEY the bot does not start."""
    environment = {k: v for k, v in ZALO_ENVIRONMENT.items() if k != "COOPBOT_SECRET_KEY"}

    result = run_cli("--webhook", env=environment)

    assert result.exit_code == 2
    assert "COOPBOT_SECRET_KEY is not set: Zalo's tokens are stored encrypted" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_telegram_alone_needs_no_secret_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Telegram-only deployment passes the channel checks without COOPBOT_SECRET_KEY."""
    monkeypatch.delenv("COOPBOT_SECRET_KEY", raising=False)
    settings = telegram_settings(tmp_path)
    assert settings.secret_key is None

    _check_channels(settings, webhook=False)  # exits (SystemExit) on a problem


@pytest.fixture
async def both(
    fake_telegram: FakeTelegram, fake_zalo: FakeZalo, db: Database, tmp_path: Path
) -> TelegramApplication:
    """Give the bot's application with Telegram and Zalo configured, against both fakes."""
    zalo = zalo_settings(tmp_path, fake_zalo).model_dump(include={*ZALO_FIELDS})
    settings = telegram_settings(tmp_path, fake_telegram, **zalo)
    application = build_application(settings, database=db)
    async with application:
        yield application
        # As post_shutdown would: stop the services, then close Zalo's HTTP client.
        await stop_background_services(application)
        zalo = services(application).zalo
        assert zalo is not None
        await zalo.aclose()


ZALO_FIELDS = (
    "zalo_app_id",
    "zalo_app_secret",
    "zalo_oa_secret",
    "zalo_access_token",
    "zalo_refresh_token",
    "zalo_api_base_url",
    "zalo_oauth_base_url",
    "secret_key",
)


async def test_with_both_channels_one_app_serves_both_webhooks(
    both: TelegramApplication,
) -> None:
    """/telegram/webhook and /zalo/webhook live side by side, each checking its own secret."""
    zalo = services(both).zalo
    assert zalo is not None
    app = build_webhook_app(both, "tg-secret-0123456789abcdefghijklmnop", zalo=zalo.channel)
    body, headers = events.signed(events.text(USER, "/help"))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bot.test"
    ) as http:
        assert (await http.post("/telegram/webhook", json={})).status_code == 401
        assert (await http.post("/zalo/webhook", content=body)).status_code == 401
        assert (await http.post("/zalo/webhook", content=body, headers=headers)).status_code == 200
        assert (await http.get("/healthz")).text == "ok"
    await zalo.channel.drain()


async def test_zalo_alone_serves_no_telegram_webhook() -> None:
    """Without Telegram the app has only the Zalo webhook and the health check."""
    app = build_webhook_app()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bot.test"
    ) as http:
        assert (await http.post("/telegram/webhook", json={})).status_code == 404
        assert (await http.get("/healthz")).status_code == 200


async def test_the_background_outbox_of_the_telegram_app_also_sends_on_zalo(
    both: TelegramApplication, fake_zalo: FakeZalo, demo_session: AsyncSession
) -> None:
    """After post_init a director registered on Zalo is told of an answer through Zalo."""
    director = await f.director_of(demo_session, "HTX Trinh Phú")
    now = dt.datetime.now(dt.UTC)
    demo_session.add(  # the director wrote lately: Zalo's reply window is open
        ChannelIdentity(
            channel="zalo", external_id=USER, person_id=director.person_id, last_seen_at=now
        )
    )
    item = await f.item(demo_session, director, now=now)
    official = await f.actor(
        demo_session, "official", unit_id=(await f.unit(demo_session, "Thành phố Cần Thơ")).id
    )
    await change_status(demo_session, official, item.id or 0, Status.RESOLVED, text="Đã xử lý.")
    await demo_session.commit()
    assert both.post_init is not None

    await both.post_init(both)

    (message,) = await fake_zalo.wait_for_messages(1, USER)
    assert item.reference in message["text"]


@pytest.mark.slow
async def test_coopbot_run_webhook_serves_zalo_alone_and_stops_cleanly(
    fake_zalo: FakeZalo, fake_telegram: FakeTelegram, empty_db: Database, tmp_path: Path
) -> None:
    """The real process answers a signed Zalo event through the fake, then stops on SIGTERM."""
    env = environment(tmp_path, fake_telegram)
    del env["TELEGRAM_BOT_TOKEN"], env["TELEGRAM_API_BASE_URL"]
    env.update(
        ZALO_ENVIRONMENT, ZALO_API_BASE_URL=fake_zalo.url, ZALO_OAUTH_BASE_URL=fake_zalo.url
    )
    await coopbot(tmp_path, env, "db", "upgrade")
    port = free_port()
    bot = BotProcess(tmp_path, env, "--webhook", "--port", str(port))
    try:
        await bot.start()
        body, headers = events.signed(events.text(USER, "xin chào"))
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            deadline = time.monotonic() + WAIT
            while True:
                try:
                    response = await http.post("/zalo/webhook", content=body, headers=headers)
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, bot.output()
                    await asyncio.sleep(0.1)
        assert response.status_code == 200, bot.output()
        (message,) = await fake_zalo.wait_for_messages(1, USER, timeout=WAIT)
        assert "/start" in message["text"]
        assert await bot.stop() == 0, bot.output()
        output = bot.output()
        assert "Traceback" not in output, output
        assert "access-0" not in output
        assert "refresh-0" not in output
        assert TOKEN not in output
    finally:
        await bot.kill()
