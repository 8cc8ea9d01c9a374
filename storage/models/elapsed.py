"""Seconds between two timestamp columns, kept on the row by the database (a generated column).

The summary's medians sort the seconds from an item's creation to its first response and to
its resolution. Computing them while the summary runs means decoding two timestamps per item
(SQLite parses text, PostgreSQL subtracts and extracts) for every item in scope, every time;
a stored generated column computes them once when the row is written, in the database, so
no write path can forget them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Computed, Float, column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class seconds_between(FunctionElement[float]):
    """``end - start`` in seconds, as double precision, in the SQL each database accepts.

    NULL when either is NULL. Exact on PostgreSQL (microseconds); on SQLite through julian
    days, as precise as a double holding a julian day (well under a millisecond).
    """

    type = Float()
    name = "seconds_between"
    inherit_cache = True


def _operands(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> tuple[str, str]:
    end, start = (compiler.process(clause, **kw) for clause in element.clauses)
    return end, start


@compiles(seconds_between, "sqlite")
def _sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    end, start = _operands(element, compiler, **kw)
    return f"(julianday({end}) - julianday({start})) * 86400.0"


@compiles(seconds_between, "postgresql")
def _postgresql(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    end, start = _operands(element, compiler, **kw)
    # date_part, not EXTRACT: a double, not a numeric. Written as PostgreSQL keeps it
    # ('epoch'::text), so comparing the schema with the models finds no difference.
    return f"date_part('epoch'::text, {end} - {start})"


def stored_seconds(name: str, end: str, start: str) -> Column[float]:
    """Return a nullable column holding the seconds from column ``start`` to ``end``."""
    return Column(
        name,
        Float,
        Computed(seconds_between(column(end), column(start)), persisted=True),
        nullable=True,
    )
