"""Performance figures: audits started, completed (audit observation issued) and closed; hit
rate and conversion; days between stages; workload and results per officer.

Definitions (also on the page):
- started: the case was opened in the period (its proposal approved and the audit begun);
- completed: the audit observation was issued in the period (every audit ends in one);
- closed: the case reached a closed status in the period;
- hit rate: completed audits whose findings carry a short levy, over completed audits;
- conversion: contravention reports framed over observations issued, in the period;
- days selection -> observation: from the selection that proposed the case (the case's
  opening when it had no proposal) to the observation, for observations in the period.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import Select, and_, case, func, literal, select
from sqlalchemy.orm import Session

from audit_app.models import AuditCase, CaseEvent, CaseFact, OpenTask, User
from workflows.clock import as_utc

from ..filters import Filters, Period
from ..sql import days_before, days_between, local_days_to, local_month

OBSERVATION = "issue_observation"
CONTRAVENTION_END = "referred_to_adjudication"


def _in(column: Any, period: Period) -> Any:
    return and_(column >= period.start_utc, column < period.end_utc)


def _of_cases(case_id: Any, f: Filters) -> list[Any]:
    """`case_id` is one of the cases matching the filters (nothing to join without filters)."""
    return f.case_id_conditions(case_id)


def _events(element: str, period: Period, kind: str = "task_completed") -> Any:
    """The events of one step in the period (index kind, element_id, at). An audit issues its
    observation once; a case counts once however many events it has."""
    return (select(CaseEvent.case_id.label("case_id"), CaseEvent.at.label("at"))
            .where(CaseEvent.kind == kind, CaseEvent.element_id == element,
                   _in(CaseEvent.at, period)))


def started_cases(f: Filters, period: Period | None = None) -> Select[Any]:
    period = period or f.window
    return select(AuditCase.id).where(_in(AuditCase.created_at, period), *f.case_conditions())


def completed_cases(f: Filters, period: Period | None = None) -> Select[Any]:
    period = period or f.window
    observed = _events(OBSERVATION, period).with_only_columns(CaseEvent.case_id)
    return select(AuditCase.id).where(AuditCase.id.in_(observed), *f.case_conditions())


def closed_cases(f: Filters, period: Period | None = None) -> Select[Any]:
    period = period or f.window
    return select(AuditCase.id).where(AuditCase.status.startswith("closed"),
                                      _in(AuditCase.closed_at, period), *f.case_conditions())


def contravention_cases(f: Filters, period: Period | None = None) -> Select[Any]:
    period = period or f.window
    ended = _events(CONTRAVENTION_END, period, kind="case_closed").with_only_columns(CaseEvent.case_id)
    return select(AuditCase.id).where(AuditCase.id.in_(ended), *f.case_conditions())


def hit_cases(f: Filters, period: Period | None = None) -> Select[Any]:
    return completed_cases(f, period).where(AuditCase.short_levy_total_pkr > 0)


@dataclass(frozen=True)
class Headline:
    started: int
    completed: int
    closed: int
    with_finding: int
    contraventions: int
    detected_pkr: Decimal

    @property
    def hit_rate(self) -> float | None:
        return self.with_finding / self.completed if self.completed else None

    @property
    def conversion(self) -> float | None:
        return self.contraventions / self.completed if self.completed else None


def _count(session: Session, ids: Select[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(ids.subquery())) or 0)


@dataclass(frozen=True)
class Completed:
    """Audits completed in the period per directorate and auditor: how many, how many with a
    short levy, and the short levy they found. One pass over the observations of the period
    serves the headline, the directorate table and the officers' results."""
    directorate: str | None
    auditor_id: int | None
    completed: int
    with_finding: int
    detected_pkr: Decimal


def completed_groups(session: Session, f: Filters) -> list[Completed]:
    # The cases of `completed_cases` grouped where they are read (joining that query back to
    # the cases read them twice).
    observed = _events(OBSERVATION, f.window).with_only_columns(CaseEvent.case_id)
    keys = (AuditCase.directorate_code, AuditCase.auditor_id)
    return [Completed(d, a, int(n), int(h), Decimal(s)) for d, a, n, h, s in session.execute(
        select(*keys, func.count(),
               func.coalesce(func.sum(case((AuditCase.short_levy_total_pkr > 0, 1), else_=0)), 0),
               func.coalesce(func.sum(AuditCase.short_levy_total_pkr), 0))
        .where(AuditCase.id.in_(observed), *f.case_conditions()).group_by(*keys))]


@dataclass(frozen=True)
class OpenedClosed:
    """Cases started and closed in the period, and per month of the trend window."""
    started: int
    closed: int
    per_month: dict[str, dict[str, int]]  # 'YYYY-MM' -> {"started": n, "closed": n}


def opened_and_closed(session: Session, f: Filters) -> OpenedClosed:
    """The cases started or closed in the trend window (which holds the period), in one pass
    over the cases grouped by the months they were opened and closed: the headline's two
    counts and the trend's two series read the cases table once instead of four times (no
    index serves an instant's month)."""
    period, window = f.window, f.window.trailing_months(12)
    closed = AuditCase.status.startswith("closed")

    def flag(condition: Any) -> Any:
        return case((condition, 1), else_=0)
    started_in, closed_in = _in(AuditCase.created_at, window), closed & _in(AuditCase.closed_at, window)
    keys = (local_month(AuditCase.created_at), local_month(AuditCase.closed_at),
            flag(started_in), flag(closed_in))
    query = (select(*keys, func.count(), func.sum(flag(_in(AuditCase.created_at, period))),
                    func.sum(flag(closed & _in(AuditCase.closed_at, period))))
             .where(started_in | closed_in, *f.case_conditions()).group_by(*keys))
    per_month = {m: {"started": 0, "closed": 0} for m in window.months}
    started = closed_count = 0
    for opened_month, closed_month, was_started, was_closed, n, in_period, closed_in_period \
            in session.execute(query):
        if was_started and opened_month in per_month:
            per_month[opened_month]["started"] += int(n)
        if was_closed and closed_month in per_month:
            per_month[closed_month]["closed"] += int(n)
        started += int(in_period or 0)
        closed_count += int(closed_in_period or 0)
    return OpenedClosed(started, closed_count, per_month)


def contraventions(session: Session, f: Filters) -> int:
    """How many cases of `contravention_cases`, counted on the events alone (the cases table
    only when a filter needs it)."""
    ended = _events(CONTRAVENTION_END, f.window, kind="case_closed").subquery()
    return int(session.scalar(select(func.count(func.distinct(ended.c.case_id)))
                              .where(*_of_cases(ended.c.case_id, f))) or 0)


def headline(session: Session, f: Filters, groups: list[Completed] | None = None,
             counts: OpenedClosed | None = None) -> Headline:
    groups = completed_groups(session, f) if groups is None else groups
    counts = opened_and_closed(session, f) if counts is None else counts
    return Headline(started=counts.started,
                    completed=sum(g.completed for g in groups),
                    closed=counts.closed,
                    with_finding=sum(g.with_finding for g in groups),
                    contraventions=contraventions(session, f),
                    detected_pkr=sum((g.detected_pkr for g in groups), Decimal(0)))


def monthly(session: Session, f: Filters,
            counts: OpenedClosed | None = None) -> dict[str, dict[str, int]]:
    """Started / completed / closed per month over the trend window (12 months at least)."""
    window = f.window.trailing_months(12)
    counts = opened_and_closed(session, f) if counts is None else counts
    out = {m: {"started": counts.per_month[m]["started"], "completed": 0,
               "closed": counts.per_month[m]["closed"]} for m in window.months}
    obs = _events(OBSERVATION, window).subquery()
    for month, count in session.execute(
            select(local_month(obs.c.at), func.count(func.distinct(obs.c.case_id)))
            .select_from(obs).where(*_of_cases(obs.c.case_id, f)).group_by(local_month(obs.c.at))):
        if month in out:
            out[month]["completed"] = int(count)
    return out


@dataclass(frozen=True)
class StageDays:
    stage: str
    cases: int
    median: float | None
    p90: float | None


def percentile_days(days: list[float]) -> tuple[float | None, float | None]:
    """Median and 90th percentile (linear interpolation between ranks)."""
    if not days:
        return None, None
    values = np.asarray(days, dtype=float)
    return float(np.percentile(values, 50)), float(np.percentile(values, 90))


def _days(start: dt.datetime, end: dt.datetime) -> float:
    return (as_utc(end) - as_utc(start)).total_seconds() / 86400


def _selection_to_observation(f: Filters) -> Select[Any]:
    obs = _events(OBSERVATION, f.window).subquery()
    # The selection instant is kept in the facts (the proposal's, else the case's opening).
    return (select(func.min(days_between(CaseFact.selected_at, obs.c.at)).label("days"))
            .select_from(obs).join(CaseFact, CaseFact.case_id == obs.c.case_id)
            .where(*_of_cases(obs.c.case_id, f)).group_by(obs.c.case_id))


def selection_to_observation(session: Session, f: Filters) -> list[float]:
    """Days from selection to the case's first observation, for observations in the period."""
    return _days_of(session, _selection_to_observation(f))


def _days_of(session: Session, query: Select[Any]) -> list[float]:
    return [float(days) for (days,) in session.execute(query)]  # counted by the database


def observation_to_order(session: Session, f: Filters) -> list[float]:
    """Days from the audit observation to the order-in-original (the first day an entry raised
    the case's `adjudged` account, kept in `case_facts`), for orders in the period."""
    return _days_of(session, _observation_to_order(f))


def _observation_to_order(f: Filters) -> Select[Any]:
    period = f.window
    # From the first observation: the most days from any observation's local date (counted
    # by the database, not per row in Python).
    return (select(func.max(local_days_to(CaseEvent.at, CaseFact.adjudged_on)).label("days"))
            .select_from(CaseFact).join(CaseEvent, CaseEvent.case_id == CaseFact.case_id)
            .where(CaseFact.adjudged_on >= period.start, CaseFact.adjudged_on <= period.end,
                   CaseEvent.kind == "task_completed", CaseEvent.element_id == OBSERVATION,
                   *_of_cases(CaseFact.case_id, f))
            .group_by(CaseFact.case_id))


def order_to_recovery(session: Session, f: Filters) -> list[float]:
    """Days from the order to the last payment, for cases whose recovery ended (status
    `recovered`) with their last payment in the period (both dates kept in `case_facts`)."""
    return _days_of(session, _order_to_recovery(f))


def _order_to_recovery(f: Filters) -> Select[Any]:
    return (select(days_before(CaseFact.adjudged_on, CaseFact.last_paid_on).label("days"))
            .join(AuditCase, AuditCase.id == CaseFact.case_id)
            .where(AuditCase.status == "recovered", CaseFact.adjudged_on.is_not(None),
                   CaseFact.last_paid_on >= f.window.start, CaseFact.last_paid_on <= f.window.end,
                   *f.case_conditions()))


def stage_days(session: Session, f: Filters,
               extra: list[tuple[str, list[float]]] | None = None) -> list[StageDays]:
    stages = [("Selection to audit observation", _selection_to_observation(f)),
              ("Audit observation to order-in-original", _observation_to_order(f)),
              ("Order-in-original to recovery", _order_to_recovery(f))]
    if session.get_bind().dialect.name == "postgresql":
        # The median and 90th percentile in the database (percentile_cont interpolates as
        # `percentile_days` does): three rows back instead of every case's days.
        out = [_stage_in_sql(session, name, query) for name, query in stages]
    else:
        out = [_stage(name, _days_of(session, query)) for name, query in stages]
    return out + [_stage(name, days) for name, days in extra or []]


def _stage(name: str, days: list[float]) -> StageDays:
    return StageDays(name, len(days), *percentile_days(days))


def _stage_in_sql(session: Session, name: str, query: Select[Any]) -> StageDays:
    days = query.subquery().c.days
    n, p50, p90 = session.execute(select(
        func.count(days), func.percentile_cont(0.5).within_group(days),
        func.percentile_cont(0.9).within_group(days))).one()
    return StageDays(name, n, float(p50) if n else None, float(p90) if n else None)


@dataclass(frozen=True)
class Officer:
    user_id: int
    name: str
    open_tasks: int
    overdue: int
    completed: int
    with_finding: int
    detected_pkr: Decimal


def workload(session: Session, f: Filters, now: dt.datetime,
             groups: list[Completed] | None = None) -> list[Officer]:
    """Open tasks (and overdue ones) per assignee, and each auditor's audits completed in the
    period with their results; officers with neither are left out."""
    tasks = dict()
    query = (select(OpenTask.assignee_id, func.count(),
                    func.coalesce(func.sum(case((OpenTask.due_at <= now, 1), else_=0)), 0))
             .where(OpenTask.assignee_id.is_not(None)).group_by(OpenTask.assignee_id))
    query = query.where(*f.case_id_conditions(OpenTask.case_id))
    for user_id, total, overdue in session.execute(query):
        tasks[user_id] = (int(total), int(overdue))
    results: dict[int, tuple[int, int, Decimal]] = {}
    for g in completed_groups(session, f) if groups is None else groups:
        if g.auditor_id is not None:
            n, hits, detected = results.get(g.auditor_id, (0, 0, Decimal(0)))
            results[g.auditor_id] = (n + g.completed, hits + g.with_finding,
                                     detected + g.detected_pkr)
    ids = set(tasks) | set(results)
    names = {uid: name for uid, name in session.execute(
        select(User.id, User.full_name).where(User.id.in_(ids)))} if ids else {}
    out = [Officer(uid, names.get(uid, f"user {uid}"), *tasks.get(uid, (0, 0)),
                   *results.get(uid, (0, 0, Decimal(0)))) for uid in ids]
    return sorted(out, key=lambda o: (-o.open_tasks, -o.completed, o.name))


def officer_cases(f: Filters, user_id: int) -> Select[Any]:
    """Cases behind an officer's row: those with a task open on them, or audited by them and
    completed in the period."""
    with_task = select(OpenTask.case_id).where(OpenTask.assignee_id == user_id)
    done = completed_cases(f).where(AuditCase.auditor_id == user_id)
    return select(AuditCase.id).where(
        (AuditCase.id.in_(with_task) & and_(*f.case_conditions(), literal(True)))
        | AuditCase.id.in_(done))


def by_directorate(session: Session, f: Filters,
                   groups: list[Completed] | None = None) -> list[dict[str, Any]]:
    """Completed audits, hits and detected amount per directorate."""
    per: dict[str | None, list[Any]] = {}
    for g in completed_groups(session, f) if groups is None else groups:
        row = per.setdefault(g.directorate, [0, 0, Decimal(0)])
        row[0] += g.completed
        row[1] += g.with_finding
        row[2] += g.detected_pkr
    return [{"directorate": d or "(none)", "_drill": d or "", "completed": n,
             "with_finding": h, "hit_rate": (h / n) if n else None, "detected": s}
            for d, (n, h, s) in sorted(per.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))]


def time_limits(session: Session, f: Filters, today: dt.date | None = None) -> Any:
    """Orders made in time in the period, time-barred cases in it, and open adjudications due
    within 30/60/90 days of today (of the period's end, for a period already over)."""
    from .timelimits import time_limit_risk
    from workflows.clock import local_date
    today = today or local_date(dt.datetime.now(dt.timezone.utc))
    on = min(today, f.window.end)
    return time_limit_risk(session, on, f.window.start, f.case_conditions())


def appeal_outcomes(session: Session, f: Filters) -> list[dict[str, Any]]:
    """Decisions of each forum (ADR, Collector (Appeals), Tribunal, High Court) made in the
    period, by outcome, for the cases that match the filters."""
    from audit_app.models.dispute import FORUM_LABELS, OUTCOME_LABELS, Dispute
    rows = session.execute(
        select(Dispute.forum, Dispute.outcome, func.count())
        .where(Dispute.decided_on >= f.window.start, Dispute.decided_on <= f.window.end,
               Dispute.outcome.is_not(None),
               Dispute.case_id.in_(select(AuditCase.id).where(*f.case_conditions())))
        .group_by(Dispute.forum, Dispute.outcome))
    out: dict[str, dict[str, Any]] = {}
    for forum, outcome, n in rows:
        row = out.setdefault(forum, {"forum": FORUM_LABELS.get(forum, forum), "decided": 0})
        row[outcome] = int(n)
        row["decided"] += int(n)
    order = list(FORUM_LABELS)
    labels = OUTCOME_LABELS
    return [dict(r, _labels=labels) for _, r in sorted(out.items(), key=lambda kv: order.index(kv[0])
                                                        if kv[0] in order else 99)]
