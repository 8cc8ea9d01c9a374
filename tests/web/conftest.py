"""The web chat's context for in-process tests: demo personas admitted, a fixed time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.web.app import WebChatContext
from bot.channels.web.hub import WebHub
from bot.clock import DemoClock
from bot.files import FileStore
from handlers.router import Router
from handlers.turn import HandlerConfig
from storage.db import Database
from storage.demo_personas import ensure_personas
from tests.support.web import DEMO_ADDRESS

REAL_NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
async def context(db: Database, demo_session: AsyncSession, tmp_path: Path) -> WebChatContext:
    """Give the web chat's context on the demo data, its personas admitted, at a fixed time."""
    clock = DemoClock(tmp_path / "clock.json", real_now=lambda: REAL_NOW)
    await ensure_personas(demo_session, "web", locale="vi", now=clock.now())
    await demo_session.commit()
    files = FileStore(tmp_path / "files")
    config = HandlerConfig()
    return WebChatContext(
        database=db,
        router=Router(db, config, clock=clock.now),
        hub=WebHub(files, clock.now),
        files=files,
        clock=clock,
        config=config,
        address=DEMO_ADDRESS,
        max_upload_bytes=1024,
    )
