"""The task forms of recovery.bpmn: the demand notice, the start of enforcement, each
enforcement step with its outcome, and the watch on a stay. Each returns the position the
process's gateways decide on (recoverable, stayed, paid_total). Flushes, never commits."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from workflows.clock import Clock, local_date
from workflows.deadlines import days_for

from . import ledger, task_forms
from .recovery import current_demand, position
from .task_forms import parse_date, raise_if
from ..errors import ValidationFailed
from ..models import AuditCase, Demand, EnforcementAction, User
from ..models.recovery import ENFORCEMENT_OUTCOMES


@task_forms.form("issue_demand_notice")
def _issue_demand_notice(session: Session, case: AuditCase, form: Mapping[str, Any],
                         clock: Clock) -> dict[str, Any]:
    demand = current_demand(session, case.id)
    assert demand is not None
    errors: dict[str, str] = {}
    today = local_date(clock.now())
    notice = parse_date(form, "notice_date", errors) if form.get("notice_date") else today
    if notice is not None and notice > today:
        errors["notice_date"] = "not in the future"
    elif notice is not None and notice < demand.raised_on:
        errors["notice_date"] = f"not before the demand was raised ({demand.raised_on:%d %b %Y})"
    pay_by = None
    if form.get("pay_by"):
        pay_by = parse_date(form, "pay_by", errors)
    elif notice is not None:
        pay_by = notice + dt.timedelta(days=days_for(session, "recovery.payment_days", notice))
    if notice is not None and pay_by is not None and pay_by <= notice:
        errors["pay_by"] = "after the notice date"
    raise_if(errors, "Demand notice not issued.")
    assert notice is not None and pay_by is not None
    actor = task_forms.actor()
    demand.notice_date, demand.pay_by = notice, pay_by
    demand.issued_by_id = actor.id if actor else None
    _issue_notice_document(session, case, demand, actor, clock)
    return {"pay_by": pay_by, "notice_date": notice, **position(session, case.id).process_data()}


def _issue_notice_document(session: Session, case: AuditCase, demand: Demand,
                           actor: User | None, clock: Clock) -> None:
    """The demand notice as a numbered PDF (documents service), when it is installed."""
    try:
        from . import documents  # type: ignore[attr-defined]
    except ImportError:  # the documents service is not part of this build yet
        demand.notice_number = f"DN/{case.case_number}/{demand.id}"
        return
    doc = documents.issue(session, case, "demand_notice", notice_context(session, case, demand),
                          actor=actor, clock=clock)
    demand.notice_number, demand.document_id = doc.number, doc.id


def notice_context(session: Session, case: AuditCase, demand: Demand) -> dict[str, Any]:
    """What the demand notice states: the order the demand rests on (the latest order-in-appeal,
    else the order-in-original), the demand as it stands in the ledger, what is paid and
    stayed, and the pay-by date."""
    from . import documents
    where = position(session, case.id)
    order = None
    for kind in ("order_in_appeal", "order_in_original"):
        doc = documents.current(session, case, kind)
        if doc is not None and order is None:
            order = documents.ref(doc)
    if order is None:
        order = {"number": demand.order_ref or "-", "date": demand.raised_on}
    current = ledger.demand(session, case.id)
    return {"order": order, "importer": documents.party_importer(case),
            "demand": {"levies": current["levies"], "penalty": current["penalty"],
                       "fine": current["fine"]},
            "paid": where.paid, "stayed": where.stayed, "pay_by": demand.pay_by}


def revise_notice(session: Session, case: AuditCase, *, reason: str, actor: User | None,
                  clock: Clock) -> None:
    """The demand changed (appeal, ADR) after its notice was issued and something is still
    recoverable: the notice is re-issued as a new version of the same number stating the demand
    as it now stands and the order it now rests on. The pay-by date stays that of the notice:
    an order that lowers the demand gives no fresh time to pay what remains."""
    from ..models import IssuedDocument, User as UserModel
    from . import documents
    demand = current_demand(session, case.id)
    if demand is None or demand.status != "open" or demand.document_id is None:
        return
    previous = session.get(IssuedDocument, demand.document_id)
    if previous is None:
        return
    previous = documents.latest_version(session, previous)
    issuer = actor or (session.get(UserModel, demand.issued_by_id) if demand.issued_by_id
                       else None)
    if issuer is None:
        return  # nobody to sign it: the officer re-issues it with the next step
    doc = documents.reissue(session, previous, notice_context(session, case, demand),
                            actor=issuer, clock=clock, reason=reason[:200])
    demand.document_id = doc.id


@task_forms.form("await_payment")
def _await_payment(session: Session, case: AuditCase, form: Mapping[str, Any],
                   clock: Clock) -> dict[str, Any]:
    demand = current_demand(session, case.id)
    assert demand is not None and demand.pay_by is not None
    if local_date(clock.now()) <= demand.pay_by:
        raise ValidationFailed("Enforcement not started.", {
            "decision": f"the trader has until {demand.pay_by:%d %b %Y} to pay; enforcement "
                        "may start the day after"})
    return position(session, case.id).process_data()


def _enforcement_form(step: str, session: Session, case: AuditCase, form: Mapping[str, Any],
                      clock: Clock) -> dict[str, Any]:
    errors: dict[str, str] = {}
    outcome = str(form.get("outcome") or ("done" if step == "review" else ""))
    if outcome not in ENFORCEMENT_OUTCOMES:
        errors["outcome"] = "done, in_force or not_taken"
    today = local_date(clock.now())
    acted_on = parse_date(form, "acted_on", errors) if form.get("acted_on") else today
    if acted_on is not None and acted_on > today:
        errors["acted_on"] = "not in the future"
    reference = str(form.get("reference") or "").strip()
    remarks = str(form.get("remarks") or "").strip()
    if step != "review" and outcome == "done" and not reference:
        errors["reference"] = "the order or letter number is required"
    if (outcome == "not_taken" or step == "review") and not remarks:
        errors["remarks"] = ("say why the step was not taken" if outcome == "not_taken"
                             else "say where recovery stands")
    where = position(session, case.id)
    if step != "review" and outcome == "done" and where.recoverable <= 0:
        errors["outcome"] = ("nothing is recoverable now (the rest is stayed): record the "
                             "step as not taken")
    raise_if(errors, "Enforcement step not recorded.")
    assert acted_on is not None
    actor = task_forms.actor()
    session.add(EnforcementAction(case_id=case.id, step=step, outcome=outcome, acted_on=acted_on,
                                  reference=reference[:80] or None, remarks=remarks[:2000] or None,
                                  recorded_by_id=actor.id if actor else None,
                                  recorded_at=clock.now()))
    session.flush()
    return {f"{step}_outcome": outcome, **where.process_data()}


@task_forms.form("block_ntn")
def _block_ntn(session: Session, case: AuditCase, form: Mapping[str, Any],
               clock: Clock) -> dict[str, Any]:
    return _enforcement_form("ntn_block", session, case, form, clock)


@task_forms.form("attach_bank_accounts")
def _attach_bank_accounts(session: Session, case: AuditCase, form: Mapping[str, Any],
                          clock: Clock) -> dict[str, Any]:
    return _enforcement_form("bank_attachment", session, case, form, clock)


@task_forms.form("hold_consignments")
def _hold_consignments(session: Session, case: AuditCase, form: Mapping[str, Any],
                       clock: Clock) -> dict[str, Any]:
    return _enforcement_form("consignment_hold", session, case, form, clock)


@task_forms.form("review_recovery")
def _review_recovery(session: Session, case: AuditCase, form: Mapping[str, Any],
                     clock: Clock) -> dict[str, Any]:
    return _enforcement_form("review", session, case, form, clock)


@task_forms.form("watch_stay")
def _watch_stay(session: Session, case: AuditCase, form: Mapping[str, Any],
                clock: Clock) -> dict[str, Any]:
    remarks = str(form.get("remarks") or "").strip()
    if not remarks:
        raise ValidationFailed("Stay review not recorded.",
                               {"remarks": "say where the appeal and the stay stand"})
    return {"stay_review": remarks[:2000], **position(session, case.id).process_data()}
