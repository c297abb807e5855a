"""The appellate / ADR officer's lists (the *Disputes* screen): matters pending before a forum,
fewest days to the decision limit first; the open windows for a further appeal; and the
orders-in-original still open to a first appeal or ADR application. Read-only; the rules they
apply (windows, limits, what is lapsed) live in `disputes`."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.clock import Clock, local_date
from workflows.deadlines import days_for

from . import dispute_money as money
from .disputes import (DECISION_TASK, FILING_KEY, FURTHER_TASK, Order, for_case, opening,
                       window_ends)
from ..models import AuditCase, OpenTask, User
from ..models.dispute import Dispute


@dataclass(frozen=True)
class DocketRow:
    dispute: Dispute
    case: AuditCase
    days_left: int | None  # to the decision limit; None: the forum has none
    task_id: str | None  # the open decision task


@dataclass(frozen=True)
class WindowRow:
    case: AuditCase
    task: OpenTask  # record_further_appeal
    days_left: int
    last: Dispute | None


def docket(session: Session, user: User, *, clock: Clock) -> tuple[list[DocketRow],
                                                                      list[WindowRow]]:
    """Pending ADR applications and appeals, fewest days to the decision limit first (forums
    without a limit last, oldest filing first), and the open filing windows, soonest first."""
    today = local_date(clock.now())
    tasks = {(t.case_id, t.element_id): t for t in session.scalars(
        select(OpenTask).where(OpenTask.element_id.in_([*DECISION_TASK.values(), FURTHER_TASK])))}
    rows = []
    for dispute, case in session.execute(
            select(Dispute, AuditCase).join(AuditCase, AuditCase.id == Dispute.case_id)
            .where(Dispute.outcome.is_(None))):
        task = tasks.get((case.id, DECISION_TASK[dispute.forum]))
        if task is None:
            continue  # lapsed undecided: the process has moved on
        rows.append(DocketRow(dispute, case, dispute.days_left(today), task.task_id))
    rows.sort(key=lambda r: (r.days_left is None, r.days_left or 0, r.dispute.filed_on,
                             r.dispute.id))
    windows = []
    for (case_id, element), task in tasks.items():
        if element != FURTHER_TASK:
            continue
        case = session.get(AuditCase, case_id)
        assert case is not None
        chain = for_case(session, case)
        windows.append(WindowRow(case, task, (task.due_on - today).days,
                                 chain[-1] if chain else None))
    windows.sort(key=lambda w: (w.days_left, w.case.id))
    return rows, windows


@dataclass(frozen=True)
class FirstFilingRow:
    """An order-in-original still open to its first appeal or ADR application."""

    case: AuditCase
    order: Order
    file_by: dt.date  # the Collector (Appeals) window's last day
    days_left: int
    demand: Decimal  # the demand now (the ledger's `demanded`)


def orders_open(session: Session, *, clock: Clock, limit: int = 200) -> list[FirstFilingRow]:
    """Orders-in-original (adjudged) whose first filing window is still open and against which
    nothing was filed yet, the window closing soonest first: where an appellate officer finds
    a case to record the trader's appeal or ADR application on."""
    from ..models import Adjudication, OrderInOriginal
    today = local_date(clock.now())
    # Windows are date-effective rules: a generous lower bound on the order date in SQL, the
    # exact window (from the rule in force on the order's date) below.
    widest = max(days_for(session, FILING_KEY["collector_appeals"], today), 1) * 3
    filed = select(Dispute.id).where(Dispute.case_id == Adjudication.case_id,
                                     Dispute.original_order == OrderInOriginal.number)
    query = (select(OrderInOriginal, AuditCase)
             .join(Adjudication, Adjudication.id == OrderInOriginal.adjudication_id)
             .join(AuditCase, AuditCase.id == Adjudication.case_id)
             .where(OrderInOriginal.outcome == "adjudged",
                    OrderInOriginal.order_date >= today - dt.timedelta(days=widest),
                    ~filed.exists())
             .order_by(OrderInOriginal.order_date, OrderInOriginal.id))
    rows = []
    for order, case in session.execute(query):
        found = opening(session, case)
        if found is None or found.original.number != order.number or found.order != found.original:
            continue  # a later order replaced it, or a dispute is under way
        ends = window_ends(session, "collector_appeals", found)
        if ends >= today:
            rows.append(FirstFilingRow(case, found.original, ends, (ends - today).days,
                                       money.total(money.demand(session, case))))
    rows.sort(key=lambda r: (r.file_by, r.case.id))
    return rows[:limit]
