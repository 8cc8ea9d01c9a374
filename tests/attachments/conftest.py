"""Fixtures for files that travel between channels: Telegram, Zalo and the web chat at once.

All three are the real channels on one test database and one file store (``tmp_path/files``,
where the Telegram and Zalo settings of the tests put it), against the fake Bot API and the
fake Zalo OA API. People are stored directly, each with the accounts a test needs.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import TelegramApplication, build_application, handler_config
from bot.channels.web.app import WebChatContext, create_web_app
from bot.channels.web.hub import WebHub
from bot.channels.zalo.channel import ZaloService, build_zalo
from bot.clock import DemoClock
from bot.files import FileStore
from bot.webhook import build_webhook_app
from handlers.router import Router
from storage.db import Database
from storage.demo_personas import ensure_personas
from storage.models import Attachment, ChannelIdentity, FeedbackItem, utcnow
from tests import factories as f
from tests.fakes import FakeTelegram
from tests.fakes import zalo_events as events
from tests.fakes.zalo_api import FakeZalo
from tests.support.buttons import press
from tests.support.web import DEMO_ADDRESS, page_client
from tests.telegram.conftest import deliver, telegram_settings
from tests.zalo.conftest import zalo_settings

TELEGRAM_DIRECTOR = 4201
TELEGRAM_OFFICIAL = 4301
ZALO_DIRECTOR = "8400000000000000001"
ZALO_OFFICIAL = "8400000000000000002"
REFERENCE = re.compile(r"PA-\d{4}-\d{6}")
# A small JPEG's first and last bytes are enough for every channel: none of them decodes it.
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4 + b"\xff\xd9"
PDF = b"%PDF-1.4\n" + b"ke hoach vay von " * 64 + b"\n%%EOF\n"

Post = Callable[[dict[str, Any]], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class People:
    """A director and an official of Thành phố Cần Thơ, each on Telegram and on Zalo."""

    director_id: int
    official_id: int


@pytest.fixture
async def people(demo_session: AsyncSession) -> People:
    """Store the director of HTX Trinh Phú and an official of the city, on both platforms."""
    director = await f.director_of(demo_session, "HTX Trinh Phú")
    city = await f.unit(demo_session, "Thành phố Cần Thơ")
    official = await f.actor(demo_session, "official", unit_id=city.id, name="Cán bộ")
    accounts = [
        ("telegram", str(TELEGRAM_DIRECTOR), director.person_id),
        ("zalo", ZALO_DIRECTOR, director.person_id),
        ("telegram", str(TELEGRAM_OFFICIAL), official.person_id),
        ("zalo", ZALO_OFFICIAL, official.person_id),
    ]
    demo_session.add_all(
        ChannelIdentity(channel=channel, external_id=external_id, person_id=person_id)
        for channel, external_id, person_id in accounts
    )
    await demo_session.commit()
    return People(director.person_id, official.person_id)


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    """Give the file store every channel of the test keeps its copies in."""
    return FileStore(tmp_path / "files")


@pytest.fixture
async def telegram(
    fake_telegram: FakeTelegram, db: Database, tmp_path: Path, people: People
) -> AsyncIterator[TelegramApplication]:
    """Give the bot's Telegram application against the fake Bot API."""
    fake_telegram.add_user(TELEGRAM_DIRECTOR, "Tư", language_code="vi")
    fake_telegram.add_user(TELEGRAM_OFFICIAL, "Tâm", language_code="vi")
    built = build_application(telegram_settings(tmp_path, fake_telegram), database=db)
    async with built:
        yield built


@pytest.fixture
async def zalo(
    fake_zalo: FakeZalo, db: Database, tmp_path: Path, store: FileStore, people: People
) -> AsyncIterator[ZaloService]:
    """Give the bot's Zalo channel against the fake Zalo OA API."""
    settings = zalo_settings(tmp_path, fake_zalo)
    service = build_zalo(settings, db, Router(db, handler_config(settings)), store)
    yield service
    await service.aclose()


@pytest.fixture
async def zalo_event(zalo: ZaloService, fake_zalo: FakeZalo) -> AsyncIterator[Post]:
    """Return a function that posts a signed Zalo event and waits until it is handled."""
    transport = httpx.ASGITransport(app=build_webhook_app(zalo=zalo.channel))
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:

        async def post(raw: dict[str, Any]) -> httpx.Response:
            # Zalo saw the person write before it posts the event: the reply window opens first.
            fake_zalo.note_event(raw)
            body, headers = events.signed(raw)
            response = await http.post("/zalo/webhook", content=body, headers=headers)
            await zalo.channel.drain()
            assert response.status_code == 200
            return response

        yield post


@pytest.fixture
async def web(
    db: Database, demo_session: AsyncSession, tmp_path: Path, store: FileStore
) -> AsyncIterator[tuple[WebChatContext, httpx.AsyncClient]]:
    """Give the web chat (its personas admitted, at the real time) and a client of its app."""
    clock = DemoClock(tmp_path / "clock.json", real_now=utcnow)
    await ensure_personas(demo_session, "web", locale="vi", now=clock.now())
    await demo_session.commit()
    config = handler_config(telegram_settings(tmp_path))
    context = WebChatContext(
        database=db,
        router=Router(db, config, clock=clock.now),
        hub=WebHub(store, clock.now),
        files=store,
        clock=clock,
        config=config,
        address=DEMO_ADDRESS,
    )
    async with page_client(create_web_app(context)) as client:
        yield context, client


async def telegram_report(
    application: TelegramApplication, fake: FakeTelegram, files: list[dict[str, Any]]
) -> str:
    """File a difficulty as the Telegram director, sending ``files`` (queued updates) at the
    files step; return the item's reference."""
    chat = TELEGRAM_DIRECTOR
    await deliver(application, fake.push_command(chat, "report"))
    for payload in ("rp:kind:difficulty", "rp:cat:credit"):
        await deliver(application, press(fake, chat, payload))
    await deliver(application, fake.push_message(chat, "Thiếu vốn lưu động cho vụ Hè Thu."))
    for file in files:
        await deliver(application, file)
    for payload in ("rp:done", "rp:send"):
        await deliver(application, press(fake, chat, payload))
    return reference_in(fake.sent_texts(chat)[-1])


async def zalo_report(post: Post, fake: FakeZalo, file_events: list[dict[str, Any]]) -> str:
    """File a difficulty as the Zalo director, sending ``file_events`` at the files step;
    return the item's reference."""
    user = ZALO_DIRECTOR
    for line in ("/report", "rp:kind:difficulty", "rp:cat:credit"):
        await post(events.text(user, line))
    await post(events.text(user, "Thiếu vốn lưu động cho vụ Hè Thu."))
    for event in file_events:
        await post(event)
    for line in ("rp:done", "rp:send"):
        await post(events.text(user, line))
    return reference_in(fake.messages(user)[-1].get("text", ""))


async def web_report(client: httpx.AsyncClient, name: str, content: bytes, mime: str) -> None:
    """File a difficulty as the web chat's director, with one uploaded file."""
    url = "/api/personas/director/messages"
    await client.post(url, json={"text": "/report"})
    for payload in ("rp:kind:difficulty", "rp:cat:credit"):
        await client.post(url, json={"payload": payload})
    await client.post(url, json={"text": "Thiếu vốn lưu động cho vụ Hè Thu."})
    upload = await client.post(
        "/api/personas/director/files",
        params={"name": name},
        content=content,
        headers={"Content-Type": mime},
    )
    assert upload.status_code == 200, upload.text
    for payload in ("rp:done", "rp:send"):
        await client.post(url, json={"payload": payload})


def reference_in(text: str) -> str:
    """Return the item reference a text holds."""
    found = REFERENCE.search(text)
    assert found is not None, text
    return found.group(0)


async def the_attachment(session: AsyncSession) -> Attachment:
    """Return the one attachment stored, as it is now."""
    session.expire_all()
    return (await session.execute(select(Attachment))).scalar_one()


async def item_reference(session: AsyncSession, attachment: Attachment) -> str:
    """Return the reference of the item an attachment belongs to."""
    item = await session.get(FeedbackItem, attachment.item_id)
    assert item is not None
    return item.reference
