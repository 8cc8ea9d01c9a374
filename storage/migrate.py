"""Apply Alembic migrations programmatically (no alembic.ini needed)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str = "") -> Config:
    """Build the Alembic configuration pointing at the project's migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """Return the newest revision the code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    return head or ""


def _upgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _downgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def _migrate(
    engine: AsyncEngine, step: Callable[[Connection, str], None], revision: str
) -> None:
    """Run ``step`` in one transaction; on SQLite with foreign keys off until it commits.

    SQLite changes a table's columns by rebuilding it (Alembic's batch mode): copy the rows
    into a new table, drop the old one, rename. With foreign keys on, dropping a table that
    other rows refer to fails, so SQLite's own procedure for this is followed: foreign keys
    off (possible only outside a transaction), migrate, check every reference still holds
    (``foreign_key_check``), commit, foreign keys on again.
    """
    async with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            await connection.run_sync(step, revision)
            if sqlite:
                broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
                if broken:
                    raise RuntimeError(f"the migration left broken references: {broken[:5]}")
            await connection.commit()
        finally:
            if sqlite:
                await connection.rollback()
                await connection.exec_driver_sql("PRAGMA foreign_keys=ON")


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate the database up to ``revision``."""
    await _migrate(engine, _upgrade, revision)


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    """Migrate the database down to ``revision``."""
    await _migrate(engine, _downgrade, revision)


async def current_revision(engine: AsyncEngine) -> str | None:
    """Return the revision the database is at, or None when it was never migrated."""
    async with engine.connect() as connection:
        return await connection.run_sync(_current)
