"""Revenue recovery: the funnel from detection to recovery, the monthly trend against targets,
breakdowns, and arrears by age with stayed amounts apart. Every amount comes from the ledger."""
from __future__ import annotations

from sqlalchemy.orm import Session

from audit_app.errors import ValidationFailed
from audit_app.models import ACCOUNTS

from ..filters import Filters, parse_period
from ..registry import Dashboard, Drill
from . import callbacks, layout, queries, tables

LABELS = dict(queries.FUNNEL)


def drill(session: Session, f: Filters, source: str, key: str) -> Drill:
    if source == "rev-funnel" and key in LABELS:
        return Drill(f"{LABELS[key]} in {f.window.label}", queries.stage_cases(f, key))
    if source == "rev-trend":
        account, _, month = key.partition(":")
        if account in ACCOUNTS:
            period = parse_period(month)
            label = dict(queries.TREND).get(account, account)
            return Drill(f"{label} in {period.start:%B %Y}", queries.month_cases(f, account, month))
    if source == "rev-breakdown" and ":" in key:
        dimension, _, value = key.partition(":")
        return Drill(f"{queries.DIMENSIONS.get(dimension, dimension)} {value}, {f.window.label}",
                     queries.breakdown_cases(session, f, key))
    if source == "rev-arrears":
        if key in [label for label, _, _ in queries.AGE_BUCKETS]:
            return Drill(f"Arrears {key} old at {f.window.end}", queries.arrears_cases(f, key))
    raise ValidationFailed("Unknown drill-down.", {"source": source, "key": key})


DASHBOARD = Dashboard(
    slug=layout.SLUG, title="Revenue recovery",
    description="Detected, adjudged and recovered amounts; the monthly trend against targets; "
                "breakdowns; arrears by age with stayed amounts apart.",
    layout=layout.layout, register_callbacks=callbacks.register, tables=tables.TABLES,
    drill=drill)
