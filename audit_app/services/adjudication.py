"""Adjudication (s.179/180): from the contravention report to the order-in-original.

A case referred to adjudication (the audit's `referred_to_adjudication` end) gets an
`Adjudication` with its contravention report (amounts per levy from the findings, the auditor
who framed it) and runs `bpmn/adjudication.bpmn`: the auditor frames the report (nature,
relevant date) -> the DMN table routes it by amount to the competent rank (or not pursued) ->
limitation -> an officer of that rank is assigned -> SCN drafted, approved, issued -> reply ->
hearings -> order-in-original -> appeal window. A remand from an appeal forum (`remand`) runs
it again on the same report, straight to hearings.

Rules enforced here, whatever screen or API calls: an officer without jurisdiction for the
amount is never assigned and cannot work the case; the auditor who framed the case never
adjudicates it; an SCN after the limitation date is refused; an order after the statutory
limit is refused unless the case is recorded as time-barred (`adjudication_clock`).
Flushes, never commits.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, object_session

from workflows import handoffs, runtime
from workflows.clock import Clock, local_date

from . import adjudication_clock as statutory
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..models import (LEVY_COLUMNS, AdjudicatingOfficer, Adjudication, AuditCase, CaseEvent,
                      CaseItem, Hearing, OpenTask, OrderInOriginal, Role, User)
from ..models.adjudication import LEVIES, NATURES, RANK_LABELS, RANKS

PROCESS_ID = "adjudication"
LANE = Role.ADJUDICATION_OFFICER.value
ENDED_STAGES = {"adjudged", "dropped", "time_barred", "not_pursued"}


# --- reading -----------------------------------------------------------------------------

def current(session: Session, case: AuditCase | int) -> Adjudication | None:
    """The case's latest proceeding (the one running, or the last to have run)."""
    case_id = case if isinstance(case, int) else case.id
    return session.scalar(select(Adjudication).where(Adjudication.case_id == case_id)
                          .order_by(Adjudication.id.desc()).limit(1))


def history(session: Session, case: AuditCase) -> list[Adjudication]:
    return list(session.scalars(select(Adjudication).where(Adjudication.case_id == case.id)
                                .order_by(Adjudication.id)))


def latest_order(session: Session, case: AuditCase | int) -> OrderInOriginal | None:
    case_id = case if isinstance(case, int) else case.id
    return session.scalar(select(OrderInOriginal).join(Adjudication)
                          .where(Adjudication.case_id == case_id)
                          .order_by(OrderInOriginal.id.desc()).limit(1))


def scn_of(adj: Adjudication):  # type: ignore[no-untyped-def]
    """The show-cause notice a proceeding rests on: its own, or (after a remand) the one of
    the proceeding it continues."""
    while adj is not None:
        if adj.scn is not None:
            return adj.scn
        adj = adj.remand_of  # type: ignore[assignment]
    return None


def rank_of(session: Session, user: User | int) -> str | None:
    user_id = user if isinstance(user, int) else user.id
    return session.scalar(select(AdjudicatingOfficer.rank)
                          .where(AdjudicatingOfficer.user_id == user_id))


def set_rank(session: Session, user: User, rank: str) -> AdjudicatingOfficer:
    """Record the rank an adjudication officer holds (administration, demo seeding)."""
    if rank not in RANKS:
        raise ValidationFailed("Rank not recorded.", {"rank": ", ".join(RANKS)})
    if not user.has_role(Role.ADJUDICATION_OFFICER):
        raise ValidationFailed("Rank not recorded.", {"user": "not an adjudication officer"})
    row = session.get(AdjudicatingOfficer, user.id)
    if row is None:
        row = AdjudicatingOfficer(user_id=user.id, rank=rank)
        session.add(row)
    row.rank = rank
    session.flush()
    return row


def competent_officers(session: Session, adj: Adjudication, case: AuditCase) -> list[User]:
    """Active officers who may be assigned: the competent rank, the office, not the framer."""
    if adj.competent_rank not in RANKS:
        return []
    query = (select(User).join(AdjudicatingOfficer, AdjudicatingOfficer.user_id == User.id)
             .where(AdjudicatingOfficer.rank == adj.competent_rank, User.is_active.is_(True))
             .order_by(User.full_name))
    if case.adjudication_office:
        query = query.where(User.directorate_code == case.adjudication_office)
    barred = {adj.framed_by_id, case.auditor_id} - {None}
    return [u for u in session.scalars(query) if u.id not in barred
            and u.has_role(Role.ADJUDICATION_OFFICER)]


# --- starting: the hand-off, and remands ------------------------------------------------------

@handoffs.on("referred_to_adjudication")
def _on_referral(session: Session, case: AuditCase, clock: Clock, *, process_id: str) -> None:
    begin(session, case, clock=clock)


def begin(session: Session, case: AuditCase, *, clock: Clock,
          actor: User | None = None) -> Adjudication:
    """Open the proceeding on the case's contravention report and start the process."""
    today = local_date(clock.now())
    levies = contravened_levies(session, case)
    amount = sum(levies.values(), Decimal(0))
    case.adjudication_office = case.adjudication_office or case.directorate_code
    adj = Adjudication(case_id=case.id, sequence=1, stage="received",
                       cr_number=f"CR/{case.directorate_code or 'PCA'}/{today.year}/{case.id:06d}",
                       cr_date=today, framed_by_id=case.auditor_id,
                       relevant_date=relevant_date(session, case), amount_involved_pkr=amount,
                       created_at=clock.now(),
                       **{f"contravened_{levy}_pkr": levies[levy] for levy in LEVIES})
    session.add(adj)
    session.flush()
    loaded = runtime.start(session, case, clock=clock, actor_id=actor.id if actor else None,
                           process_id=PROCESS_ID,
                           data={"case_id": case.id, "remand": False, "amount_involved": amount})
    adj.instance_id = loaded.instance.id
    session.add(CaseEvent(case_id=case.id, at=clock.now(), actor_id=actor.id if actor else None,
                          kind="contravention_received", element_id="contravention_report_received",
                          summary=f"Contravention report {adj.cr_number} received for "
                                  f"adjudication: Rs {amount:,.0f} involved",
                          data={"adjudication_id": adj.id,
                                "levies": {k: str(v) for k, v in levies.items()}}))
    session.flush()
    return adj


def remand(session: Session, case: AuditCase, *, actor: User | None, clock: Clock,
           reason: str | None = None, reasons: str | None = None,
           order_ref: str | None = None) -> Adjudication:
    """An appeal forum remanded the case: adjudicate it again on the same contravention report
    and SCN, from the hearings, with a fresh order limit counted from today."""
    previous = current(session, case)
    if previous is None:
        raise Conflict(f"Case {case.case_number} was never adjudicated; nothing to remand.")
    if previous.ended_on is None:
        raise Conflict(f"Case {case.case_number} is still being adjudicated.")
    if scn_of(previous) is None:
        raise Conflict("No show-cause notice was issued in this case; a remand needs one.")
    why = (reason or reasons or "").strip()
    if not why:
        raise ValidationFailed("Remand not recorded.", {"reason": "the forum's directions"})
    today = local_date(clock.now())
    copied = {name: getattr(previous, name) for name in (
        "cr_number", "cr_date", "framed_by_id", "nature", "relevant_date", "limitation_section",
        "limitation_ends", "facts", "provisions", "amount_involved_pkr", "competent_rank",
        "jurisdiction_band", *(f"contravened_{levy}_pkr" for levy in LEVIES))}
    adj = Adjudication(case_id=case.id, sequence=previous.sequence + 1, remand_of_id=previous.id,
                       remand_reason=why[:4000], remand_order_ref=(order_ref or None),
                       stage="received", created_at=clock.now(), **copied)
    session.add(adj)
    session.flush()
    loaded = runtime.start(session, case, clock=clock, actor_id=actor.id if actor else None,
                           process_id=PROCESS_ID,
                           data={"case_id": case.id, "remand": True,
                                 "amount_involved": adj.amount_involved_pkr})
    adj.instance_id = loaded.instance.id
    statutory.start(session, adj, today, key="adjudication.remand_order_days")
    session.add(CaseEvent(case_id=case.id, at=clock.now(), actor_id=actor.id if actor else None,
                          kind="remanded", element_id="contravention_report_received",
                          summary=f"Remanded for fresh adjudication{f' ({order_ref})' if order_ref else ''}"
                                  f": order due by {adj.order_due_on:%d %b %Y}",
                          data={"adjudication_id": adj.id, "reason": why[:4000],
                                "order_ref": order_ref}))
    session.flush()
    return adj


def contravened_levies(session: Session, case: AuditCase) -> dict[str, Decimal]:
    """The short levy per levy over the case's findings (what the contravention report says)."""
    from ..models import Finding
    columns = [func.coalesce(func.sum(getattr(Finding, f"short_{levy}_pkr")), 0) for levy in LEVIES]
    row = session.execute(select(*columns).join(CaseItem, CaseItem.id == Finding.case_item_id)
                          .where(CaseItem.case_id == case.id)).one()
    return {levy: Decimal(value) for levy, value in zip(LEVIES, row)}


def relevant_date(session: Session, case: AuditCase) -> dt.date | None:
    """s.32's relevant date by default: the earliest GD date among the items with a short levy
    (the limit that runs out first; the auditor may state another when framing the report)."""
    from ..models import Declaration, DeclarationItem, Finding
    return session.scalar(
        select(func.min(Declaration.gd_date))
        .join(DeclarationItem, DeclarationItem.declaration_id == Declaration.id)
        .join(CaseItem, CaseItem.item_id == DeclarationItem.id)
        .join(Finding, Finding.case_item_id == CaseItem.id)
        .where(CaseItem.case_id == case.id, Finding.short_total_pkr > 0))


# --- the process's own bookkeeping ----------------------------------------------------------

@runtime.after_step(PROCESS_ID)
def _after_step(session: Session, loaded: runtime.Loaded, clock: Clock) -> None:
    """Copy the DMN's routing onto the proceeding, and close it when the process ends."""
    adj = session.scalar(select(Adjudication)
                         .where(Adjudication.instance_id == loaded.instance.id))
    if adj is None:
        return  # the first step of `begin`, before the proceeding knows its instance
    if adj.competent_rank is None:
        data = _latest_data(loaded)
        if "competent_rank" in data:
            adj.competent_rank = str(data["competent_rank"])
            adj.jurisdiction_band = str(data.get("jurisdiction_band") or "")[:120] or None
    status = loaded.instance.end_status
    if loaded.instance.status == "completed" and adj.ended_on is None:
        adj.stage = status if status in ENDED_STAGES else (status or "ended")[:24]
        statutory.stop(session, adj, local_date(clock.now()))
        if adj.stage == "time_barred" and adj.time_barred_on is None:
            adj.time_barred_on = local_date(clock.now())
    session.flush()


def _latest_data(loaded: runtime.Loaded) -> dict[str, Any]:
    from SpiffWorkflow.util.task import TaskState
    for task in loaded.workflow.get_tasks(state=TaskState.READY):
        return dict(task.data)
    last = loaded.workflow.last_task
    return dict(last.data) if last is not None else dict(loaded.workflow.data)


@runtime.lane_guard(LANE)
def _guard(user: User, task: OpenTask) -> None:
    """Segregation of duties and jurisdiction, for every adjudication task."""
    session = object_session(task) or object_session(user)
    if session is None or task.case_id is None:
        return
    adj = current(session, task.case_id)
    case = session.get(AuditCase, task.case_id)
    if adj is None or case is None:
        return
    if user.id in {adj.framed_by_id, case.auditor_id}:
        raise PermissionDenied(f"{user.full_name} framed this case as its auditor and can never "
                               "adjudicate it.")
    if task.element_id == "assign_officer":
        return  # allocation is the office's; the officer allocated must have jurisdiction
    rank = rank_of(session, user)
    if adj.competent_rank and rank != adj.competent_rank:
        raise PermissionDenied(
            f"Only a {RANK_LABELS.get(adj.competent_rank, adj.competent_rank)} has jurisdiction "
            f"over Rs {adj.amount_involved_pkr:,.0f}; {user.full_name} is "
            f"{RANK_LABELS.get(rank or '', 'not a ranked adjudicating officer')}.")


def _escalate_to(session: Session, case: AuditCase, task: OpenTask) -> int | None:
    return statutory._collector_of(session, case)


runtime.ESCALATION_TARGETS[LANE] = _escalate_to


def check_assignable(session: Session, adj: Adjudication, case: AuditCase,
                     officer: User | None) -> User:
    """The officer may be assigned to adjudicate this case, or ValidationFailed saying why."""
    if officer is None or not officer.is_active or not officer.has_role(Role.ADJUDICATION_OFFICER):
        raise ValidationFailed("Officer not assigned.",
                               {"officer_id": "not an active adjudication officer"})
    if officer.id in {adj.framed_by_id, case.auditor_id}:
        raise ValidationFailed("Officer not assigned.", {
            "officer_id": "framed this case as its auditor: can never adjudicate it"})
    rank = rank_of(session, officer)
    if rank != adj.competent_rank:
        need = RANK_LABELS.get(adj.competent_rank or "", adj.competent_rank or "?")
        raise ValidationFailed("Officer not assigned.", {
            "officer_id": f"no jurisdiction: Rs {adj.amount_involved_pkr:,.0f} is for a {need} "
                          f"({adj.jurisdiction_band or 'band'}); this officer is "
                          f"{RANK_LABELS.get(rank or '', 'not a ranked adjudicating officer')}"})
    if case.adjudication_office and officer.directorate_code != case.adjudication_office:
        raise ValidationFailed("Officer not assigned.", {
            "officer_id": f"not an officer of {case.adjudication_office}"})
    return officer


def require(session: Session, case: AuditCase) -> Adjudication:
    adj = current(session, case)
    if adj is None:
        raise NotFound(f"Case {case.case_number} has no adjudication.")
    return adj


# --- screens' data --------------------------------------------------------------------------

@dataclass(frozen=True)
class DocketRow:
    adjudication: Adjudication
    case_number: str
    importer: str
    clock: statutory.ClockState
    next_hearing: dt.date | None


def docket(session: Session, user: User, *, clock: Clock, include_pool: bool = True,
           everyone: bool = False) -> list[DocketRow]:
    """The officer's open proceedings (and those of their office waiting for an officer), the
    fewest days left first; those with no SCN yet (no clock) last. `everyone`: every open
    proceeding, for management."""
    today = local_date(clock.now())
    mine = Adjudication.officer_id == user.id
    if everyone:
        mine = Adjudication.id.is_not(None)
    elif include_pool:
        pool = Adjudication.officer_id.is_(None)
        if user.directorate_code:
            pool = pool & or_(AuditCase.adjudication_office.is_(None),
                              AuditCase.adjudication_office == user.directorate_code)
        mine = or_(mine, pool)
    next_hearing = (select(func.min(Hearing.scheduled_for))
                    .where(Hearing.adjudication_id == Adjudication.id,
                           Hearing.status == "scheduled").scalar_subquery())
    query = (select(Adjudication, AuditCase, next_hearing)
             .join(AuditCase, AuditCase.id == Adjudication.case_id)
             .where(Adjudication.ended_on.is_(None), mine)
             .order_by(Adjudication.order_due_on.is_(None), Adjudication.order_due_on,
                       Adjudication.id))
    return [DocketRow(adj, case.case_number, case.importer.name, statutory.state(adj, today), nh)
            for adj, case, nh in session.execute(query)]


@dataclass(frozen=True)
class DiaryRow:
    hearing: Hearing
    adjudication: Adjudication
    case_number: str
    importer: str
    clock: statutory.ClockState


def hearing_diary(session: Session, user: User, *, clock: Clock, days: int = 60,
                  everyone: bool = False) -> list[DiaryRow]:
    """Hearings still to be held or recorded in the officer's proceedings (every officer's
    for management), by date: those past their date and not recorded first."""
    today = local_date(clock.now())
    query = (select(Hearing, Adjudication, AuditCase)
             .join(Adjudication, Adjudication.id == Hearing.adjudication_id)
             .join(AuditCase, AuditCase.id == Adjudication.case_id)
             .where(Hearing.status == "scheduled", Adjudication.ended_on.is_(None),
                    Hearing.scheduled_for <= today + dt.timedelta(days=days))
             .order_by(Hearing.scheduled_for, Hearing.id))
    if not everyone:
        query = query.where(Adjudication.officer_id == user.id)
    return [DiaryRow(h, adj, case.case_number, case.importer.name, statutory.state(adj, today))
            for h, adj, case in session.execute(query)]


def clock_state(session: Session, case: AuditCase, *, clock: Clock) -> statutory.ClockState:
    return statutory.state(current(session, case), local_date(clock.now()))


def request_extension(session: Session, case: AuditCase, *, actor: User, clock: Clock,
                      days: int, reasons: str) -> Adjudication:
    return statutory.request_extension(session, require(session, case), actor=actor,
                                       clock=clock, days=days, reasons=reasons)


# Forms of the user tasks (registered on import) live beside this module.
from . import adjudication_forms  # noqa: E402,F401
