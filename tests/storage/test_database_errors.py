"""Driver errors become ``Busy`` (try again in a moment) or ``Unavailable`` (database down)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from storage.db import Database, database_error
from storage.errors import Busy, Unavailable
from tests.support.ports import free_port


class PostgresError(Exception):
    """Stands for a driver error carrying a SQLSTATE, as asyncpg's errors do."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"SQLSTATE {sqlstate}")
        self.sqlstate = sqlstate


def wrapped(error: Exception, *, invalidated: bool = False) -> DBAPIError:
    """Wrap a driver error the way SQLAlchemy does."""
    return DBAPIError("SELECT 1", {}, error, connection_invalidated=invalidated)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked")), Busy),
        (wrapped(PostgresError("40P01")), Busy),  # deadlock
        (wrapped(PostgresError("55P03")), Busy),  # lock not available
        (wrapped(PostgresError("57P03")), Unavailable),  # the server is starting up
        (wrapped(PostgresError("08006")), Unavailable),  # connection failure
        (wrapped(RuntimeError("closed in the middle"), invalidated=True), Unavailable),
        (ConnectionRefusedError(111, "Connect call failed"), Unavailable),
        (PostgresError("57P01"), Unavailable),  # administrator shutdown, raised at connect
    ],
)
def test_busy_and_unreachable_databases_are_recognised(
    error: Exception, expected: type[Exception]
) -> None:
    """Locks, deadlocks and lost or refused connections map to the domain's two errors."""
    assert isinstance(database_error(error), expected)


@pytest.mark.parametrize(
    "error",
    [
        IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed")),
        OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: person")),
        ValueError("a bug"),
    ],
)
def test_other_errors_are_left_alone(error: Exception) -> None:
    """A constraint, a missing table or a bug is neither busy nor unavailable: never retried."""
    assert database_error(error) is None


async def test_a_refused_connection_surfaces_as_unavailable() -> None:
    """A transaction on a PostgreSQL server that is not there raises Unavailable."""
    nowhere = Database(f"postgresql://postgres@127.0.0.1:{free_port()}/coopbot")
    try:
        with pytest.raises(Unavailable):
            async with nowhere.transaction() as session:
                await session.execute(text("SELECT 1"))
        with pytest.raises(Unavailable):
            await nowhere.ping(timeout=5)
    finally:
        await nowhere.close()
