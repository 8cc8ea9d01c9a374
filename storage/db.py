"""Database URLs, engines and async sessions.

Plain ``sqlite:///`` and ``postgresql://`` URLs are accepted and given the project's async
drivers (aiosqlite, asyncpg), so operators never need to know the driver names.

Every session and transaction turns the drivers' "busy" and "unreachable" errors into the
domain's ``Busy`` and ``Unavailable`` (see ``database_error``), so callers can tell "try again in
a moment" and "the database is down" from a bug without knowing any driver.
"""

from __future__ import annotations

import asyncio
import functools
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.errors import Busy, Unavailable

_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
    "postgresql+psycopg": "postgresql+asyncpg",
    "postgresql+psycopg2": "postgresql+asyncpg",
}


def normalize_database_url(url: str) -> str:
    """Return ``url`` with the project's async driver.

    Raises:
        ValueError: for an unparseable URL or an unsupported database.
    """
    try:
        parsed = make_url(url.strip())
    except ArgumentError:
        raise ValueError("not a database URL (expected sqlite:///… or postgresql://…)") from None
    driver = _DRIVERS.get(parsed.drivername)
    if driver is None:
        raise ValueError(f"unsupported database {parsed.drivername!r} (use sqlite or postgresql)")
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def is_sqlite(url_or_engine: str | AsyncEngine) -> bool:
    """Tell whether a URL or engine talks to SQLite."""
    if isinstance(url_or_engine, AsyncEngine):
        return url_or_engine.dialect.name == "sqlite"
    return make_url(url_or_engine).get_backend_name() == "sqlite"


DEFAULT_BUSY_TIMEOUT = 5.0  # seconds SQLite waits for another writer before giving up

# SQLite's words for another connection holding the lock it needs.
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")
# SQLite's words for a database file it cannot use at all.
_SQLITE_UNAVAILABLE = ("unable to open database file",)
# PostgreSQL SQLSTATEs: serialization failure, deadlock, lock not available.
_PG_BUSY = frozenset({"40001", "40P01", "55P03"})
# PostgreSQL SQLSTATEs: shutting down, crashed, starting up, too many connections.
_PG_UNAVAILABLE = frozenset({"57P01", "57P02", "57P03", "53300"})


def database_error(error: BaseException) -> Busy | Unavailable | None:
    """Return the domain error a driver error stands for, or None when it is something else.

    Busy: another writer holds a lock (retrying the whole transaction in a moment works).
    Unavailable: the server cannot be reached, is restarting, or dropped the connection. Any
    other error (a constraint, a bug in a query) is None and must not be retried blindly.
    """
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return Unavailable()
        return _classify(error.orig)
    return _classify(error)


def _classify(error: BaseException | None) -> Busy | Unavailable | None:
    if error is None:
        return None
    if isinstance(error, ConnectionError | TimeoutError | socket.gaierror):
        return Unavailable()
    message = str(error).lower()
    if any(words in message for words in _SQLITE_BUSY):
        return Busy()
    if any(words in message for words in _SQLITE_UNAVAILABLE):
        return Unavailable()
    sqlstate = str(getattr(error, "sqlstate", None) or getattr(error, "pgcode", None) or "")
    if sqlstate in _PG_BUSY:
        return Busy()
    if sqlstate in _PG_UNAVAILABLE or sqlstate.startswith("08"):  # 08: connection exception
        return Unavailable()
    return None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, busy_timeout: float) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers work while one writer writes,
    # and the busy timeout turns short lock contention into a wait instead of an error.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def create_engine(
    url: str, *, echo: bool = False, busy_timeout: float = DEFAULT_BUSY_TIMEOUT
) -> AsyncEngine:
    """Create the async engine for ``url`` (normalised first).

    Args:
        url: the database URL.
        echo: log every statement.
        busy_timeout: seconds SQLite waits for another writer before raising ``Busy``.
    """
    normalized = normalize_database_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if not is_sqlite(normalized):
        kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=10)
    engine = create_async_engine(normalized, **kwargs)
    if is_sqlite(normalized):
        pragmas = functools.partial(_sqlite_pragmas, busy_timeout=busy_timeout)
        event.listen(engine.sync_engine, "connect", pragmas)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return a factory of sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


class Database:
    """The engine and its session factory: one per process, closed on shutdown."""

    def __init__(
        self, url: str, *, echo: bool = False, busy_timeout: float = DEFAULT_BUSY_TIMEOUT
    ) -> None:
        self.url = normalize_database_url(url)
        self.engine = create_engine(self.url, echo=echo, busy_timeout=busy_timeout)
        self.sessions = session_factory(self.engine)

    @property
    def dialect(self) -> str:
        """Return the dialect name: ``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """Open a session; the caller commits, anything unfinished is rolled back.

        Raises:
            Busy: another writer held a lock for longer than the busy timeout.
            Unavailable: the database could not be reached or dropped the connection.
        """
        try:
            async with self.sessions() as session:
                yield session
        except Exception as error:
            _raise_domain_error(error)
            raise

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """Open a session inside a transaction committed on success, rolled back on error.

        Raises:
            Busy: another writer held a lock for longer than the busy timeout.
            Unavailable: the database could not be reached or dropped the connection.
        """
        try:
            async with self.sessions() as session, session.begin():
                yield session
        except Exception as error:
            _raise_domain_error(error)
            raise

    async def ping(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109 - a plain deadline
        """Run ``SELECT 1``; raise ``Unavailable`` when the database does not answer in time."""
        try:
            async with asyncio.timeout(timeout), self.session() as session:
                await session.execute(text("SELECT 1"))
        except TimeoutError:
            raise Unavailable() from None

    async def close(self) -> None:
        """Dispose of the connection pool."""
        await self.engine.dispose()


def _raise_domain_error(error: Exception) -> None:
    """Raise ``Busy`` or ``Unavailable`` from a driver error that stands for one."""
    if isinstance(error, Busy | Unavailable):
        return
    found = database_error(error)
    if found is not None:
        raise found from error
