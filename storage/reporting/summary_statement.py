"""The one statement behind /summary, built once per shape of scope and run with parameters.

The items in scope are selected once into a materialised CTE; the figures are aggregates over
those rows in a few ``UNION ALL`` branches, each row tagged by its first column. So the database
finds the items in scope once (the expensive part: index lookups and row reads), not once per
figure. What is left on top of reading the rows is kept small: the CTE holds only the columns
the figures need; the rows are grouped once by category × kind × status (the ``tally``, a few
hundred groups) and kind × status, overdue and categories are added up from it; medians sort
the seconds each item stores (generated columns, ``storage.models.elapsed``), so no timestamp
is decoded while a summary runs.

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
    bindparam,
    case,
    cast,
    func,
    literal,
    select,
    true,
    union_all,
)
from sqlalchemy.sql.selectable import SelectBase
from sqlmodel import col

from storage.feedback import RUNNING_STATUSES
from storage.models import (
    RESOLUTION_SECONDS,
    RESPONSE_SECONDS,
    AdminUnit,
    FeedbackItem,
    Meeting,
    UnitCurrent,
    UnitLevel,
)
from storage.scope import Ids, in_unit_subtree, items_of, unit_subtree
from storage.sql_in import in_selected

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


def middle_mean(values: Any, n: Any) -> ColumnElement[float]:
    """Return the median of a column on SQLite, which has no percentile: the mean of the one
    or two middle values in order. ``n`` is how many of ``values`` are not NULL (a scalar
    subquery)."""
    middle = (
        select(values.label("v"))
        .where(values.is_not(None))
        .order_by(values)
        .limit(2 - n % 2)
        .offset((n - 1) // 2)
        .subquery()
    )
    return select(func.avg(middle.c.v)).scalar_subquery()


def compliance_counts(
    unit_ids: Ids | None, quarter: Any, *, subtree: SelectBase | None = None
) -> tuple[Any, Any]:
    """Return scalar subqueries: communes that held ``quarter``'s meeting, communes in scope.

    ``unit_ids`` None (and no ``subtree``, the units already expanded as ``unit_subtree``
    does) counts every commune of today; ``quarter`` is a key ('2026Q2') or a bind parameter.
    The communes in scope are a CTE, so they are found once for both counts.
    """
    inside: ColumnElement[bool] = true()
    if subtree is not None:
        inside = in_selected(col(AdminUnit.id), subtree)
    elif unit_ids is not None:
        inside = in_unit_subtree(col(AdminUnit.id), unit_ids)
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


def _subtree(parameter: str, name: str) -> SelectBase:
    """Return a query of the units inside the ids of ``parameter``, found once as a CTE."""
    tree = unit_subtree(_ids(parameter)).cte(name)
    return select(tree.c.unit_id)


# A bounded cache: 2 dialects × 32 shapes at most, each an immutable SQL construct.
@functools.cache
def statement(shape: Shape) -> Any:
    """Return the summary statement for ``shape``; built once per shape, then reused.

    Parameters: ``start``, ``end`` (the period as UTC instants), ``now``, ``quarter`` (the
    compliance quarter's key), and the id lists the shape calls for: ``scope_cooperatives``,
    ``scope_units``, ``filter_units``, ``compliance_units``.
    """
    item = FeedbackItem
    # The units of the scope and of the narrowing, each found once (a CTE) and used for the
    # items and for meeting compliance alike.
    scope = _subtree("scope_units", "scope_tree") if shape.units else None
    narrowed = _subtree("filter_units", "filter_tree") if shape.unit_filter else None
    where = [
        col(item.created_at) >= bindparam("start"),
        col(item.created_at) < bindparam("end"),
    ]
    if not shape.admin:
        where.append(
            items_of(
                cooperatives=_ids("scope_cooperatives") if shape.cooperatives else None,
                subtree=scope,
            )
        )
    if narrowed is not None:
        where.append(in_selected(col(item.commune_id), narrowed))
    scoped = _scoped(where)
    # The scoped rows grouped once by category × kind × status: a few hundred groups, from
    # which kind × status, overdue and categories are added up (SQLite groups by sorting, so
    # each grouping of the scoped rows saved is a sort saved; PostgreSQL hashes fewer rows).
    tally = (
        select(
            scoped.c.category_key,
            scoped.c.kind,
            scoped.c.status,
            func.count().label("n"),
            func.count(case((scoped.c.late, 1))).label("late"),
            func.count(scoped.c.rating).label("rated"),
            func.sum(scoped.c.rating).label("rating_sum"),
            *(
                [
                    func.count(scoped.c.response).label("responded"),
                    func.count(scoped.c.resolution).label("resolved"),
                ]
                if shape.dialect == "sqlite"
                else []
            ),
        )
        .group_by(scoped.c.category_key, scoped.c.kind, scoped.c.status)
        .cte("tally")
        .prefix_with("MATERIALIZED")
    )
    total_n = func.sum(tally.c.n).label("n")
    categories = (
        select(tally.c.category_key, total_n)
        .group_by(tally.c.category_key)
        .order_by(total_n.desc(), tally.c.category_key)
        .limit(TOP_CATEGORIES)
        .subquery()
    )
    # Overdue: late and open with its clock running (``RUNNING_STATUSES``: not waiting for
    # the cooperative); the status is tested per group, not per item.
    overdue = case((tally.c.status.in_(sorted(RUNNING_STATUSES)), tally.c.late), else_=0)
    n = func.count().label("n")
    per_commune = select(scoped.c.commune_id, n).group_by(scoped.c.commune_id).subquery()
    total = func.sum(per_commune.c.n).label("n")
    current = _current_units(shape.dialect, per_commune.c.commune_id)
    communes = (
        select(col(AdminUnit.id), col(AdminUnit.name), total)
        .select_from(per_commune)
        .join(current, current.c.unit_id == per_commune.c.commune_id)
        .join(AdminUnit, col(AdminUnit.id) == current.c.current_id)
        .group_by(col(AdminUnit.id), col(AdminUnit.name))
        .order_by(total.desc(), col(AdminUnit.name))
        .limit(TOP_COMMUNES)
        .subquery()
    )
    # Compliance counts the communes of the narrowing, else of the scope (none for a
    # director: an empty list), else all of them (an admin).
    compliance_units = _ids("compliance_units") if shape.compliance_units else None
    held, in_scope = compliance_counts(
        compliance_units, bindparam("quarter"), subtree=narrowed if narrowed is not None else scope
    )
    return union_all(
        _row(
            "kind_status",
            tally.c.kind,
            tally.c.status,
            n=func.sum(tally.c.n),
            value=func.sum(overdue),
        ).group_by(tally.c.kind, tally.c.status),
        _row("category", categories.c.category_key, n=categories.c.n),
        _row("commune", communes.c.name, None, communes.c.id, communes.c.n),
        _medians(shape.dialect, scoped, tally),
        _row("meetings", unit=held, n=in_scope),
        # The directors' ratings of the answers (1–5): how many, and their sum.
        _row("ratings", n=func.sum(tally.c.rated), value=func.sum(tally.c.rating_sum)),
    )


def _current_units(dialect: str, commune_id: Any) -> Any:
    """Return the units of today each commune of the items lives on in, to join per commune.

    On PostgreSQL a LATERAL lookup per commune (``OFFSET 0`` keeps the planner from turning
    it back into a join): the statement's plan is made for any scope, expecting a couple of
    hundred communes, and as a join it reads all of ``unit_current`` (14,000 rows) even for
    the one commune of a commune leader. SQLite looks each commune up in the key already.
    """
    if dialect != "postgresql":
        return UnitCurrent.__table__  # type: ignore[attr-defined]
    return (
        select(col(UnitCurrent.unit_id), col(UnitCurrent.current_id))
        .where(col(UnitCurrent.unit_id) == commune_id)
        .offset(0)
        .lateral("current_unit")
    )


def _scoped(where: list[ColumnElement[bool]]) -> Any:
    """Return the items in scope as a materialised CTE of the columns the figures need.

    ``late`` is whether the item is past due (overdue when also open); ``response`` and
    ``resolution`` are the seconds to first response and to resolution the item stores;
    ``rating`` is the director's rating of the answer, if any.
    """
    item = FeedbackItem
    return (
        select(
            col(item.kind),
            col(item.status),
            col(item.category_key),
            col(item.commune_id),
            (col(item.due_at) < bindparam("now")).label("late"),
            RESPONSE_SECONDS.label("response"),
            RESOLUTION_SECONDS.label("resolution"),
            col(item.satisfaction).label("rating"),
        )
        .where(*where)
        .cte("scoped")
        .prefix_with("MATERIALIZED")
    )


def _medians(dialect: str, scoped: Any, tally: Any) -> Any:
    """Return the branch of the median seconds to first response and to resolution."""
    if dialect == "postgresql":
        return _row(
            "medians",
            value=func.percentile_cont(0.5).within_group(scoped.c.response),
            value2=func.percentile_cont(0.5).within_group(scoped.c.resolution),
        )

    def counted(column: Any) -> Any:
        return select(func.coalesce(func.sum(column), 0)).scalar_subquery()

    # The counts come from the tally (a few hundred rows), not from another pass over the items.
    return _row(
        "medians",
        value=middle_mean(scoped.c.response, counted(tally.c.responded)),
        value2=middle_mean(scoped.c.resolution, counted(tally.c.resolved)),
    )
