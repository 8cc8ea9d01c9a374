"""The one statement behind /summary, built once per shape of scope and run with parameters.

The items in scope are selected once into a materialised CTE; the figures are aggregates over
those rows in a few ``UNION ALL`` branches, each row tagged by its first column. So the database
finds the items in scope once (the expensive part: index lookups and row reads), not once per
figure.

Building and compiling a statement this size costs milliseconds of Python, more than running
it for a commune. The statement is therefore built once per ``Shape`` (which kinds of scope,
which database) with bind parameters for every value, and kept: a summary only supplies the
values. Scope stays in the WHERE clause; only its ids are parameters.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    select,
    true,
    union_all,
)
from sqlmodel import col

from storage.feedback import OPEN_STATUSES
from storage.models import AdminUnit, FeedbackItem, Meeting, UnitCurrent, UnitLevel
from storage.scope import Ids, in_unit_subtree, items_of

TOP_CATEGORIES = 5
TOP_COMMUNES = 10


@dataclass(frozen=True)
class Shape:
    """What a summary statement's structure depends on (values are parameters)."""

    dialect: str
    admin: bool
    """Sees every item; otherwise the items of ``cooperatives`` or ``units``."""
    cooperatives: bool
    units: bool
    unit_filter: bool
    """The summary is narrowed to some units (parameter ``filter_units``)."""
    compliance_units: bool
    """Meeting compliance counts the communes inside ``compliance_units``, else all."""


def elapsed(end_column: Any, dialect: str) -> ColumnElement[Any]:
    """Return (end_column - created_at): seconds on PostgreSQL, days on SQLite."""
    created = col(FeedbackItem.created_at)
    if dialect == "postgresql":
        return func.extract("epoch", end_column - created)
    return func.julianday(end_column) - func.julianday(created)


def median(values: Any, dialect: str) -> ColumnElement[float]:
    """Return the median of a column of the scoped rows (NULLs left out), in SQL."""
    if dialect == "postgresql":
        return func.percentile_cont(0.5).within_group(values)
    # SQLite has no percentile: the mean of the one or two middle values in order.
    n = select(func.count(values)).scalar_subquery()
    middle = (
        select(values.label("v"))
        .where(values.is_not(None))
        .order_by(values)
        .limit(2 - n % 2)
        .offset((n - 1) // 2)
        .subquery()
    )
    return select(func.avg(middle.c.v)).scalar_subquery()


def compliance_counts(unit_ids: Ids | None, quarter: Any) -> tuple[Any, Any]:
    """Return scalar subqueries: communes that held ``quarter``'s meeting, communes in scope.

    ``unit_ids`` None counts every commune of today; ``quarter`` is a key ('2026Q2') or a
    bind parameter. The communes in scope are a CTE, so they are found once for both.
    """
    inside: ColumnElement[bool] = (
        in_unit_subtree(col(AdminUnit.id), unit_ids) if unit_ids is not None else true()
    )
    communes = (
        select(col(AdminUnit.id))
        .where(
            col(AdminUnit.level) == UnitLevel.COMMUNE,
            col(AdminUnit.valid_to).is_(None),
            inside,
        )
        .cte("communes_in_scope")
    )
    total = select(func.count()).select_from(communes).scalar_subquery()
    held = (
        select(func.count(func.distinct(col(Meeting.commune_id))))
        .where(col(Meeting.quarter) == quarter, col(Meeting.commune_id).in_(select(communes.c.id)))
        .scalar_subquery()
    )
    return held, total


def _row(
    section: str,
    label: Any = None,
    sub: Any = None,
    unit: Any = None,
    n: Any = None,
    value: Any = None,
    value2: Any = None,
) -> Any:
    """Return one branch of the statement; every branch has the same typed columns."""
    return select(
        literal(section, String),
        cast(label, String),
        cast(sub, String),
        cast(unit, Integer),
        cast(n, BigInteger),
        cast(value, Float),
        cast(value2, Float),
    )


def _ids(name: str) -> Any:
    return bindparam(name, expanding=True)


@functools.cache
def statement(shape: Shape) -> Any:
    """Return the summary statement for ``shape``; built once per shape, then reused.

    Parameters: ``start``, ``end`` (the period as UTC instants), ``now``, ``quarter`` (the
    compliance quarter's key), and the id lists the shape calls for: ``scope_cooperatives``,
    ``scope_units``, ``filter_units``, ``compliance_units``.
    """
    item = FeedbackItem
    where = [
        col(item.created_at) >= bindparam("start"),
        col(item.created_at) < bindparam("end"),
    ]
    if not shape.admin:
        where.append(
            items_of(
                cooperatives=_ids("scope_cooperatives") if shape.cooperatives else None,
                units=_ids("scope_units") if shape.units else None,
            )
        )
    if shape.unit_filter:
        where.append(in_unit_subtree(col(item.commune_id), _ids("filter_units")))
    overdue = case(
        (
            and_(col(item.status).in_(sorted(OPEN_STATUSES)), col(item.due_at) < bindparam("now")),
            1,
        ),
        else_=0,
    )
    scoped = (
        select(
            col(item.kind),
            col(item.status),
            col(item.category_key),
            col(item.commune_id),
            overdue.label("overdue"),
            elapsed(col(item.first_response_at), shape.dialect).label("first_response"),
            elapsed(col(item.resolved_at), shape.dialect).label("resolution"),
        )
        .where(*where)
        .cte("scoped")
        .prefix_with("MATERIALIZED")
    )
    n = func.count().label("n")
    categories = (
        select(scoped.c.category_key, n)
        .group_by(scoped.c.category_key)
        .order_by(n.desc(), scoped.c.category_key)
        .limit(TOP_CATEGORIES)
        .subquery()
    )
    per_commune = select(scoped.c.commune_id, n).group_by(scoped.c.commune_id).subquery()
    total = func.sum(per_commune.c.n).label("n")
    communes = (
        select(col(AdminUnit.id), col(AdminUnit.name), total)
        .select_from(per_commune)
        .join(UnitCurrent, col(UnitCurrent.unit_id) == per_commune.c.commune_id)
        .join(AdminUnit, col(AdminUnit.id) == col(UnitCurrent.current_id))
        .group_by(col(AdminUnit.id), col(AdminUnit.name))
        .order_by(total.desc(), col(AdminUnit.name))
        .limit(TOP_COMMUNES)
        .subquery()
    )
    held, in_scope = compliance_counts(
        _ids("compliance_units") if shape.compliance_units else None, bindparam("quarter")
    )
    return union_all(
        # Overdue items ride along with the kind × status counts: one pass for both.
        _row(
            "kind_status",
            scoped.c.kind,
            scoped.c.status,
            n=func.count(),
            value=func.sum(scoped.c.overdue),
        ).group_by(scoped.c.kind, scoped.c.status),
        _row("category", categories.c.category_key, n=categories.c.n),
        _row("commune", communes.c.name, None, communes.c.id, communes.c.n),
        _row(
            "medians",
            value=median(scoped.c.first_response, shape.dialect),
            value2=median(scoped.c.resolution, shape.dialect),
        ),
        _row("meetings", unit=held, n=in_scope),
    )
