"""Performance tables (shown on the page and exported)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ..filters import Filters
from ..tables import Column, Table
from . import queries


def stages_table(stages: list[queries.StageDays]) -> Table:
    return Table("stages", "Days between stages", [
        Column("stage", "Stage"), Column("cases", "Cases", "int"),
        Column("median", "Median days", "days"), Column("p90", "90th percentile days", "days")],
        [{"stage": s.stage, "cases": s.cases, "median": s.median, "p90": s.p90} for s in stages])


def officers_table(officers: list[queries.Officer]) -> Table:
    return Table("officers", "Workload and results per officer", [
        Column("name", "Officer"), Column("open_tasks", "Open tasks", "int"),
        Column("overdue", "Overdue", "int"), Column("completed", "Audits completed", "int"),
        Column("with_finding", "With a short levy", "int"),
        Column("detected", "Detected", "rupees")],
        [{"name": o.name, "_drill": o.user_id, "open_tasks": o.open_tasks, "overdue": o.overdue,
          "completed": o.completed, "with_finding": o.with_finding, "detected": o.detected_pkr}
         for o in officers], drill="name")


def directorates_table(rows: list[dict]) -> Table:  # type: ignore[type-arg]
    return Table("directorates", "Hit rate by directorate", [
        Column("directorate", "Directorate"), Column("completed", "Audits completed", "int"),
        Column("with_finding", "With a short levy", "int"),
        Column("hit_rate", "Hit rate", "percent"), Column("detected", "Detected", "rupees")],
        rows, drill="directorate")


def time_limits_table(risk) -> Table:  # type: ignore[no-untyped-def]
    return Table("timelimits", "Orders due: time-bar risk", [
        Column("window", "Order due within"), Column("cases", "Cases", "int"),
        Column("amount", "Amount involved", "rupees")],
        [{"window": f"{days} days", "cases": n, "amount": amount}
         for days, n, amount in risk.windows])


def appeals_table(rows: list[dict]) -> Table:  # type: ignore[type-arg]
    from audit_app.models.dispute import OUTCOME_LABELS
    outcomes = [k for k in OUTCOME_LABELS if any(k in r for r in rows)] or [
        "upheld", "reduced", "set_aside", "remanded"]
    return Table("appeals", "Appeal outcomes by forum", [
        Column("forum", "Forum"), Column("decided", "Decided", "int"),
        *(Column(k, OUTCOME_LABELS.get(k, k), "int") for k in outcomes)],
        [{k: v for k, v in r.items() if k != "_labels"} for r in rows])


def build(session: Session, f: Filters, name: str) -> Table:
    if name == "stages":
        return stages_table(queries.stage_days(session, f))
    if name == "officers":
        return officers_table(queries.workload(session, f, dt.datetime.now(dt.timezone.utc)))
    return directorates_table(queries.by_directorate(session, f))


TABLES = {
    "stages": lambda s, f: build(s, f, "stages"),
    "officers": lambda s, f: build(s, f, "officers"),
    "directorates": lambda s, f: build(s, f, "directorates"),
    "appeals": lambda s, f: appeals_table(queries.appeal_outcomes(s, f)),
}
