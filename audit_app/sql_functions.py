"""SQL functions written once for both databases (PostgreSQL and SQLite), for queries that group
by them in the database instead of in Python. The dashboards' own (months and days in Pakistan
time) are in `dashboards/sql.py`, which re-exports these."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


def per_dialect(function: type[FunctionElement[Any]], *, postgresql: Callable[..., str],
                sqlite: Callable[..., str]) -> None:
    """Compile `function(a, b, ...)` as `postgresql(a, b, ...)` or `sqlite(a, b, ...)`, each
    given its arguments already rendered as SQL."""
    for dialect, render in (("postgresql", postgresql), ("sqlite", sqlite)):
        def compile_sql(element: Any, compiler: Any, _render: Callable[..., str] = render,
                        **kw: Any) -> str:
            return _render(*(compiler.process(arg, **kw) for arg in element.clauses))
        compiles(function, dialect)(compile_sql)


class month_of_date(FunctionElement[str]):  # noqa: N801 - reads like a SQL function
    """'YYYY-MM' of a DATE column (a date has no time zone: its month is the same everywhere)."""

    type = String()
    inherit_cache = True
    name = "month_of_date"


per_dialect(month_of_date, postgresql=lambda day: f"to_char({day}, 'YYYY-MM')",
            sqlite=lambda day: f"strftime('%Y-%m', {day})")
