"""Risk effectiveness: hit rate and yield per rule and model version against the random share,
coverage of clearances, score drift."""
from __future__ import annotations

from sqlalchemy.orm import Session

from audit_app.errors import ValidationFailed

from ..filters import Filters, parse_period
from ..registry import Dashboard, Drill
from . import callbacks, layout, queries, tables


def drill(session: Session, f: Filters, source: str, key: str) -> Drill:
    if source in ("risk-rules", "risk-rules-table") and key:
        return Drill(f"Cases with items flagged by rule {key}", queries.rule_cases(f, key))
    if source == "risk-models" and key:
        return Drill(f"Cases with items scored by model {key}", queries.model_cases(f, key))
    if source == "risk-selection" and key in ("risk", "random"):
        return Drill(f"Cases selected on {key}, opened in {f.window.label}",
                     queries.basis_cases(f, key).where(*_opened_in(f)))
    if source == "risk-coverage" and key:
        parse_period(key)
        return Drill(f"Cases auditing declarations cleared in {key}", queries.coverage_cases(f, key))
    raise ValidationFailed("Unknown drill-down.", {"source": source, "key": key})


def _opened_in(f: Filters) -> list:  # type: ignore[type-arg]
    from audit_app.models import AuditCase
    return [AuditCase.created_at >= f.window.start_utc, AuditCase.created_at < f.window.end_utc]


DASHBOARD = Dashboard(
    slug=layout.SLUG, title="Risk effectiveness",
    description="Hit rate and yield per rule and model version against the random share; "
                "coverage of clearances; score drift.",
    layout=layout.layout, register_callbacks=callbacks.register, tables=tables.TABLES,
    drill=drill)
