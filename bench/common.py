"""What every benchmark shares: statistics, the machine, databases, and docs/BENCHMARKS.md.

Each benchmark writes its own section of docs/BENCHMARKS.md between ``<!-- bench:NAME -->`` and
``<!-- /bench:NAME -->``; everything outside the markers is written by hand and kept as it is.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
import re
import sqlite3
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from storage.categories import ensure_default_categories
from storage.db import Database
from storage.migrate import upgrade
from storage.units_import import import_units

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "BENCHMARKS.md"
DATA_DIR = ROOT / "bench" / ".data"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1/coopbot_bench"
POSTGRES_ENV = "COOPBOT_BENCH_POSTGRES_URL"

Progress = Callable[[str], None]
DATABASES = ("sqlite", "postgresql")
SIZES = ("full", "quick", "tiny")


def quiet(_: str) -> None:
    """Swallow progress lines (the smoke test's default)."""


@dataclass(frozen=True)
class Config:
    """How a benchmark runs: its size, on which databases, and how it was started."""

    size: str = "full"
    """``full`` (the recorded figures), ``quick`` (a smoke run) or ``tiny`` (the test suite)."""
    databases: tuple[str, ...] = DATABASES
    command: str = "coopbot bench"
    progress: Progress = quiet

    def pick(self, full: int, quick: int, tiny: int) -> int:
        """Return the number that goes with this size."""
        return {"full": full, "quick": quick, "tiny": tiny}[self.size]


# Statistics.


def median(values: Sequence[float]) -> float:
    """Return the median; NaN for no values."""
    return statistics.median(values) if values else math.nan


def percentile(values: Iterable[float], q: float) -> float:
    """Return the ``q``-th percentile (0-100) by linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ms(seconds: float) -> str:
    """Format seconds as milliseconds for a table."""
    return f"{seconds * 1000:.1f} ms" if not math.isnan(seconds) else "n/a"


def met(condition: bool) -> str:
    """Return the words a table uses for a target met or missed."""
    return "**met**" if condition else "**missed**"


# The machine.


@dataclass
class Machine:
    """What the figures were measured on."""

    cpu: str
    cores: int
    memory_gib: float
    python: str
    sqlite: str
    postgres: str | None = None
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] | None = None

    def describe(self) -> str:
        """Return the machine as a short Markdown list."""
        load = "/".join(f"{x:.2f}" for x in self.load_before)
        after = "/".join(f"{x:.2f}" for x in self.load_after) if self.load_after else "?"
        return "\n".join(
            [
                f"- Machine: {self.cpu}, {self.cores} cores, {self.memory_gib:.0f} GiB memory",
                f"- Software: Python {self.python}, SQLite {self.sqlite}, "
                f"PostgreSQL {self.postgres or 'not reached'}",
                f"- Load average (1/5/15 min) before: {load}; after: {after} "
                "(other work shared the machine)",
            ]
        )


def cpu_model() -> str:
    """Return the CPU model name from /proc/cpuinfo (or what the platform says)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gib() -> float:
    """Return the machine's memory in GiB from /proc/meminfo."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return math.nan


def load_average() -> tuple[float, float, float]:
    """Return the load average, zeros where the platform has none."""
    try:
        return os.getloadavg()
    except OSError:
        return (0.0, 0.0, 0.0)


async def machine(postgres_url: str | None) -> Machine:
    """Describe this machine and the database servers the benchmarks use."""
    version = None
    if postgres_url is not None:
        try:
            connection = await asyncpg.connect(_asyncpg_dsn(postgres_url), timeout=5)
        except (OSError, asyncpg.PostgresError, TimeoutError):
            version = None
        else:
            try:
                version = str(await connection.fetchval("SHOW server_version"))
            finally:
                await connection.close()
    return Machine(
        cpu=cpu_model(),
        cores=os.cpu_count() or 1,
        memory_gib=memory_gib(),
        python=platform.python_version(),
        sqlite=sqlite3.sqlite_version,
        postgres=version,
        load_before=load_average(),
    )


def rss_bytes() -> int:
    """Return this process's resident set size, from /proc/self/status (VmRSS)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


# Databases.


def data_dir() -> Path:
    """Return bench/.data (generated databases), created with a .gitignore of its own."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    ignore = DATA_DIR / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Generated benchmark data; never committed.\n*\n")
    return DATA_DIR


def postgres_url() -> str:
    """Return the PostgreSQL URL of the benchmarks (``COOPBOT_BENCH_POSTGRES_URL``)."""
    return os.environ.get(POSTGRES_ENV, DEFAULT_POSTGRES_URL)


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def derived_postgres_url(url: str, suffix: str) -> str:
    """Return the URL of a sibling database, e.g. ``coopbot_bench_work`` for ``_work``."""
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}{suffix}").render_as_string(
        hide_password=False
    )


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
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
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
        path = make_url(database.url).database or ""
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        admin = await _admin_connection(database.url)
        try:
            name = _quoted(make_url(database.url).database or "")
            await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        finally:
            await admin.close()


# The report.


@dataclass
class Section:
    """One benchmark's part of docs/BENCHMARKS.md."""

    name: str
    title: str
    lines: list[str] = field(default_factory=list)

    def add(self, *lines: str) -> None:
        """Append lines of Markdown."""
        self.lines.extend(lines)

    def render(self) -> str:
        """Return the section between its markers."""
        body = "\n".join([f"## {self.title}", "", *self.lines]).rstrip()
        return f"<!-- bench:{self.name} -->\n{body}\n<!-- /bench:{self.name} -->"


def header(machine_info: Machine, command: str) -> list[str]:
    """Return the lines every section starts with: machine, date, command."""
    today = dt.datetime.now(dt.UTC).astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return [machine_info.describe(), f"- Date: {today}", f"- Command: `{command}`", ""]


def write_section(section: Section, path: Path = DOC) -> None:
    """Replace (or append) ``section`` in the benchmarks document."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(
        rf"<!-- bench:{re.escape(section.name)} -->.*?<!-- /bench:{re.escape(section.name)} -->",
        re.DOTALL,
    )
    rendered = section.render()
    if pattern.search(text):
        text = pattern.sub(lambda _: rendered, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + rendered + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


async def usable_databases(config: Config, section: Section) -> list[str]:
    """Return the databases to run on; PostgreSQL is left out, with a note, when unreachable."""
    usable = []
    for kind in config.databases:
        if kind == "postgresql":
            reason = await postgres_unreachable(postgres_url())
            if reason is not None:
                section.add(
                    f"> PostgreSQL skipped: {postgres_url()} is not usable ({reason}). "
                    f"Set {POSTGRES_ENV} to a server you may create databases on.",
                    "",
                )
                config.progress(f"  PostgreSQL skipped: {reason}")
                continue
        usable.append(kind)
    return usable
