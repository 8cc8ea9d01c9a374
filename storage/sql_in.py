"""``column IN (subquery)`` written the way each database can answer from an index.

Scope clauses OR such tests over two columns (an item's commune, its assignee unit).
PostgreSQL answers ``x IN (subquery) OR y IN (subquery)`` with hashed subplans checked row by
row (a scan of the whole table), but ``x = ANY(ARRAY(subquery))`` runs the subquery once and
looks the values up in an index on ``x`` (a BitmapOr over both columns). SQLite plans a plain
``IN (subquery)`` that way already.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ColumnElement
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import SelectBase
from sqlalchemy.sql.visitors import InternalTraversal


class InSelected(ColumnElement[bool]):
    """True when ``column`` is one of the values ``selected`` returns."""

    inherit_cache = True
    # A test in itself: never rendered as ``(...) = 1`` on databases without booleans.
    _is_implicitly_boolean = True
    _traverse_internals = [  # noqa: RUF012  (SQLAlchemy's cache-key protocol)
        ("column", InternalTraversal.dp_clauseelement),
        ("selected", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any], selected: SelectBase) -> None:
        self.column = column
        self.selected = selected
        self.type = Boolean()


def in_selected(column: Any, selected: SelectBase) -> ColumnElement[bool]:
    """Return ``column IN (selected)``, rendered for an index lookup on each database."""
    return InSelected(column, selected)


@compiles(InSelected)
def _in(element: InSelected, compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.process(element.column.in_(element.selected), **kw))


@compiles(InSelected, "postgresql")
def _any_array(element: InSelected, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    selected = compiler.process(element.selected.scalar_subquery(), **kw)
    return f"{column} = ANY(ARRAY{selected})"
