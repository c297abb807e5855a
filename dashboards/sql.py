"""SQL the dashboards share: the calendar month of an instant in Pakistan time, on either
database, so monthly figures are grouped by the database instead of in Python."""
from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from audit_app.sql_functions import month_of_date as local_month_of_date  # noqa: F401 (shared)


class local_month(FunctionElement[str]):  # noqa: N801 - reads like a SQL function
    """'YYYY-MM' of a UTC instant (or a date) in Asia/Karachi (UTC+5, no daylight saving)."""

    type = String()
    inherit_cache = True
    name = "local_month"


@compiles(local_month, "postgresql")
def _pg(element: local_month, compiler: Any, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    return f"to_char(({compiler.process(arg, **kw)}) AT TIME ZONE 'Asia/Karachi', 'YYYY-MM')"


@compiles(local_month, "sqlite")
def _sqlite(element: local_month, compiler: Any, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    return f"strftime('%Y-%m', {compiler.process(arg, **kw)}, '+5 hours')"


class days_between(FunctionElement[float]):  # noqa: N801
    """Days (with fractions) from the first instant to the second, computed by the database so
    thousands of timestamps need not be parsed in Python."""

    from sqlalchemy import Float as _Float
    type = _Float()
    inherit_cache = True
    name = "days_between"


@compiles(days_between, "postgresql")
def _pg_days(element: days_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    return (f"(EXTRACT(EPOCH FROM ({compiler.process(end, **kw)}) - "
            f"({compiler.process(start, **kw)})) / 86400.0)")


@compiles(days_between, "sqlite")
def _sqlite_days(element: days_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    return f"(julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)}))"


class days_before(FunctionElement[int]):  # noqa: N801
    """Whole days from a DATE column to a later date: days_before(column, literal(day, Date))."""

    from sqlalchemy import Integer as _Integer
    type = _Integer()
    inherit_cache = True
    name = "days_before"


@compiles(days_before, "postgresql")
def _pg_days_before(element: days_before, compiler: Any, **kw: Any) -> str:
    column, day = list(element.clauses)
    return f"(({compiler.process(day, **kw)}) - ({compiler.process(column, **kw)}))"


@compiles(days_before, "sqlite")
def _sqlite_days_before(element: days_before, compiler: Any, **kw: Any) -> str:
    column, day = list(element.clauses)
    return (f"CAST(julianday({compiler.process(day, **kw)}) - "
            f"julianday({compiler.process(column, **kw)}) AS INTEGER)")


class local_days_to(FunctionElement[int]):  # noqa: N801
    """Whole days from the Pakistan-time date of a UTC instant to a DATE:
    local_days_to(instant, date_column). Computed by the database, so thousands of instants
    need not be turned into local dates in Python."""

    from sqlalchemy import Integer as _Integer
    type = _Integer()
    inherit_cache = True
    name = "local_days_to"


@compiles(local_days_to, "postgresql")
def _pg_local_days_to(element: local_days_to, compiler: Any, **kw: Any) -> str:
    instant, day = list(element.clauses)
    return (f"(({compiler.process(day, **kw)}) - "
            f"(({compiler.process(instant, **kw)}) AT TIME ZONE 'Asia/Karachi')::date)")


@compiles(local_days_to, "sqlite")
def _sqlite_local_days_to(element: local_days_to, compiler: Any, **kw: Any) -> str:
    instant, day = list(element.clauses)
    return (f"CAST(julianday({compiler.process(day, **kw)}) - "
            f"julianday(date({compiler.process(instant, **kw)}, '+5 hours')) AS INTEGER)")
