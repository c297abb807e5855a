"""Performance: audits started, completed and closed; hit rate; days between stages;
workload and results per officer."""
from __future__ import annotations

from sqlalchemy.orm import Session

from audit_app.errors import ValidationFailed
from audit_app.models import AuditCase

from ..filters import Filters, parse_period
from ..registry import Dashboard, Drill
from . import callbacks, layout, queries, tables


def drill(session: Session, f: Filters, source: str, key: str) -> Drill:
    if source == "perf-monthly":
        measure, _, month = key.partition(":")
        period = parse_period(month)
        builders = {"started": queries.started_cases, "completed": queries.completed_cases,
                    "closed": queries.closed_cases}
        if measure in builders:
            return Drill(f"Audits {measure} in {period.start:%B %Y}", builders[measure](f, period))
    if source == "perf-directorates":
        code = None if key in ("", "-") else key
        return Drill(f"Audits completed in {f.window.label}, directorate {code or '(none)'}",
                     queries.completed_cases(f).where(AuditCase.directorate_code.is_(None)
                                                      if code is None else
                                                      AuditCase.directorate_code == code))
    if source == "perf-officers" and key.isdigit():
        return Drill("Cases with the officer's open tasks or audits completed in "
                     f"{f.window.label}", queries.officer_cases(f, int(key)))
    raise ValidationFailed("Unknown drill-down.", {"source": source, "key": key})


DASHBOARD = Dashboard(
    slug=layout.SLUG, title="Performance",
    description="Audits started, completed and closed; hit rate; days between stages; "
                "workload per officer.",
    layout=layout.layout, register_callbacks=callbacks.register, tables=tables.TABLES,
    drill=drill)
