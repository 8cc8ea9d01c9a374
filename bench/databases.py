"""The benchmarks' databases: SQLite files under bench/.data, PostgreSQL databases of their own.

PostgreSQL comes from ``COOPBOT_BENCH_POSTGRES_URL``; each benchmark works in a sibling
database (``coopbot_bench_fanout``, ...) that it drops and creates again, never in another.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]  # (no type information shipped)
from sqlalchemy.engine import make_url

from bench.common import ROOT, Config, Machine, Progress, Section, machine, quiet
from storage.categories import ensure_default_categories
from storage.db import Database
from storage.migrate import upgrade
from storage.units_import import import_units

DATA_DIR = ROOT / "bench" / ".data"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1/coopbot_bench"
POSTGRES_ENV = "COOPBOT_BENCH_POSTGRES_URL"
DATA_ENV = "COOPBOT_BENCH_DATA_DIR"


def data_dir() -> Path:
    """Return where generated SQLite databases live: ``COOPBOT_BENCH_DATA_DIR`` or bench/.data.

    The folder is created with a .gitignore of its own, so nothing in it is ever committed.
    """
    folder = Path(os.environ.get(DATA_ENV) or DATA_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Generated benchmark data; never committed.\n*\n")
    return folder


def postgres_url() -> str:
    """Return the PostgreSQL URL of the benchmarks (``COOPBOT_BENCH_POSTGRES_URL``)."""
    return os.environ.get(POSTGRES_ENV, DEFAULT_POSTGRES_URL)


def _shown(url: str) -> str:
    """Return a URL fit for a report: without its password."""
    return make_url(url).render_as_string(hide_password=True)


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def derived_postgres_url(url: str, suffix: str) -> str:
    """Return the URL of a sibling database, e.g. ``coopbot_bench_work`` for ``_work``."""
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}{suffix}").render_as_string(hide_password=False)


async def _admin_connection(url: str) -> asyncpg.Connection:
    maintenance = make_url(url).set(drivername="postgresql", database="postgres")
    return await asyncpg.connect(maintenance.render_as_string(hide_password=False), timeout=5)


def _quoted(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise ValueError(f"unexpected database name {name!r}")
    return f'"{name}"'


async def postgres_unreachable(url: str) -> str | None:
    """Create the database of ``url`` when missing; return why PostgreSQL is unusable, or None."""
    try:
        connection = await asyncpg.connect(_asyncpg_dsn(url), timeout=5)
    except asyncpg.InvalidCatalogNameError:
        try:
            admin = await _admin_connection(url)
            try:
                await admin.execute(f"CREATE DATABASE {_quoted(make_url(url).database or '')}")
            finally:
                await admin.close()
        except (OSError, asyncpg.PostgresError, TimeoutError, ValueError) as error:
            return f"cannot create the database: {error}"
        return None
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        return f"{type(error).__name__}: {error}"
    await connection.close()
    return None


async def recreate_postgres(url: str) -> None:
    """Drop and create the database of ``url`` (only ever a benchmark's own database)."""
    name = _quoted(make_url(url).database or "")
    admin = await _admin_connection(url)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()


def remove_sqlite(path: Path | str) -> None:
    """Remove a SQLite database file and its WAL companions."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def sqlite_url(path: Path) -> str:
    """Return the URL of a SQLite file."""
    return f"sqlite:///{path}"


async def fresh_database(
    kind: str, name: str, *, province: str | None = None, progress: Progress = quiet
) -> Database:
    """Return an empty, migrated database with the units and the default categories.

    Args:
        kind: ``sqlite`` (a file under bench/.data) or ``postgresql`` (a sibling database of
            ``COOPBOT_BENCH_POSTGRES_URL`` named after ``name``, dropped first).
        name: what the benchmark calls its database.
        province: import only this province's units (tiny runs); the whole country when None.
    """
    if kind == "sqlite":
        path = data_dir() / f"{name}.db"
        remove_sqlite(path)
        url = sqlite_url(path)
    else:
        url = derived_postgres_url(postgres_url(), f"_{name}")
        await recreate_postgres(url)
    database = Database(url)
    await prepare_schema(database, province=province, progress=progress)
    return database


async def prepare_schema(
    database: Database, *, province: str | None = None, progress: Progress = quiet
) -> None:
    """Migrate to the newest revision and import the units and the default categories."""
    started = time.perf_counter()
    await upgrade(database.engine)
    async with database.transaction() as session:
        report = await import_units(session, province=province)
        await ensure_default_categories(session)
    progress(
        f"  {database.dialect}: schema and {report.units.total:,} units in "
        f"{time.perf_counter() - started:.1f} s"
    )


async def drop_database(database: Database) -> None:
    """Close a benchmark's work database and remove it."""
    await database.close()
    if database.dialect == "sqlite":
        remove_sqlite(make_url(database.url).database or "")
    else:
        admin = await _admin_connection(database.url)
        try:
            name = _quoted(make_url(database.url).database or "")
            await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        finally:
            await admin.close()


async def postgres_version(url: str) -> str | None:
    """Return the PostgreSQL server's version, or None when it cannot be reached."""
    try:
        connection = await asyncpg.connect(_asyncpg_dsn(url), timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return None
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()


async def describe(config: Config) -> Machine:
    """Describe the machine and the database servers ``config`` runs on."""
    version = await postgres_version(postgres_url()) if "postgresql" in config.databases else None
    return machine(version)


async def usable_databases(config: Config, section: Section) -> list[str]:
    """Return the databases to run on; PostgreSQL is left out, with a note, when unreachable."""
    usable = []
    for kind in config.databases:
        if kind == "postgresql":
            reason = await postgres_unreachable(postgres_url())
            if reason is not None:
                section.add(
                    f"> PostgreSQL skipped: {_shown(postgres_url())} is not usable ({reason}). "
                    f"Set {POSTGRES_ENV} to a server you may create databases on.",
                    "",
                )
                config.progress(f"  PostgreSQL skipped: {reason}")
                continue
        usable.append(kind)
    return usable
