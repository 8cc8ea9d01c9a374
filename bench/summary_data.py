"""The summary benchmark's data: a million feedback items over the country's communes.

Generated once per database and kept (SQLite under bench/.data, PostgreSQL in the benchmark's
own database) with a fingerprint of how it was made, so timing again takes seconds. The schema
is migrated to the newest revision every time, so an index added by a later migration is built
on the kept data as an upgrade would build it in production.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from bench.common import (
    Progress,
    quiet,
)
from bench.databases import (
    data_dir,
    postgres_url,
    prepare_schema,
    recreate_postgres,
    remove_sqlite,
    sqlite_url,
)
from storage.categories import DEFAULT_CATEGORIES
from storage.db import Database
from storage.migrate import upgrade
from storage.models import (
    AdminUnit,
    Cooperative,
    CooperativeKind,
    FeedbackItem,
    FeedbackKind,
    Meeting,
    Status,
    UnitLevel,
)
from storage.text import fold

GENERATOR_VERSION = 1
SEED = 20260101
COOPERATIVES_PER_COMMUNE = 2
FIRST_DAY = dt.datetime(2025, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=7)))
LAST_DAY = dt.datetime(2027, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=7)))
NOW = dt.datetime(2026, 12, 31, 5, 0, tzinfo=dt.UTC)
CHUNK = 20_000

KINDS = ([FeedbackKind.DIFFICULTY, FeedbackKind.PROPOSAL, FeedbackKind.QUESTION], [6, 3, 1])
STATUSES = (
    [
        Status.NEW,
        Status.ACKNOWLEDGED,
        Status.IN_PROGRESS,
        Status.RESOLVED,
        Status.DECLINED,
        Status.REFERRED,
        Status.CLOSED,
        Status.REOPENED,
    ],
    [20, 15, 20, 15, 5, 5, 18, 2],
)
ANSWERED = {Status.RESOLVED, Status.CLOSED, Status.REOPENED}
TEXTS = (
    "Thiếu vốn lưu động để mua phân bón cho vụ Hè Thu; lãi suất vay còn cao.",
    "Đề nghị hỗ trợ xây dựng kho lạnh bảo quản nông sản.",
    "Khó tiêu thụ sản phẩm OCOP do chưa có hợp đồng bao tiêu.",
    "Xin hướng dẫn thủ tục đại hội thành viên thường niên.",
    "Xâm nhập mặn ảnh hưởng diện tích lúa của thành viên.",
    "Đề nghị tập huấn kế toán và hóa đơn điện tử.",
    "Chưa tiếp cận được chính sách hỗ trợ chuyển đổi số.",
    "Máy sấy lúa xuống cấp, cần vốn thay mới.",
)


@dataclass(frozen=True)
class DataSet:
    """A database holding the generated items."""

    database: Database
    items: int
    generated_seconds: float | None
    """How long generating took, or None when kept data was reused."""


def fingerprint(items: int, province: str | None) -> str:
    """Return what identifies the generated data (not the schema, which is migrated)."""
    return f"v{GENERATOR_VERSION}:seed={SEED}:items={items}:units={province or 'country'}"


async def _stored_fingerprint(database: Database) -> str | None:
    try:
        async with database.engine.connect() as connection:
            return await connection.scalar(text("SELECT value FROM bench_fingerprint"))
    except Exception:  # no table, no file, no database: nothing usable is kept
        return None


async def open_data(
    kind: str, items: int, *, province: str | None = None, progress: Progress = quiet
) -> DataSet:
    """Return the database with ``items`` generated items, generating them when needed."""
    wanted = fingerprint(items, province)
    if kind == "sqlite":
        path = data_dir() / f"summary-{items}-{province or 'country'}.db".replace(" ", "_")
        url = sqlite_url(path)
    else:
        base = postgres_url()
        url = base if items >= 1_000_000 and province is None else f"{base}_summary_small"
    database = Database(url)
    if await _stored_fingerprint(database) == wanted:
        progress(f"  {kind}: reusing {items:,} items ({wanted})")
        await upgrade(database.engine)
        return DataSet(database, items, None)
    await database.close()
    if kind == "sqlite":
        remove_sqlite(path)
    else:
        await recreate_postgres(url)
    database = Database(url)
    started = time.perf_counter()
    await prepare_schema(database, province=province, progress=progress)
    await generate(database, items, progress=progress)
    async with database.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE bench_fingerprint (value TEXT NOT NULL)"))
        await connection.execute(
            text("INSERT INTO bench_fingerprint (value) VALUES (:value)"), {"value": wanted}
        )
    seconds = time.perf_counter() - started
    progress(f"  {kind}: generated {items:,} items in {seconds:.0f} s")
    return DataSet(database, items, seconds)


async def _communes(connection: AsyncConnection) -> list[tuple[int, int]]:
    rows = await connection.execute(
        select(col(AdminUnit.id), col(AdminUnit.parent_id))
        .where(col(AdminUnit.level) == UnitLevel.COMMUNE, col(AdminUnit.valid_to).is_(None))
        .order_by(col(AdminUnit.id))
    )
    return [(int(i or 0), int(p or 0)) for i, p in rows]


def _cooperatives(communes: list[tuple[int, int]]) -> list[dict[str, Any]]:
    rows = []
    stamp = FIRST_DAY.astimezone(dt.UTC)
    for commune_id, _ in communes:
        for n in range(COOPERATIVES_PER_COMMUNE):
            name = f"HTX Thử nghiệm {commune_id}-{n + 1}"
            rows.append(
                {
                    "kind": CooperativeKind.HTX if n == 0 else CooperativeKind.THT,
                    "name": name,
                    "folded_name": fold(name),
                    "commune_id": commune_id,
                    "status": "active",
                    "high_tech": False,
                    "created_at": stamp,
                    "updated_at": stamp,
                }
            )
    return rows


def _meetings(communes: list[tuple[int, int]], rng: random.Random) -> list[dict[str, Any]]:
    """Return a meeting in seven communes out of ten, in each quarter of 2025 and 2026."""
    rows = []
    for year in (2025, 2026):
        for number in range(1, 5):
            for commune_id, _ in communes:
                if rng.random() < 0.7:
                    held = dt.date(year, number * 3 - 2, 1) + dt.timedelta(days=rng.randrange(80))
                    rows.append(
                        {
                            "commune_id": commune_id,
                            "quarter": f"{year}Q{number}",
                            "held_on": held,
                            "notes": "",
                            "created_at": NOW,
                        }
                    )
    return rows


def item_rows(
    cooperatives: list[tuple[int, int, int]], count: int, rng: random.Random, start: int = 0
) -> list[dict[str, Any]]:
    """Return ``count`` random items (as column values) of the given (coop, commune, province)."""
    span = (LAST_DAY - FIRST_DAY).total_seconds()
    categories = [key for key, _, _ in DEFAULT_CATEGORIES]
    kinds = rng.choices(*KINDS, k=count)
    statuses = rng.choices(*STATUSES, k=count)
    rows = []
    for n in range(count):
        coop, commune, province = rng.choice(cooperatives)
        created = (FIRST_DAY + dt.timedelta(seconds=rng.random() * span)).astimezone(dt.UTC)
        status = statuses[n]
        first_response = resolved = None
        if status != Status.NEW:
            first_response = created + dt.timedelta(days=rng.uniform(0.05, 20))
        if status in ANSWERED:
            resolved = created + dt.timedelta(days=rng.uniform(1, 60))
        rows.append(
            {
                "reference": f"PA-{created.year}-{start + n + 1:07d}",
                "cooperative_id": coop,
                "kind": kinds[n],
                "category_key": rng.choice(categories),
                "text": rng.choice(TEXTS),
                "commune_id": commune,
                "status": status,
                # One item in twenty was referred up to the province.
                "assignee_unit_id": province if rng.random() < 0.05 else None,
                "due_at": created + dt.timedelta(days=15),
                "created_at": created,
                "updated_at": max(t for t in (created, first_response, resolved) if t),
                "first_response_at": first_response,
                "resolved_at": resolved,
            }
        )
    return rows


async def generate(database: Database, items: int, *, progress: Progress = quiet) -> None:
    """Insert the cooperatives and ``items`` random items, then ANALYZE."""
    rng = random.Random(SEED)
    async with database.engine.begin() as connection:
        communes = await _communes(connection)
        await connection.execute(insert(Cooperative), _cooperatives(communes))
        province_of = dict(communes)
        rows = await connection.execute(
            select(col(Cooperative.id), col(Cooperative.commune_id)).order_by(col(Cooperative.id))
        )
        cooperatives = [(int(i or 0), int(c), province_of[int(c)]) for i, c in rows]
        await connection.execute(insert(Meeting), _meetings(communes, rng))
    started = time.perf_counter()
    done = 0
    while done < items:
        batch = item_rows(cooperatives, min(CHUNK, items - done), rng, start=done)
        async with database.engine.begin() as connection:
            if database.dialect == "postgresql":
                await _copy(connection, batch)
            else:
                await connection.execute(insert(FeedbackItem), batch)
        done += len(batch)
        if done % 200_000 == 0 or done == items:
            rate = done / (time.perf_counter() - started)
            progress(f"  {database.dialect}: {done:,} of {items:,} items ({rate:,.0f}/s)")
    async with database.engine.begin() as connection:
        await connection.execute(text("ANALYZE"))


async def _copy(connection: AsyncConnection, batch: list[dict[str, Any]]) -> None:
    """COPY rows into feedback_item through asyncpg (much faster than INSERT)."""
    columns = list(batch[0])
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None  # noqa: S101  (an open connection always has one)
    records = [tuple(row[c] for c in columns) for row in batch]
    await driver.copy_records_to_table("feedback_item", records=records, columns=columns)
