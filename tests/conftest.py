"""Shared fixtures: a real, empty, fully-migrated-schema database for every test.

SQLite by default (a file per test); PostgreSQL when ``COOPBOT_TEST_DATABASE_URL`` is set,
with the schema dropped and recreated for each test so tests never see each other's rows.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database, is_sqlite
from storage.models import metadata

# The fake Telegram Bot API (tests/fakes/) is available to every test as `fake_telegram`.
pytest_plugins = ["tests.fakes.fixtures"]

POSTGRES_URL = os.environ.get("COOPBOT_TEST_DATABASE_URL", "")


def database_url(tmp_path: Path) -> str:
    """Return the URL tests should use: PostgreSQL when configured, else a fresh SQLite file."""
    return POSTGRES_URL or f"sqlite:///{tmp_path / 'test.db'}"


async def reset_schema(db: Database) -> None:
    """Empty the database completely (PostgreSQL) before a test builds its schema."""
    if is_sqlite(db.engine):
        return
    async with db.engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture
async def empty_db(tmp_path: Path) -> AsyncIterator[Database]:
    """Give a database with no tables at all (for migration tests)."""
    db = Database(database_url(tmp_path))
    await reset_schema(db)
    yield db
    await db.close()


@pytest.fixture
async def db(empty_db: Database) -> Database:
    """Give a database with every table created and no rows."""
    async with empty_db.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    return empty_db


@pytest.fixture
async def session(db: Database) -> AsyncIterator[AsyncSession]:
    """Give an open session on the test database; the test commits what it needs."""
    async with db.session() as open_session:
        yield open_session


@pytest.fixture
async def demo_session(session: AsyncSession) -> AsyncSession:
    """Give a session on a database holding the Kế Sách demo data set."""
    from storage.demo_data import load_demo_data

    await load_demo_data(session)
    await session.commit()
    return session


def pytest_report_header() -> str:
    """Show the fuzz seed of this run first thing, so a failure can be replayed."""
    from tests.hostile.fuzzing import replay_hint

    return replay_hint()
