"""Fixtures for the Zalo channel: the real channel, built against the fake Zalo OA API.

``zalo`` is what ``coopbot run --webhook`` builds for Zalo (client, tokens, messenger,
channel, sender) with its API and OAuth base URLs pointed at the fake and the test's
database; ``webhook`` posts signed events to the same web app the bot serves and waits until
they are handled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import handler_config
from bot.channels.zalo.channel import ZaloService, build_zalo
from bot.settings import Settings
from bot.webhook import build_webhook_app
from handlers.router import Router
from storage.db import Database
from storage.invites import create_invite
from storage.models import utcnow
from storage.secret_box import SecretBox
from tests import factories as f
from tests.conftest import database_url
from tests.fakes import zalo_events as events
from tests.fakes.zalo_api import FakeZalo

USER = "8412345678901234567"
WEBHOOK = "/zalo/webhook"
# A fixed Fernet key for tests (COOPBOT_SECRET_KEY): Zalo's stored tokens are sealed with it.
SECRET_KEY = "e7515OCGCqRrlbppLuXrnqLnuBpqRIPzY_mAo3EHmx4="
BOX = SecretBox([SECRET_KEY])

Post = Callable[..., Awaitable[httpx.Response]]


def zalo_settings(tmp_path: Path, fake: FakeZalo | None = None, **extra: Any) -> Settings:
    """Return settings for a Zalo-only bot talking to ``fake`` (no .env file is read)."""
    values: dict[str, Any] = {
        "database_url": database_url(tmp_path),
        "default_locale": "vi",
        "zalo_app_id": events.APP_ID,
        "zalo_app_secret": "app-secret-42",
        "zalo_oa_secret": events.OA_SECRET,
        "zalo_access_token": "access-0",
        "zalo_refresh_token": "refresh-0",
        "secret_key": SECRET_KEY,
        "files_dir": tmp_path / "files",
    }
    if fake is not None:
        values.update(
            zalo_api_base_url=fake.url,
            zalo_oauth_base_url=fake.url,
            zalo_template_api_base_url=fake.url,
        )
    values.update(extra)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def zalo(fake_zalo: FakeZalo, db: Database, tmp_path: Path) -> AsyncIterator[ZaloService]:
    """Give the Zalo channel and sender of a bot, against the fake and the test database."""
    settings = zalo_settings(tmp_path, fake_zalo)
    service = build_zalo(settings, db, Router(db, handler_config(settings)))
    yield service
    await service.aclose()


@pytest.fixture
async def http(zalo: ZaloService) -> AsyncIterator[httpx.AsyncClient]:
    """Give an HTTP client calling the bot's webhook app in-process."""
    transport = httpx.ASGITransport(app=build_webhook_app(zalo=zalo.channel))
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as client:
        yield client


@pytest.fixture
def webhook(http: httpx.AsyncClient, zalo: ZaloService, fake_zalo: FakeZalo) -> Post:
    """Return a function that posts a signed event and waits until the bot has handled it."""

    async def post(raw: dict[str, Any], **signing: str) -> httpx.Response:
        # Zalo saw the person write before it posts the event: the reply window opens first.
        fake_zalo.note_event(raw)
        body, headers = events.signed(raw, **signing)
        response = await http.post(WEBHOOK, content=body, headers=headers)
        await zalo.channel.drain()
        return response

    return post


async def director_code(session: AsyncSession) -> str:
    """Create and commit a director invite for HTX Trinh Phú valid now; return its code."""
    cooperative = await f.cooperative(session, "HTX Trinh Phú")
    issued = await create_invite(
        session, role="director", cooperative_id=cooperative.id, now=utcnow()
    )
    await session.commit()
    return issued.code


def texts(messages: list[dict[str, Any]]) -> list[str]:
    """Return the texts of sent messages (attachments without text give "")."""
    return [message.get("text", "") for message in messages]


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    """Return (title, payload) of the buttons under a sent message."""
    payload = (message.get("attachment") or {}).get("payload") or {}
    return [(button["title"], button["payload"]) for button in payload.get("buttons", [])]


def minutes_ago(minutes: float) -> str:
    """Return a Zalo timestamp ``minutes`` in the past."""
    return events.now_ms(-dt.timedelta(minutes=minutes).total_seconds())
