"""The officials' summary: counts by kind and status, categories, communes, timeliness and
quarterly meeting compliance, for a period and a unit, inside the person's scope.

Everything is an aggregate in SQL with the person's scope in the WHERE clause, medians
included (``percentile_cont`` on PostgreSQL, the middle rows in order on SQLite), all in one
statement that reads the items in scope once (``storage.reporting.summary_statement``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.calendar import VIETNAM, Quarter
from storage.models import FeedbackItem
from storage.periods import Period
from storage.reporting.summary_statement import Shape, statement
from storage.scope import Actor, in_unit_subtree, item_scope_clause

DAY = 86400.0


@dataclass
class Summary:
    """What /summary shows."""

    period: Period
    total: int = 0
    by_kind_status: dict[tuple[str, str], int] = field(default_factory=dict)
    top_categories: list[tuple[str, int]] = field(default_factory=list)
    by_commune: list[tuple[int, str, int]] = field(default_factory=list)
    overdue: int = 0
    median_first_response_days: float | None = None
    median_resolution_days: float | None = None
    compliance_quarter: Quarter | None = None
    meetings_held: int = 0
    communes_total: int = 0
    ratings: int = 0
    mean_rating: float | None = None


def _filters(
    actor: Actor, period: Period, unit_ids: list[int] | None, tz: dt.tzinfo
) -> list[ColumnElement[bool]]:
    start, end = period.bounds(tz)
    where = [
        item_scope_clause(actor),
        col(FeedbackItem.created_at) >= start,
        col(FeedbackItem.created_at) < end,
    ]
    if unit_ids:
        where.append(in_unit_subtree(col(FeedbackItem.commune_id), unit_ids))
    return where


def compliance_quarter(period: Period, today: dt.date) -> Quarter:
    """Return the quarter whose meetings the summary reports: the period's latest one so far."""
    quarters = [q for q in period.quarters() if q.first_day <= today] or period.quarters()[:1]
    return quarters[-1]


def _days(seconds: float | None) -> float | None:
    return round(float(seconds) / DAY, 1) if seconds is not None else None


async def summarize(
    session: AsyncSession,
    actor: Actor,
    period: Period,
    *,
    unit_ids: list[int] | None = None,
    now: dt.datetime,
    tz: dt.tzinfo = VIETNAM,
) -> Summary:
    """Summarise the items filed in ``period`` inside ``unit_ids`` (default: all in scope).

    One statement, so the items in scope are found once
    (see ``storage.reporting.summary_statement``).
    """
    dialect = session.get_bind().dialect.name
    summary = Summary(period=period)
    quarter = compliance_quarter(period, now.astimezone(tz).date())
    scope_units = unit_ids if unit_ids else (None if actor.is_admin else actor.unit_ids())
    summary.compliance_quarter = quarter
    cooperatives, units = actor.cooperative_ids(), actor.unit_ids()
    shape = Shape(
        dialect=dialect,
        admin=actor.is_admin,
        cooperatives=bool(cooperatives),
        units=bool(units),
        unit_filter=bool(unit_ids),
        compliance_units=scope_units is not None,
    )
    start, end = period.bounds(tz)
    values: dict[str, Any] = {"start": start, "end": end, "now": now, "quarter": quarter.key}
    values.update(
        scope_cooperatives=cooperatives,
        scope_units=units,
        filter_units=unit_ids,
        compliance_units=scope_units,
    )
    parameters = {k: v for k, v in values.items() if v is not None}
    rows = (await session.execute(statement(shape), parameters)).all()
    for section, label, sub, unit, n, value, value2 in rows:
        if section == "kind_status":
            summary.by_kind_status[(label, sub)] = int(n)
            summary.overdue += int(value or 0)
        elif section == "category":
            summary.top_categories.append((label, int(n)))
        elif section == "commune":
            summary.by_commune.append((int(unit or 0), label, int(n)))
        elif section == "meetings":
            summary.meetings_held, summary.communes_total = int(unit or 0), int(n or 0)
        elif section == "medians":
            summary.median_first_response_days = _days(value)
            summary.median_resolution_days = _days(value2)
        elif section == "ratings" and n:
            summary.ratings = int(n)
            summary.mean_rating = round(float(value) / int(n), 1)
    summary.total = sum(summary.by_kind_status.values())
    # A UNION ALL keeps each branch's rows but not their order: restore it.
    summary.top_categories.sort(key=lambda kv: (-kv[1], kv[0]))
    summary.by_commune.sort(key=lambda row: (-row[2], row[1], row[0]))
    return summary


async def items_in_summary(
    session: AsyncSession,
    actor: Actor,
    period: Period,
    *,
    unit_ids: list[int] | None = None,
    category: str | None = None,
    limit: int = 20,
    tz: dt.tzinfo = VIETNAM,
) -> list[FeedbackItem]:
    """Return the newest items behind a summary figure (optionally of one category)."""
    where = _filters(actor, period, unit_ids, tz)
    if category is not None:
        where.append(col(FeedbackItem.category_key) == category)
    rows = await session.execute(
        select(FeedbackItem)
        .where(*where)
        .order_by(col(FeedbackItem.created_at).desc(), col(FeedbackItem.id).desc())
        .limit(limit)
    )
    return list(rows.scalars())
