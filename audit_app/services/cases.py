"""Audit cases: opening one from an approved proposal, the work queues, claiming, reassigning
and completing the user tasks of the case's process.

Each user task's form is validated here (server side, one function per BPMN element) and its
facts are written to the case's columns before the workflow moves, so screens, lists and
reports read columns and the process data stays small (the decisions gateways need).
Flushes, never commits.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import Session, joinedload

from workflows import runtime
from workflows.clock import Clock, as_utc, local_date
from workflows.deadlines import days_for

from . import case_facts, documents, ledger, task_forms
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..models import (AuditCase, AuditProposal, CaseEvent, CaseItem, Importer, OpenTask, Role,
                      User, UserRole)

AUDIT_TYPES = ("desk", "field")
REVIEW_DECISIONS = ("approve", "return")
MAX_ID = 2**31 - 1
REPLY_OUTCOMES = ("explanation_accepted", "voluntary_payment", "contravention")


def open_case(session: Session, proposal_id: int, actor: User, *, clock: Clock) -> AuditCase:
    """The case for an approved proposal, with its items, and its process started."""
    proposal = session.scalar(select(AuditProposal).where(AuditProposal.id == proposal_id)
                              .with_for_update(of=AuditProposal))
    if proposal is None:
        raise NotFound(f"No audit proposal {proposal_id}.")
    if proposal.status != "approved":
        raise Conflict(f"Proposal {proposal_id} is {proposal.status}; only an approved proposal "
                       "becomes a case.")
    if not actor.has_role(Role.SUPERVISOR):
        raise PermissionDenied("Only a PCA supervisor opens a case.")
    directorate = proposal.directorate_code or actor.directorate_code
    case = AuditCase(case_number=f"pending-{proposal.id}", proposal_id=proposal.id,
                     importer_id=proposal.importer_id, directorate_code=directorate,
                     supervisor_id=proposal.decided_by_id or actor.id, created_by_id=actor.id,
                     created_at=clock.now(), status="open")
    case.items = [CaseItem(item_id=i.item_id, expected_short_levy_pkr=i.expected_short_levy_pkr,
                           reasons=i.reasons) for i in proposal.items]
    session.add(case)
    session.flush()
    # The id makes the number unique without a counter two supervisors could race on.
    case.case_number = f"{directorate or 'PCA'}/{local_date(clock.now()).year}/{case.id:06d}"
    proposal.status = "converted"
    session.add(CaseEvent(case_id=case.id, at=clock.now(), actor_id=actor.id, kind="case_opened",
                          summary=f"Case {case.case_number} opened from proposal {proposal.id}",
                          data={"proposal_id": proposal.id, "items": len(case.items)}))
    case_facts.refresh(session, case.id)  # before the process starts: its steps may post
    runtime.start(session, case, clock=clock, actor_id=actor.id,
                  data={"case_id": case.id, "short_levy_total": Decimal(0)})
    return case


def suggest_auditor(session: Session, directorate: str | None) -> User | None:
    """The active auditor of the directorate with the fewest open tasks (ties: lowest id)."""
    load = (select(OpenTask.assignee_id, func.count().label("n"))
            .group_by(OpenTask.assignee_id).subquery())
    query = (select(User).join(UserRole, UserRole.user_id == User.id)
             .outerjoin(load, load.c.assignee_id == User.id)
             .where(UserRole.role == Role.AUDITOR, User.is_active.is_(True))
             .order_by(func.coalesce(load.c.n, 0), User.id).limit(1))
    if directorate:
        query = query.where(User.directorate_code == directorate)
    return session.scalar(query)


# A person whose roles are checked next: joined, instead of the mapping's `selectin` query.
_WITH_ROLES = (joinedload(User.roles),)


@dataclass(frozen=True)
class TaskRow:
    task: OpenTask
    case_number: str
    overdue: bool
    importer: str = ""  # the case's importer (the work queue shows whose case it is)


def list_tasks(session: Session, user: User, *, team: bool = False,
               clock: Clock) -> list[TaskRow]:
    """My tasks, or my team's (my directorate, lanes I hold a role for); overdue first."""
    query = (select(OpenTask, AuditCase.case_number).join(AuditCase, AuditCase.id == OpenTask.case_id)
             .order_by(OpenTask.due_at, OpenTask.id))
    if team:
        lanes = [r.value for r in user.role_set]
        query = query.where(OpenTask.lane.in_(lanes))
        if user.directorate_code:
            query = query.where(OpenTask.directorate_code == user.directorate_code)
    else:
        query = query.where(OpenTask.assignee_id == user.id)
    now = clock.now()
    return [TaskRow(t, number, as_utc(t.due_at) <= now) for t, number in session.execute(query)]


def list_escalations(session: Session, user: User, *, clock: Clock) -> list[TaskRow]:
    """Overdue tasks escalated to this supervisor, oldest breach first."""
    query = (select(OpenTask, AuditCase.case_number).join(AuditCase, AuditCase.id == OpenTask.case_id)
             .where(OpenTask.escalated_to_id == user.id)
             .order_by(OpenTask.due_at, OpenTask.id))
    return [TaskRow(t, number, True) for t, number in session.execute(query)]


TASK_LISTS = ("mine", "team", "escalations")


def task_list_conditions(user: User, which: str) -> list[Any]:
    """What puts an open task on `user`'s list `which` (in TASK_LISTS)."""
    if which not in TASK_LISTS:
        raise ValidationFailed("Unknown task list.", {"list": " or ".join(TASK_LISTS)})
    conditions: list[Any] = []
    if which == "escalations":
        conditions.append(OpenTask.escalated_to_id == user.id)
    elif which == "team":
        conditions.append(OpenTask.lane.in_([r.value for r in user.role_set]))
        if user.directorate_code:
            conditions.append(OpenTask.directorate_code == user.directorate_code)
    else:
        conditions.append(OpenTask.assignee_id == user.id)
    return conditions


def count_task_lists(session: Session, lists: Mapping[str, list[Any]]) -> dict[str, int]:
    """The length of several task lists (name -> conditions, as `task_list_conditions`) in one
    query, one filtered count each, instead of one query per list."""
    counts = [func.count(OpenTask.id).filter(and_(*c)) if c else func.count(OpenTask.id)
              for c in lists.values()]
    query = select(*counts)
    if all(lists.values()):  # only the rows of some list (each condition has its index)
        query = query.where(or_(*(and_(*c) for c in lists.values())))
    return {name: n or 0 for name, n in zip(lists, session.execute(query).one())}


def page_tasks(session: Session, user: User, *, which: str = "mine", clock: Clock,
               limit: int = 50, offset: int = 0,
               total: int | None = None) -> tuple[list[TaskRow], int]:
    """One page of a work queue (`which` in TASK_LISTS, as in `list_tasks` and
    `list_escalations`), overdue first (earliest due first), with the queue's total length
    (`total` when the caller counted it already, see `count_task_lists`)."""
    return task_page(session, task_list_conditions(user, which), limit=limit, offset=offset,
                     clock=clock, total=total)


def task_page(session: Session, conditions: list[Any], *, limit: int, offset: int,
              clock: Clock, total: int | None = None) -> tuple[list[TaskRow], int]:
    """The open tasks meeting `conditions` (on OpenTask's columns), due first, one page of
    them, each with its case number and importer, and how many there are in all (`total` when
    the caller counted it already)."""
    # Counted on the task rows alone (every open task has its case): a join would make the
    # database visit every case of a long queue just to count it.
    if total is None:
        total = session.scalar(select(func.count(OpenTask.id)).where(*conditions)) or 0
    if total <= offset:  # an empty queue (most escalation lists) needs no page query
        return [], total
    query = (select(OpenTask, AuditCase.case_number, Importer.name)
             .join(AuditCase, AuditCase.id == OpenTask.case_id)
             .join(Importer, Importer.id == AuditCase.importer_id).where(*conditions))
    now = clock.now()
    rows = session.execute(query.order_by(OpenTask.due_at, OpenTask.id)
                           .limit(limit).offset(offset))
    return [TaskRow(t, number, as_utc(t.due_at) <= now, importer)
            for t, number, importer in rows], total


def get_task(session: Session, task_id: str, user: User, *, clock: Clock) -> TaskRow:
    """One open task, for someone who may read its case."""
    task = session.scalar(select(OpenTask).where(OpenTask.task_id == task_id))
    if task is None:
        raise NotFound("No open task with this id: it was completed, cancelled or never existed.")
    case = get_case(session, task.case_id, user)
    return TaskRow(task, case.case_number, as_utc(task.due_at) <= clock.now())


_OPEN_TASKS_OF_CASE = (select(OpenTask, AuditCase.case_number)
                       .join(AuditCase, AuditCase.id == OpenTask.case_id)
                       .where(OpenTask.case_id == bindparam("case_id"))
                       .order_by(OpenTask.due_at, OpenTask.id))  # built once: every completion


def open_tasks_of_case(session: Session, case_id: int, *, clock: Clock) -> list[TaskRow]:
    """The case's open tasks, earliest due first."""
    now = clock.now()
    return [TaskRow(t, number, as_utc(t.due_at) <= now)
            for t, number in session.execute(_OPEN_TASKS_OF_CASE, {"case_id": case_id})]


def claim_task(session: Session, task_id: str, user: User, *, clock: Clock) -> OpenTask:
    """Take an unassigned task of a lane the user works in."""
    task = runtime.open_task(session, task_id, lock=True)
    if task.assignee_id not in (None, user.id):
        raise Conflict(f"'{task.name}' is already assigned; a supervisor can reassign it.")
    runtime.check_can_work(user, task)
    task.assignee_id, task.claimed_at = user.id, clock.now()
    _event(session, task, user, clock, "task_claimed", f"{task.name} claimed by {user.full_name}")
    return task


def reassign_task(session: Session, task_id: str, to_user_id: int, by: User, *,
                  clock: Clock) -> OpenTask:
    """A supervisor gives a task to another officer holding the task's role."""
    task = runtime.open_task(session, task_id, lock=True)
    if not by.has_role(Role.SUPERVISOR):
        raise PermissionDenied("Only a PCA supervisor reassigns tasks.")
    if task.directorate_code and by.directorate_code != task.directorate_code:
        raise PermissionDenied(f"'{task.name}' belongs to directorate {task.directorate_code}.")
    target = session.get(User, to_user_id, options=_WITH_ROLES)  # its roles in the same query
    if target is None or not target.is_active:
        raise ValidationFailed("Task not reassigned.", {"assignee_id": "no such active officer"})
    runtime.check_can_work(target, _unassigned(task))
    previous = task.assignee_id
    task.assignee_id, task.claimed_at = target.id, clock.now()
    _event(session, task, by, clock, "task_reassigned",
           f"{task.name} reassigned to {target.full_name}",
           {"from_user_id": previous, "to_user_id": target.id})
    return task


def complete_task(session: Session, task_id: str, user: User, form: Mapping[str, Any], *,
                  clock: Clock) -> AuditCase:
    """Validate the task's form, record its facts on the case, and move the process on."""
    task = runtime.open_task(session, task_id, lock=True)
    runtime.check_can_work(user, task)
    case = session.get(AuditCase, task.case_id)
    assert case is not None
    handler = task_forms.handler_for(task.element_id)
    if handler is None:
        raise ValidationFailed(f"No form is defined for '{task.name}'.")
    with task_forms.acting_as(user):
        data = handler(session, case, form, clock)
    # The notice of audit and the audit observation are issued with their task, in its flush.
    documents.issue_for_task(session, case, task.element_id, {**form, **data}, actor=user,
                             clock=clock)
    runtime.complete_task(session, task_id, user, data, clock=clock, row=task)
    return case


def get_case(session: Session, case_id: int, user: User) -> AuditCase:
    """A case the user may read: their directorate's, or any for management and for
    appellate / ADR officers (appellate forums hear appeals from every collectorate)."""
    case = session.get(AuditCase, case_id)
    if case is None:
        raise NotFound(f"No audit case {case_id}.")
    # The adjudication collectorate's officers (adjudication, recovery) read the cases it holds.
    if (case.directorate_code and user.directorate_code != case.directorate_code
            and not (case.adjudication_office
                     and user.directorate_code == case.adjudication_office)
            and not user.has_role(Role.MANAGEMENT, Role.ADMINISTRATOR,
                                  Role.APPELLATE_OFFICER)):
        raise PermissionDenied(f"Case {case.case_number} belongs to directorate "
                               f"{case.directorate_code}.")
    return case


CASE_STATUS_FILTERS = ("open", "closed")


def page_cases(session: Session, user: User, *, status: str | None = None, limit: int = 50,
               offset: int = 0) -> tuple[list[AuditCase], int]:
    """The cases `user` may read (as in `get_case`), newest first, and how many there are."""
    conditions: list[Any] = []
    if not user.has_role(Role.MANAGEMENT, Role.ADMINISTRATOR):
        conditions.append((AuditCase.directorate_code == user.directorate_code)
                          | AuditCase.directorate_code.is_(None)
                          | (AuditCase.adjudication_office == user.directorate_code))
    if status == "open":
        conditions.append(AuditCase.status == "open")
    elif status == "closed":
        conditions.append(AuditCase.status != "open")
    # Counted on the case rows alone, not on a subquery of the page's select.
    total = session.scalar(select(func.count(AuditCase.id)).where(*conditions)) or 0
    if total <= offset:
        return [], total
    rows = session.scalars(select(AuditCase).where(*conditions)
                           .order_by(AuditCase.created_at.desc(), AuditCase.id.desc())
                           .limit(limit).offset(offset))
    return list(rows), total


def timeline(session: Session, case: AuditCase) -> list[CaseEvent]:
    """The case's events, oldest first."""
    return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                .order_by(CaseEvent.at, CaseEvent.id)))


# Built once (every case page runs it): no select to rebuild nor cache key to recompute.
_LATEST_EVENTS = (select(CaseEvent, func.count().over())
                  .where(CaseEvent.case_id == bindparam("case_id"))
                  .order_by(CaseEvent.at.desc(), CaseEvent.id.desc())
                  .limit(bindparam("limit")))


def latest_events(session: Session, case: AuditCase, limit: int) -> tuple[list[CaseEvent], int]:
    """The case's `limit` latest events, oldest first, and how many it has in all (one query:
    a case that went through adjudication, appeals and instalments has hundreds)."""
    rows = session.execute(_LATEST_EVENTS, {"case_id": case.id, "limit": limit}).all()
    return [event for event, _ in reversed(rows)], (rows[0][1] if rows else 0)


def diagram(session: Session, case: AuditCase) -> runtime.Diagram:
    """The BPMN the case runs on (its own version) and its active elements, for bpmn-js."""
    return runtime.diagram(session, case.id)


def diagrams(session: Session, case: AuditCase) -> list[runtime.Diagram]:
    """Every process of the case (audit, then adjudication, disputes, recovery), oldest first."""
    return runtime.diagrams(session, case.id)


# --- one form per user task -------------------------------------------------------------

@task_forms.form("assign_auditor")
def _assign_auditor(session: Session, case: AuditCase, form: Mapping[str, Any],
                    clock: Clock) -> dict[str, Any]:
    raw = form.get("auditor_id")
    if raw in (None, ""):
        suggested = suggest_auditor(session, case.directorate_code)
        if suggested is None:
            raise ValidationFailed("No auditor to assign.", {"auditor_id": "required"})
        auditor_id = suggested.id
    else:
        auditor_id = _int(raw, "auditor_id")
    auditor = session.get(User, auditor_id, options=_WITH_ROLES)  # its roles in the same query
    if auditor is None or not auditor.is_active or not auditor.has_role(Role.AUDITOR):
        raise ValidationFailed("Auditor not assigned.", {"auditor_id": "not an active PCA auditor"})
    if case.directorate_code and auditor.directorate_code != case.directorate_code:
        raise ValidationFailed("Auditor not assigned.",
                               {"auditor_id": f"not in directorate {case.directorate_code}"})
    case.auditor_id = auditor.id
    return {"auditor_id": auditor.id}


@task_forms.form("prepare_plan")
def _prepare_plan(session: Session, case: AuditCase, form: Mapping[str, Any],
                  clock: Clock) -> dict[str, Any]:
    errors: dict[str, str] = {}
    audit_type = str(form.get("audit_type") or "")
    if audit_type not in AUDIT_TYPES:
        errors["audit_type"] = "desk or field"
    scope = str(form.get("planned_scope") or "").strip()
    if not scope:
        errors["planned_scope"] = "required"
    start, end = _date(form, "period_from", errors), _date(form, "period_to", errors)
    if start and end and start > end:
        errors["period_to"] = "must not be before the start of the period"
    _raise(errors, "Audit plan not saved.")
    case.audit_type, case.planned_scope = audit_type, scope
    case.period_from, case.period_to = start, end
    return {"audit_type": audit_type}


@task_forms.form("issue_notice")
def _issue_notice(session: Session, case: AuditCase, form: Mapping[str, Any],
                  clock: Clock) -> dict[str, Any]:
    errors: dict[str, str] = {}
    notice = _date(form, "notice_date", errors)
    records = _date(form, "records_due_date", errors)
    if notice and records and records <= notice:
        errors["records_due_date"] = "must be after the notice date (reasonable advance notice)"
    _raise(errors, "Notice of audit not recorded.")
    return {"notice_date": notice, "records_due_date": records}


@task_forms.form("examine_records")
def _examine_records(session: Session, case: AuditCase, form: Mapping[str, Any],
                     clock: Clock) -> dict[str, Any]:
    findings = sum(1 for i in case.items if i.finding is not None)
    return {"findings_count": findings, "short_levy_total": case.short_levy_total_pkr}


@task_forms.form("review_findings")
def _review_findings(session: Session, case: AuditCase, form: Mapping[str, Any],
                     clock: Clock) -> dict[str, Any]:
    decision = str(form.get("decision") or "")
    comments = str(form.get("comments") or "").strip()
    errors = {}
    if decision not in REVIEW_DECISIONS:
        errors["decision"] = "approve or return"
    if decision == "return" and not comments:
        errors["comments"] = "say what must be re-examined"
    _raise(errors, "Review not recorded.")
    if decision == "approve":
        ledger.adjust_to(session, case.id, "detected", short_by_levy(case),
                         on=local_date(clock.now()), kind="findings_approved",
                         actor=task_forms.actor(), clock=clock)
    return {"review_decision": decision, "review_comments": comments}


@task_forms.form("issue_observation")
def _issue_observation(session: Session, case: AuditCase, form: Mapping[str, Any],
                       clock: Clock) -> dict[str, Any]:
    errors: dict[str, str] = {}
    observed = _date(form, "observation_date", errors)
    _raise(errors, "Audit observation not recorded.")
    assert observed is not None
    days = days_for(session, "audit.observation_reply_days", observed)
    ledger.adjust_to(session, case.id, "observed", short_by_levy(case), on=observed,
                     kind="observation_issued", actor=task_forms.actor(),
                     clock=clock)
    return {"observation_date": observed, "short_levy_total": case.short_levy_total_pkr,
            "reply_due_date": observed + dt.timedelta(days=days)}


@task_forms.form("record_reply")
def _record_reply(session: Session, case: AuditCase, form: Mapping[str, Any],
                  clock: Clock) -> dict[str, Any]:
    errors: dict[str, str] = {}
    outcome = str(form.get("reply_outcome") or "")
    if outcome not in REPLY_OUTCOMES:
        errors["reply_outcome"] = ", ".join(REPLY_OUTCOMES)
    paid = task_forms.parse_amount(form, "amount_paid", errors, default=Decimal(0))
    if outcome == "voluntary_payment" and paid is not None and paid <= 0:
        errors["amount_paid"] = "the amount paid is required"
    if outcome != "voluntary_payment" and paid:
        errors["amount_paid"] = "a payment is recorded with the outcome voluntary payment"
    short = short_by_levy(case)
    if paid is not None and paid != paid.quantize(Decimal("0.01")):
        errors["amount_paid"] = "rupees with at most 2 decimals"
    elif paid is not None and paid > sum(short.values(), Decimal(0)):
        errors["amount_paid"] = (f"more than the short levy of Rs "
                                 f"{sum(short.values(), Decimal(0)):,.0f}")
    challan = str(form.get("challan_number") or "").strip()
    paid_on = (_date(form, "payment_date", errors) if form.get("payment_date")
               else local_date(clock.now()))
    _raise(errors, "Reply not recorded.")
    assert paid is not None and paid_on is not None
    case.amount_paid_pkr = paid
    if paid:
        ledger.post(session, case.id, "paid", allocate(paid, short), on=paid_on,
                    kind="voluntary_payment", actor=task_forms.actor(),
                    clock=clock, reference=challan or None)
    return {"reply_outcome": outcome, "amount_paid": paid,
            "reply_summary": str(form.get("reply_summary") or "").strip()[:2000]}




# --- helpers ------------------------------------------------------------------------------

def short_by_levy(case: AuditCase) -> dict[str, Decimal]:
    """The short levy of the case's findings, per levy (cd, rd, acd, st, ast, it)."""
    totals = {levy: Decimal(0) for levy in ledger.DUTY_LEVIES}
    for item in case.items:
        if item.finding is not None:
            for levy in totals:
                totals[levy] += getattr(item.finding, f"short_{levy}_pkr")
    return totals


def allocate(amount: Decimal, owed: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """A payment without a levy split is applied to the levies in statutory order (customs
    duty first), each up to what it owes; the caller refuses more than the total owed."""
    split: dict[str, Decimal] = {}
    left = amount
    for levy, due in owed.items():
        take = min(left, max(due, Decimal(0)))
        if take > 0:
            split[levy], left = take, left - take
    if left > 0:
        raise ValueError(f"Rs {left} more than owed")
    return split


def _event(session: Session, task: OpenTask, user: User, clock: Clock, kind: str, summary: str,
           data: dict[str, Any] | None = None) -> None:
    session.add(CaseEvent(case_id=task.case_id, at=clock.now(), actor_id=user.id, kind=kind,
                          element_id=task.element_id, summary=summary,
                          data={"task_id": task.task_id, **(data or {})}))
    session.flush()


def _unassigned(task: OpenTask) -> OpenTask:
    # case and element too: lane guards (e.g. adjudication's jurisdiction) look the case up.
    return OpenTask(lane=task.lane, name=task.name, directorate_code=task.directorate_code,
                    assignee_id=None, case_id=task.case_id, element_id=task.element_id,
                    instance_id=task.instance_id)


def _raise(errors: dict[str, str], message: str) -> None:
    if errors:
        raise ValidationFailed(message, errors)


def _int(raw: Any, name: str) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ValidationFailed("Invalid number.", {name: "a whole number"}) from None
    if not 1 <= value <= MAX_ID:  # ids are 32-bit: a bigger number must not reach the database
        raise ValidationFailed("Invalid number.", {name: f"a whole number from 1 to {MAX_ID}"})
    return value


def _date(form: Mapping[str, Any], name: str, errors: dict[str, str]) -> dt.date | None:
    raw = form.get(name)
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        errors[name] = "a date (YYYY-MM-DD)"
        return None
