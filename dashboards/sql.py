"""SQL the dashboards share: the calendar month of an instant in Pakistan time, on either
database, so monthly figures are grouped by the database instead of in Python."""
from __future__ import annotations

from sqlalchemy import Float, Integer, String
from sqlalchemy.sql.functions import FunctionElement

from audit_app.sql_functions import month_of_date as local_month_of_date  # noqa: F401 (shared)
from audit_app.sql_functions import per_dialect


class local_month(FunctionElement[str]):  # noqa: N801 - reads like a SQL function
    """'YYYY-MM' of a UTC instant (or a date) in Asia/Karachi (UTC+5, no daylight saving)."""

    type = String()
    inherit_cache = True
    name = "local_month"


per_dialect(local_month,
            postgresql=lambda at: f"to_char(({at}) AT TIME ZONE 'Asia/Karachi', 'YYYY-MM')",
            sqlite=lambda at: f"strftime('%Y-%m', {at}, '+5 hours')")


class days_between(FunctionElement[float]):  # noqa: N801
    """Days (with fractions) from the first instant to the second, computed by the database so
    thousands of timestamps need not be parsed in Python."""

    type = Float()
    inherit_cache = True
    name = "days_between"


per_dialect(days_between,
            postgresql=lambda start, end: f"(EXTRACT(EPOCH FROM ({end}) - ({start})) / 86400.0)",
            sqlite=lambda start, end: f"(julianday({end}) - julianday({start}))")


class days_before(FunctionElement[int]):  # noqa: N801
    """Whole days from a DATE column to a later date: days_before(column, literal(day, Date))."""

    type = Integer()
    inherit_cache = True
    name = "days_before"


per_dialect(days_before,
            postgresql=lambda column, day: f"(({day}) - ({column}))",
            sqlite=lambda column, day: f"CAST(julianday({day}) - julianday({column}) AS INTEGER)")


class local_days_to(FunctionElement[int]):  # noqa: N801
    """Whole days from the Pakistan-time date of a UTC instant to a DATE:
    local_days_to(instant, date_column). Computed by the database, so thousands of instants
    need not be turned into local dates in Python."""

    type = Integer()
    inherit_cache = True
    name = "local_days_to"


per_dialect(local_days_to,
            postgresql=lambda instant, day: (
                f"(({day}) - (({instant}) AT TIME ZONE 'Asia/Karachi')::date)"),
            sqlite=lambda instant, day: (
                f"CAST(julianday({day}) - julianday(date({instant}, '+5 hours')) AS INTEGER)"))
