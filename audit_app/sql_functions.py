"""SQL functions written once for both databases (PostgreSQL and SQLite), for queries that group
by them in the database instead of in Python. The dashboards' own (months and days in Pakistan
time) are in `dashboards/sql.py`, which re-exports these."""
from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class month_of_date(FunctionElement[str]):  # noqa: N801 - reads like a SQL function
    """'YYYY-MM' of a DATE column (a date has no time zone: its month is the same everywhere)."""

    type = String()
    inherit_cache = True
    name = "month_of_date"


@compiles(month_of_date, "postgresql")
def _pg_month_of_date(element: month_of_date, compiler: Any, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    return f"to_char({compiler.process(arg, **kw)}, 'YYYY-MM')"


@compiles(month_of_date, "sqlite")
def _sqlite_month_of_date(element: month_of_date, compiler: Any, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    return f"strftime('%Y-%m', {compiler.process(arg, **kw)})"
