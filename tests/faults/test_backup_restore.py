"""Backups restore: SQLite's online backup of a live database, and pg_dump/pg_restore.

Both follow docs/operations.md: the SQLite copy is taken with SQLite's backup API (what
``sqlite3 coopbot.db ".backup …"`` does) while the bot's engine holds the database open; the
PostgreSQL one with ``pg_dump -Fc`` and ``pg_restore`` on a server of the test's own. In both
cases the application reads the same items from the restored copy.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import select

from storage import migrate
from storage.db import Database
from storage.demo_data import load_demo_data
from storage.models import FeedbackItem
from tests import factories as f
from tests.faults.postgres import ThrowawayPostgres


async def file_items(database: Database, count: int = 3) -> list[tuple[str, str]]:
    """Migrate, load the demo data, file ``count`` items; return (reference, text) of all."""
    await migrate.upgrade(database.engine)
    async with database.transaction() as session:
        await load_demo_data(session)
        director = await f.director_of(session, "HTX Trinh Phú")
        for number in range(count):
            await f.item(session, director, text=f"Khó khăn số {number}: thiếu vốn lưu động.")
    return await read_items(database)


async def read_items(database: Database) -> list[tuple[str, str]]:
    """Return (reference, text) of every item, as the application reads them."""
    async with database.session() as session:
        rows = await session.execute(select(FeedbackItem).order_by(FeedbackItem.reference))
        return [(item.reference, item.text) for item in rows.scalars()]


def online_backup(source: Path, target: Path) -> None:
    """Copy a live SQLite database with SQLite's backup API (the sqlite3 shell's .backup)."""
    live, copy = sqlite3.connect(source), sqlite3.connect(target)
    try:
        live.backup(copy)
    finally:
        copy.close()
        live.close()


async def test_an_online_sqlite_backup_restores_the_same_items(tmp_path: Path) -> None:
    """A backup taken while the bot's engine is connected opens with every item in it."""
    live_path, backup_path, restored_path = (
        tmp_path / "coopbot.db",
        tmp_path / "backup.db",
        tmp_path / "restored.db",
    )
    live = Database(f"sqlite:///{live_path}")
    try:
        filed = await file_items(live)
        async with live.session() as session:  # the bot is running: a connection is open
            await session.execute(select(FeedbackItem.id))
            await asyncio.to_thread(online_backup, live_path, backup_path)
    finally:
        await live.close()
    backup_path.rename(restored_path)  # "restore": put the copy where the bot expects it
    restored = Database(f"sqlite:///{restored_path}")
    try:
        assert await migrate.current_revision(restored.engine) == migrate.head_revision()
        assert await read_items(restored) == filed
    finally:
        await restored.close()
    assert len(filed) == 3


def run(server: ThrowawayPostgres, program: str, *args: str) -> None:
    """Run a PostgreSQL client program of the server's version against it."""
    command = [str(server.binaries / program), "-h", "127.0.0.1", "-p", str(server.port)]
    subprocess.run(
        [*command, "-U", "postgres", *args], check=True, capture_output=True, timeout=120
    )


async def test_a_pg_dump_restores_into_a_new_database_with_the_same_items(
    throwaway_postgres: ThrowawayPostgres, tmp_path: Path
) -> None:
    """pg_dump -Fc of the database, pg_restore into a new one: the bot reads the same items."""
    source = Database(throwaway_postgres.url)
    try:
        filed = await file_items(source)
    finally:
        await source.close()
    dump = tmp_path / "coopbot.dump"
    await asyncio.to_thread(run, throwaway_postgres, "pg_dump", "-Fc", "-f", str(dump), "postgres")
    await asyncio.to_thread(run, throwaway_postgres, "createdb", "restored")
    await asyncio.to_thread(
        run, throwaway_postgres, "pg_restore", "--no-owner", "-d", "restored", str(dump)
    )
    restored = Database(throwaway_postgres.url.rsplit("/", 1)[0] + "/restored")
    try:
        assert await migrate.current_revision(restored.engine) == migrate.head_revision()
        assert await read_items(restored) == filed
    finally:
        await restored.close()
    assert len(filed) == 3
