"""The statutory clock of adjudication (s.179(3)): the order-in-original within `order_days`
(120) of the show-cause notice, extendable once by up to `extension_max_days` (30) with reasons
recorded before expiry; warnings `first_warning_days_before` (30) and
`final_warning_days_before` (10) days before the limit, and a last one when it passes. All
days are date-effective deadline rules (`workflows.deadlines`), DOMAIN's values the defaults.

The due day is stored on the proceeding (`Adjudication.order_due_on`), so the docket and the
breach check are one query on a partial index over open proceedings; the warnings are
`WorkflowTimer` rows of kind `adj_limit` that the ordinary worker fires exactly once.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from workflows import worker
from workflows.clock import Clock, end_of_day_utc, local_date
from workflows.deadlines import days_for

from ..errors import Conflict, PermissionDenied, ValidationFailed
from ..models import (AdjudicatingOfficer, Adjudication, AuditCase, CaseEvent, OpenTask, Role,
                      User, WorkflowTimer)

TIMER_KIND = "adj_limit"
WARNINGS = (("first", 1, "adjudication.first_warning_days_before"),
            ("final", 2, "adjudication.final_warning_days_before"))
PASSED_LEVEL = 3


@dataclass(frozen=True)
class ClockState:
    """What every adjudication screen shows about the limit."""

    started_on: dt.date | None
    due_on: dt.date | None
    days_left: int | None  # negative once passed
    day_number: int | None  # today is day N after the SCN (or the remand)
    extended: bool
    risk: str  # none | ok | warning | critical | passed | ended

    @property
    def label(self) -> str:
        if self.due_on is None or self.days_left is None:
            return "Statutory clock starts when the show-cause notice is issued"
        if self.risk == "ended":
            return f"Order limit was {self.due_on:%d %b %Y}"
        if self.days_left < 0:
            return f"Order limit passed on {self.due_on:%d %b %Y} ({-self.days_left} days ago)"
        return (f"{self.days_left} days left to pass the order (limit {self.due_on:%d %b %Y}"
                f"{', extended' if self.extended else ''})")


def state(adj: Adjudication | None, today: dt.date) -> ClockState:
    if adj is None or adj.order_due_on is None or adj.clock_started_on is None:
        return ClockState(None, None, None, None, False, "none")
    left = (adj.order_due_on - today).days
    day = (today - adj.clock_started_on).days
    extended = adj.extension_days > 0
    if adj.ended_on is not None:
        return ClockState(adj.clock_started_on, adj.order_due_on, left, day, extended, "ended")
    risk = ("passed" if left < 0 else "critical" if left <= 10 else
            "warning" if left <= 30 else "ok")
    return ClockState(adj.clock_started_on, adj.order_due_on, left, day, extended, risk)


def start(session: Session, adj: Adjudication, started_on: dt.date, *, key: str) -> None:
    """Start the clock on `started_on` (the SCN's date, or the remand's) with the days the rule
    `key` allows on that date, and schedule its warnings."""
    adj.clock_started_on = started_on
    adj.order_due_on = started_on + dt.timedelta(days=days_for(session, key, started_on))
    adj.extension_days, adj.warning_level = 0, 0
    _schedule(session, adj, started_on)


def request_extension(session: Session, adj: Adjudication, *, actor: User, clock: Clock,
                      days: int, reasons: str) -> Adjudication:
    """The one extension, with reasons, recorded before the limit expires."""
    today = local_date(clock.now())
    if not actor.has_role(Role.ADJUDICATION_OFFICER):
        raise PermissionDenied("Only an adjudication officer extends the order limit.")
    if adj.officer_id not in (None, actor.id) and _rank(session, actor) != "collector":
        raise PermissionDenied("Only the adjudicating officer (or a Collector) extends the "
                               "order limit.")
    if adj.ended_on is not None:
        raise Conflict("The proceeding has ended; there is no limit to extend.")
    if adj.order_due_on is None:
        raise Conflict("The order limit starts with the show-cause notice; nothing to extend.")
    if adj.extension_days:
        raise Conflict(f"The limit was already extended once (by {adj.extension_days} days on "
                       f"{adj.extension_requested_on:%d %b %Y}); the law allows one extension.")
    if today > adj.order_due_on:
        raise Conflict(f"The limit expired on {adj.order_due_on:%d %b %Y}: an extension must be "
                       "recorded before expiry. The case can only be flagged time-barred.")
    most = days_for(session, "adjudication.extension_max_days", today)
    errors: dict[str, str] = {}
    if not 1 <= days <= most:
        errors["days"] = f"from 1 to {most} days"
    reasons = (reasons or "").strip()
    if len(reasons) < 10:
        errors["reasons"] = "the reasons must be recorded"
    if errors:
        raise ValidationFailed("Extension not recorded.", errors)
    before = adj.order_due_on
    adj.order_due_on = before + dt.timedelta(days=days)
    adj.extension_days, adj.extension_reasons = days, reasons[:4000]
    adj.extension_requested_on, adj.extended_by_id = today, actor.id
    adj.warning_level = 0
    _schedule(session, adj, today)
    session.add(CaseEvent(case_id=adj.case_id, at=clock.now(), actor_id=actor.id,
                          kind="order_limit_extended",
                          summary=f"Order limit extended by {days} days, from {before:%d %b %Y} "
                                  f"to {adj.order_due_on:%d %b %Y}",
                          data={"days": days, "reasons": reasons[:4000],
                                "from": before.isoformat(),
                                "to": adj.order_due_on.isoformat()}))
    session.flush()
    return adj


def stop(session: Session, adj: Adjudication, ended_on: dt.date) -> None:
    adj.ended_on = ended_on
    if adj.instance_id is not None:
        session.execute(delete(WorkflowTimer).where(
            WorkflowTimer.instance_id == adj.instance_id, WorkflowTimer.kind == TIMER_KIND,
            WorkflowTimer.fired_at.is_(None)))


def breaching_within(session: Session, today: dt.date, days: int = 30,
                     limit: int | None = None) -> list[tuple[int, int, dt.date]]:
    """(adjudication id, case id, order due on) of every open proceeding whose limit falls in
    the next `days` days (or has passed), soonest first: one range scan of the partial index."""
    query = (select(Adjudication.id, Adjudication.case_id, Adjudication.order_due_on)
             .where(Adjudication.ended_on.is_(None),
                    Adjudication.order_due_on <= today + dt.timedelta(days=days))
             .order_by(Adjudication.order_due_on, Adjudication.id))
    if limit is not None:
        query = query.limit(limit)
    return [(a, c, d) for a, c, d in session.execute(query)]


def _schedule(session: Session, adj: Adjudication, today: dt.date) -> None:
    """(Re)write the proceeding's pending warnings for its current due day."""
    assert adj.order_due_on is not None
    session.flush()
    if adj.instance_id is None:
        return
    session.execute(delete(WorkflowTimer).where(
        WorkflowTimer.instance_id == adj.instance_id, WorkflowTimer.kind == TIMER_KIND,
        WorkflowTimer.fired_at.is_(None)))
    session.flush()
    fired = set(session.scalars(select(WorkflowTimer.task_id).where(
        WorkflowTimer.instance_id == adj.instance_id, WorkflowTimer.kind == TIMER_KIND)))
    marks = [(name, days_for(session, key, today)) for name, _, key in WARNINGS]
    marks.append(("passed", -1))
    for name, before in marks:
        # A warning "N days before" fires as the day with N days left begins (Pakistan time).
        due_at = end_of_day_utc(adj.order_due_on - dt.timedelta(days=before + 1))
        task_id = f"adj{adj.id}:{name}:{adj.order_due_on.isoformat()}"
        if task_id in fired:
            continue
        session.add(WorkflowTimer(instance_id=adj.instance_id, task_id=task_id,
                                  element_id=f"order_limit_{name}", kind=TIMER_KIND,
                                  due_at=due_at))
    session.flush()


def _rank(session: Session, user: User) -> str | None:
    return session.scalar(select(AdjudicatingOfficer.rank)
                          .where(AdjudicatingOfficer.user_id == user.id))


def _fire(session: Session, timer: WorkflowTimer, clock: Clock) -> str:
    adj = session.scalar(select(Adjudication).where(Adjudication.instance_id == timer.instance_id))
    if adj is None or adj.ended_on is not None or adj.order_due_on is None:
        return "proceeding ended"
    name = timer.element_id.removeprefix("order_limit_")
    level = {"first": 1, "final": 2, "passed": PASSED_LEVEL}.get(name, 0)
    if adj.warning_level >= level:
        return "already warned"
    adj.warning_level = level
    case = session.get(AuditCase, adj.case_id)
    assert case is not None
    today = local_date(clock.now())
    left = (adj.order_due_on - today).days
    chief = _collector_of(session, case)
    _escalate_open_task(session, adj, chief, clock)
    summary = (f"Order limit passed on {adj.order_due_on:%d %b %Y} without an order: "
               "the case must be flagged time-barred" if level == PASSED_LEVEL else
               f"{left} days left to pass the order-in-original "
               f"(limit {adj.order_due_on:%d %b %Y})")
    session.add(CaseEvent(case_id=case.id, at=clock.now(), actor_id=None,
                          kind="order_limit_warning", element_id=timer.element_id,
                          summary=summary,
                          data={"level": level, "days_left": left,
                                "order_due_on": adj.order_due_on.isoformat(),
                                "officer_id": adj.officer_id, "escalated_to_id": chief}))
    return f"warning {name}: {left} days left"


def _escalate_open_task(session: Session, adj: Adjudication, chief: int | None,
                        clock: Clock) -> None:
    """The Collector sees the proceeding among the escalations of their work queue: its open
    adjudication task is marked escalated to them (once)."""
    if chief is None or adj.instance_id is None:
        return
    for task in session.scalars(select(OpenTask).where(
            OpenTask.instance_id == adj.instance_id,
            OpenTask.lane == Role.ADJUDICATION_OFFICER.value)):
        if task.escalated_to_id is None:
            task.escalated_at, task.escalated_to_id = clock.now(), chief


def _collector_of(session: Session, case: AuditCase) -> int | None:
    """The Collector of the adjudication office, who hears of cases nearing the limit."""
    query = (select(User.id).join(AdjudicatingOfficer, AdjudicatingOfficer.user_id == User.id)
             .where(AdjudicatingOfficer.rank == "collector", User.is_active.is_(True))
             .order_by(User.id).limit(1))
    if case.adjudication_office:
        query = query.where(User.directorate_code == case.adjudication_office)
    return session.scalar(query)


worker.TIMER_KINDS[TIMER_KIND] = _fire
