"""Migrations build the same schema as the models, from empty to head and back to base."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from storage import migrate
from storage.db import Database
from storage.models import metadata


def table_names(connection: Connection) -> set[str]:
    """Return the tables present, without Alembic's own bookkeeping table."""
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


def schema_differences(connection: Connection) -> list:
    """Return what differs between the migrated database and the models."""
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, metadata)


async def test_migrating_an_empty_database_to_head_and_back_to_base(empty_db: Database) -> None:
    """Upgrade creates every table of the models with no difference; downgrade removes all."""
    await migrate.upgrade(empty_db.engine)
    assert await migrate.current_revision(empty_db.engine) == migrate.head_revision()
    async with empty_db.engine.connect() as connection:
        assert await connection.run_sync(table_names) == set(metadata.tables)
        assert await connection.run_sync(schema_differences) == []
    await migrate.downgrade(empty_db.engine, "base")
    assert await migrate.current_revision(empty_db.engine) is None
    async with empty_db.engine.connect() as connection:
        assert await connection.run_sync(table_names) == set()


async def test_upgrading_twice_is_harmless(empty_db: Database) -> None:
    """Running `db upgrade` on an up-to-date database changes nothing."""
    await migrate.upgrade(empty_db.engine)
    await migrate.upgrade(empty_db.engine)
    assert await migrate.current_revision(empty_db.engine) == migrate.head_revision()
