"""The server-side forms of adjudication.bpmn's user tasks, one per element id.

Each validates the submitted form, writes the facts to the proceeding's tables (so screens and
reports read columns) and returns only what the process's gateways and due dates need.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Mapping

from sqlalchemy.orm import Session

from workflows.clock import Clock, local_date
from workflows.deadlines import days_for

from . import adjudication as svc
from . import adjudication_documents as legal
from . import adjudication_clock as statutory
from . import ledger, task_forms
from ..errors import ValidationFailed
from .task_forms import parse_amount, parse_date, parse_int, raise_if
from ..models import (Adjudication, AuditCase, CaseEvent, Hearing, OrderInOriginal,
                      ShowCauseNotice, User)
from ..models.adjudication import LEVIES, NATURES

ORDER_OUTCOMES = ("adjudged", "dropped", "time_barred")
HEARING_OUTCOMES = ("concluded", "continued", "adjourned")
APPEARANCE_ROLES = ("importer", "clearing agent", "counsel", "department", "witness")


def _actor() -> User | None:
    return task_forms.actor()


def _today(clock: Clock) -> dt.date:
    return local_date(clock.now())


def _text(form: Mapping[str, Any], name: str, errors: dict[str, str], *, required: bool = True,
          size: int = 8000, default: str = "") -> str:
    value = str(form.get(name) or "").strip() or default
    if required and not value:
        errors[name] = "required"
    return value[:size]


def _event(session: Session, adj: Adjudication, clock: Clock, kind: str, summary: str,
           data: dict[str, Any] | None = None) -> None:
    actor = _actor()
    session.add(CaseEvent(case_id=adj.case_id, at=clock.now(), actor_id=actor.id if actor else None,
                          kind=kind, summary=summary,
                          data={"adjudication_id": adj.id, **(data or {})}))


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February -> 28 February
        return day.replace(year=day.year + years, day=28)


@task_forms.form("frame_contravention_report")
def _frame(session: Session, case: AuditCase, form: Mapping[str, Any],
           clock: Clock) -> dict[str, Any]:
    adj = svc.require(session, case)
    errors: dict[str, str] = {}
    nature = str(form.get("nature") or "")
    if nature not in NATURES:
        errors["nature"] = " or ".join(NATURES)
    relevant = (parse_date(form, "relevant_date", errors) if form.get("relevant_date")
                else adj.relevant_date)
    if relevant is None:
        errors["relevant_date"] = "required (the date the duty was paid or due, s.32)"
    today = _today(clock)
    if relevant and relevant > today:
        errors["relevant_date"] = "cannot be in the future"
    facts = _text(form, "facts", errors)
    provisions = _text(form, "provisions", errors, required=False,
                       default="Sections 32 and 79 of the Customs Act, 1969")
    raise_if(errors, "Contravention report not framed.")
    assert relevant is not None
    section, years = NATURES[nature]
    actor = _actor()
    adj.nature, adj.relevant_date, adj.facts, adj.provisions = nature, relevant, facts, provisions
    adj.limitation_section, adj.limitation_ends = section, add_years(relevant, years)
    adj.cr_date, adj.stage = today, "framed"
    adj.framed_by_id = actor.id if actor else case.auditor_id
    legal.contravention_report(session, case, adj, actor=actor, clock=clock)
    _event(session, adj, clock, "contravention_framed",
           f"Contravention report {adj.cr_number} framed: s.{section}, limitation ends "
           f"{adj.limitation_ends:%d %b %Y}",
           {"nature": nature, "relevant_date": relevant.isoformat(),
            "limitation_ends": adj.limitation_ends.isoformat()})
    return {"report_date": today, "amount_involved": adj.amount_involved_pkr,
            "limitation_ends": adj.limitation_ends, "remand": False}


@task_forms.form("assign_officer")
def _assign(session: Session, case: AuditCase, form: Mapping[str, Any],
            clock: Clock) -> dict[str, Any]:
    adj = svc.require(session, case)
    raw = form.get("officer_id")
    if raw in (None, ""):
        raise ValidationFailed("Officer not assigned.", {"officer_id": "required"})
    officer = svc.check_assignable(session, adj, case, session.get(User, parse_int(raw, "officer_id")))
    adj.officer_id, adj.assigned_at, adj.stage = officer.id, clock.now(), "assigned"
    case.adjudicating_officer_id = officer.id
    _event(session, adj, clock, "adjudicator_assigned",
           f"{officer.full_name} assigned to adjudicate ({adj.jurisdiction_band or adj.competent_rank})",
           {"officer_id": officer.id, "rank": adj.competent_rank})
    return {"officer_id": officer.id}


@task_forms.form("draft_scn")
def _draft(session: Session, case: AuditCase, form: Mapping[str, Any],
           clock: Clock) -> dict[str, Any]:
    adj = svc.require(session, case)
    errors: dict[str, str] = {}
    facts = _text(form, "facts", errors, required=False, default=adj.facts or "")
    if not facts:
        errors["facts"] = "required"
    provisions = _text(form, "provisions", errors, required=False,
                       default=adj.provisions or "")
    if not provisions:
        errors["provisions"] = "required"
    penal = _text(form, "penal_provisions", errors, required=False,
                  default="Clause 14 of section 156(1) of the Customs Act, 1969")
    raise_if(errors, "Show-cause notice not drafted.")
    actor = _actor()
    scn = adj.scn or ShowCauseNotice(adjudication_id=adj.id, drafted_at=clock.now())
    scn.facts, scn.provisions, scn.penal_provisions = facts, provisions, penal
    scn.drafted_by_id, scn.drafted_at = (actor.id if actor else None), clock.now()
    scn.approved_by_id = scn.approved_at = None
    if adj.scn is None:
        session.add(scn)
        adj.scn = scn
    adj.stage = "scn_drafted"
    _event(session, adj, clock, "scn_drafted", "Show-cause notice drafted")
    return {}


@task_forms.form("approve_scn")
def _approve(session: Session, case: AuditCase, form: Mapping[str, Any],
             clock: Clock) -> dict[str, Any]:
    adj = svc.require(session, case)
    scn = adj.scn
    decision = str(form.get("decision") or "")
    errors: dict[str, str] = {}
    if decision not in ("approve", "return"):
        errors["decision"] = "approve or return"
    comments = _text(form, "comments", errors, required=decision == "return")
    raise_if(errors, "Decision on the show-cause notice not recorded.")
    assert scn is not None
    actor = _actor()
    if decision == "approve":
        scn.approved_by_id, scn.approved_at = (actor.id if actor else None), clock.now()
        adj.stage = "scn_approved"
    else:
        scn.returned_comments = comments
    _event(session, adj, clock, f"scn_{'approved' if decision == 'approve' else 'returned'}",
           "Show-cause notice approved" if decision == "approve"
           else f"Show-cause notice returned: {comments[:200]}")
    return {"scn_decision": decision}


@task_forms.form("issue_scn")
def _issue(session: Session, case: AuditCase, form: Mapping[str, Any],
           clock: Clock) -> dict[str, Any]:
    adj = svc.require(session, case)
    scn = adj.scn
    assert scn is not None and adj.limitation_ends is not None
    today = _today(clock)
    errors: dict[str, str] = {}
    barred_asked = str(form.get("record_time_barred") or "") in ("1", "true", "on", "yes")
    scn_date = parse_date(form, "scn_date", errors) if form.get("scn_date") else today
    if scn_date and scn_date > today:
        errors["scn_date"] = "cannot be in the future"
    limit_text = (f"the limitation under s.{adj.limitation_section} ended on "
                  f"{adj.limitation_ends:%d %b %Y}")
    if barred_asked:
        if today <= adj.limitation_ends:
            errors["record_time_barred"] = (f"not time-barred: {limit_text.replace('ended', 'ends')}")
        raise_if(errors, "Not recorded as time-barred.")
        adj.time_barred_on = today
        adj.time_barred_reason = f"No show-cause notice within limitation: {limit_text}."
        _event(session, adj, clock, "time_barred", adj.time_barred_reason)
        return {"scn_outcome": "time_barred"}
    if scn and scn.approved_at and scn_date and scn_date < local_date(scn.approved_at):
        errors["scn_date"] = "before the notice was approved"
    # The day it is recorded counts too: a notice dated back within limitation is still late.
    if scn_date and max(scn_date, today) > adj.limitation_ends:
        errors["scn_date"] = (f"time-barred: {limit_text}; a show-cause notice cannot be issued. "
                              "Record the case as time-barred instead.")
    elif scn_date and scn_date != today:
        errors["scn_date"] = "a notice is dated the day it is issued (today)"
    reply_due = (parse_date(form, "reply_due_date", errors) if form.get("reply_due_date")
                 else None)
    raise_if(errors, "Show-cause notice not issued.")
    assert scn_date is not None
    if reply_due is None:
        reply_due = scn_date + dt.timedelta(days=days_for(session, "adjudication.scn_reply_days",
                                                          scn_date))
    if reply_due <= scn_date:
        raise ValidationFailed("Show-cause notice not issued.",
                               {"reply_due_date": "must be after the date of the notice"})
    actor = _actor()
    scn.issued_on, scn.reply_due_date = scn_date, reply_due
    scn.issued_by_id = actor.id if actor else adj.officer_id
    legal.show_cause_notice(session, case, adj, scn, actor=actor, clock=clock)
    adj.stage = "scn_issued"
    statutory.start(session, adj, scn_date, key="adjudication.order_days")
    ledger.adjust_to(session, case.id, "contravened", adj.contravened(), on=scn_date,
                     kind="scn_issued", actor=actor, clock=clock, reference=scn.number)
    _event(session, adj, clock, "scn_issued",
           f"Show-cause notice {scn.number} issued on {scn_date:%d %b %Y}; reply due "
           f"{reply_due:%d %b %Y}; order due by {adj.order_due_on:%d %b %Y}",
           {"number": scn.number, "scn_date": scn_date.isoformat(),
            "order_due_on": adj.order_due_on.isoformat() if adj.order_due_on else None})
    return {"scn_outcome": "issued", "scn_date": scn_date, "reply_due_date": reply_due}


@task_forms.form("record_scn_reply")
def _reply(session: Session, case: AuditCase, form: Mapping[str, Any],
           clock: Clock) -> dict[str, Any]:
    adj = svc.require(session, case)
    errors: dict[str, str] = {}
    received = parse_date(form, "reply_date", errors) if form.get("reply_date") else _today(clock)
    summary = _text(form, "reply_summary", errors)
    if received and adj.scn and adj.scn.issued_on and received < adj.scn.issued_on:
        errors["reply_date"] = "before the show-cause notice was issued"
    if received and received > _today(clock):
        errors["reply_date"] = "cannot be in the future"
    raise_if(errors, "Reply not recorded.")
    assert adj.scn is not None
    adj.scn.reply_received_on, adj.scn.reply_summary = received, summary
    _event(session, adj, clock, "scn_reply_recorded", f"Reply to the show-cause notice received "
           f"on {received:%d %b %Y}")
    return {"scn_reply_received": True}


@task_forms.form("schedule_hearing")
def _schedule(session: Session, case: AuditCase, form: Mapping[str, Any],
              clock: Clock) -> dict[str, Any]:
    adj = svc.require(session, case)
    errors: dict[str, str] = {}
    day = parse_date(form, "hearing_date", errors)
    if day and day < _today(clock):
        errors["hearing_date"] = "cannot be in the past"
    raise_if(errors, "Hearing not scheduled.")
    assert day is not None
    _new_hearing(session, adj, day, clock)
    adj.stage = "hearing"
    _event(session, adj, clock, "hearing_scheduled", f"Hearing fixed for {day:%d %b %Y}",
           {"hearing_date": day.isoformat()})
    return {"hearing_date": day}


def _new_hearing(session: Session, adj: Adjudication, day: dt.date, clock: Clock) -> Hearing:
    actor = _actor()
    hearing = Hearing(adjudication_id=adj.id, scheduled_for=day, status="scheduled",
                      scheduled_by_id=actor.id if actor else None)
    adj.hearings.append(hearing)
    session.flush()
    return hearing


def parse_appearances(raw: Any, errors: dict[str, str]) -> list[dict[str, str]]:
    """One appearance a line, `Name, for` (e.g. `Ali Raza, counsel`); or a list of dicts."""
    if isinstance(raw, list):
        lines = [f"{a.get('name', '')}, {a.get('for', '')}" for a in raw if isinstance(a, dict)]
    else:
        lines = [ln for ln in str(raw or "").splitlines() if ln.strip()]
    result = []
    for line in lines:
        name, _, role = line.rpartition(",")
        if not name.strip() or not role.strip():
            errors["appearances"] = "one a line: name, for whom (e.g. 'Ali Raza, counsel')"
            break
        result.append({"name": name.strip()[:120], "for": role.strip()[:60]})
    return result


@task_forms.form("record_hearing")
def _hearing(session: Session, case: AuditCase, form: Mapping[str, Any],
             clock: Clock) -> dict[str, Any]:
    adj = svc.require(session, case)
    hearing = next((h for h in reversed(adj.hearings) if h.status == "scheduled"), None)
    assert hearing is not None
    today = _today(clock)
    errors: dict[str, str] = {}
    outcome = str(form.get("outcome") or "")
    if outcome not in HEARING_OUTCOMES:
        errors["outcome"] = ", ".join(HEARING_OUTCOMES)
    notes = _text(form, "notes", errors, required=outcome == "adjourned")
    if outcome == "adjourned" and "notes" in errors:
        errors["notes"] = "the reason for the adjournment"
    held_on = None
    if outcome in ("concluded", "continued"):
        held_on = (parse_date(form, "held_on", errors) if form.get("held_on")
                   else hearing.scheduled_for)
        if held_on and held_on > today:
            errors["held_on"] = "a hearing is recorded once held: not in the future"
    appearances = parse_appearances(form.get("appearances"), errors)
    next_day = None
    if outcome in ("continued", "adjourned"):
        next_day = parse_date(form, "next_date", errors)
        if next_day and next_day <= max(today, hearing.scheduled_for):
            errors["next_date"] = "the next hearing must be after today"
    raise_if(errors, "Hearing not recorded.")
    actor = _actor()
    hearing.recorded_by_id, hearing.recorded_at = (actor.id if actor else None), clock.now()
    hearing.notes = notes or None
    if outcome == "adjourned":
        hearing.status, hearing.adjourned_to = "adjourned", next_day
    else:
        hearing.status, hearing.held_on, hearing.appearances = "held", held_on, appearances
    if next_day is not None:
        _new_hearing(session, adj, next_day, clock)
    summary = {"adjourned": f"Hearing of {hearing.scheduled_for:%d %b %Y} adjourned to "
                            f"{next_day:%d %b %Y}" if next_day else "",
               "continued": f"Hearing held on {held_on:%d %b %Y}; continues on "
                            f"{next_day:%d %b %Y}" if held_on and next_day else "",
               "concluded": f"Hearing held on {held_on:%d %b %Y}; hearings concluded"
                            if held_on else ""}[outcome]
    _event(session, adj, clock, f"hearing_{outcome}", summary,
           {"hearing_id": hearing.id, "appearances": appearances})
    data: dict[str, Any] = {"hearing_outcome": outcome}
    if next_day is not None:
        data["hearing_date"] = next_day
    return data


@task_forms.form("record_order")
def _order(session: Session, case: AuditCase, form: Mapping[str, Any],
           clock: Clock) -> dict[str, Any]:
    adj = svc.require(session, case)
    scn = svc.scn_of(adj)
    assert adj.order_due_on is not None and scn is not None
    today = _today(clock)
    errors: dict[str, str] = {}
    outcome = str(form.get("outcome") or "")
    if outcome not in ORDER_OUTCOMES:
        errors["outcome"] = ", ".join(ORDER_OUTCOMES)
    reasons = _text(form, "reasons", errors)
    order_date = parse_date(form, "order_date", errors) if form.get("order_date") else today
    passed = today > adj.order_due_on
    limit = (f"the order limit ended on {adj.order_due_on:%d %b %Y} "
             f"({(adj.order_due_on - adj.clock_started_on).days if adj.clock_started_on else '?'}"
             f" days{' with its extension' if adj.extension_days else ''})")
    if outcome in ("adjudged", "dropped") and passed:
        errors["outcome"] = (f"refused: {limit}; an order now would be void. Record the case as "
                             "time-barred.")
    if outcome == "time_barred" and not passed:
        errors["outcome"] = (f"not time-barred: {(adj.order_due_on - today).days} days are left "
                             f"(limit {adj.order_due_on:%d %b %Y})")
    if order_date:
        held = [h.held_on for h in adj.hearings if h.held_on]
        if order_date > today:
            errors["order_date"] = "cannot be in the future"
        elif order_date < max([scn.issued_on or order_date, *held]):
            errors["order_date"] = "before the show-cause notice or the last hearing"
        elif outcome != "time_barred" and order_date > adj.order_due_on:
            errors["order_date"] = f"after the limit: {limit}"
    contravened = adj.contravened()
    levies = {levy: Decimal(0) for levy in LEVIES}
    penalty = fine = Decimal(0)
    if outcome == "adjudged":
        for levy in LEVIES:
            value = parse_amount(form, f"adjudged_{levy}", errors, default=Decimal(0))
            if value is not None and value > contravened[levy]:
                errors[f"adjudged_{levy}"] = (f"more than the Rs {contravened[levy]:,.0f} in the "
                                              "show-cause notice")
            levies[levy] = (value or Decimal(0)).quantize(Decimal("0.01"))
        penalty = parse_amount(form, "penalty", errors, default=Decimal(0)) or Decimal(0)
        fine = parse_amount(form, "fine", errors, default=Decimal(0)) or Decimal(0)
        if not errors and sum(levies.values()) + penalty + fine <= 0:
            errors["adjudged_cd"] = "an order that adjudges nothing drops the case: choose dropped"
    raise_if(errors, "Order-in-original not recorded.")
    assert order_date is not None
    actor = _actor()
    window = None
    if outcome == "adjudged":
        window = order_date + dt.timedelta(
            days=days_for(session, "adjudication.appeal_window_days", order_date))
    order = OrderInOriginal(adjudication_id=adj.id, number="", order_date=order_date,
                            outcome=outcome, penalty_pkr=penalty, fine_pkr=fine,
                            total_pkr=sum(levies.values(), Decimal(0)) + penalty + fine,
                            reasons=reasons, appeal_window_ends=window,
                            officer_id=actor.id if actor else adj.officer_id,
                            recorded_at=clock.now(),
                            **{f"adjudged_{levy}_pkr": levies[levy] for levy in LEVIES})
    session.add(order)
    adj.order = order
    if outcome == "time_barred":  # no order is passed: the case is recorded as time-barred
        order.number = f"TB/{adj.cr_number}"[:60]
    else:
        legal.order_in_original(session, case, adj, scn, order, actor=actor, clock=clock)
    number = order.number
    # The adjudged balance is the order standing: a later order (after a remand) replaces it,
    # and an order that drops the case (or finds it time-barred) leaves nothing adjudged.
    ledger.adjust_to(session, case.id, "adjudged",
                     {**levies, "penalty": penalty, "fine": fine}, on=order_date,
                     kind=f"order_{outcome}", actor=actor, clock=clock, reference=number,
                     document_ref=number)
    if outcome == "time_barred":
        adj.time_barred_on = today
        adj.time_barred_reason = f"No order within the statutory limit: {limit}. {reasons}"[:4000]
    _event(session, adj, clock, "order_in_original",
           {"adjudged": f"Order-in-original {number}: Rs {order.total_pkr:,.0f} adjudged "
                        f"(duty and taxes Rs {order.duty_taxes_pkr:,.0f}, penalty "
                        f"Rs {penalty:,.0f}, fine Rs {fine:,.0f}); appeal by {window:%d %b %Y}"
                        if window else "",
            "dropped": f"Order-in-original {number}: case dropped",
            "time_barred": f"Case recorded as time-barred: {limit}"}[outcome],
           {"number": number, "outcome": outcome, "total": str(order.total_pkr),
            "day": (order_date - adj.clock_started_on).days if adj.clock_started_on else None})
    return {"order_outcome": outcome}

