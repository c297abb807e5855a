"""Forums' decisions on disputes: the ADR committee's and each appeal forum's decision, recorded
with the demand it leaves (through the ledger) and the order-in-appeal, and the one extension of
the Collector (Appeals) decision limit. The rules are in `disputes`' docstring; filings, stays
and the chain's reading live there too.

Flushes, never commits.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Iterable, Mapping

from sqlalchemy.orm import Session

from workflows import amend
from workflows.clock import Clock, local_date
from workflows.deadlines import days_for

from . import dispute_money as money
from . import disputes, task_forms
from ..errors import Conflict
from ..models import AuditCase, CaseEvent, User
from ..models.dispute import ADR_OUTCOMES, APPEAL_OUTCOMES, Dispute


# --- decisions ----------------------------------------------------------------------------

def decide(session: Session, dispute: Dispute, form: Mapping[str, Any], *, actor: User,
           clock: Clock) -> Dispute:
    """Record the forum's decision on `dispute` (from the dispute's own screen)."""
    disputes.require_officer(actor)
    if not dispute.pending:
        raise Conflict(f"This {dispute.forum_label} matter was already decided.")
    task = disputes.waiting_for_decision(session, dispute)
    if task is None:
        raise Conflict("The process no longer waits for this decision (its limit expired).")
    disputes.complete_waiting(session, task, actor, form, clock)
    return dispute


@task_forms.form("decide_adr")
def _decide_adr(session: Session, case: AuditCase, form: Mapping[str, Any],
                clock: Clock) -> dict[str, Any]:
    dispute = disputes.pending_matter(session, case, "adr")
    actor_id = disputes.recording_officer(session, case, "decide_adr")
    errors, outcome, decided_on, reasons = _read_decision(
        form, dispute, clock, ADR_OUTCOMES, outcome_hint="accepted or rejected",
        reasons_hint="required: the committee's reasons")
    before = money.demand(session, case)
    settled = None
    if outcome == "accepted":
        default = dispute.amount_agreed_pkr
        settled = task_forms.parse_amount(form, "amount_settled", errors, default=default)
        if settled is not None and not 0 < settled <= money.total(before):
            errors["amount_settled"] = ("more than 0 and at most the demand "
                                        f"({money.rupees(money.total(before))})")
    task_forms.raise_if(errors, "Committee decision not recorded.")
    assert decided_on is not None
    after = money.settle(before, settled) if settled is not None else before
    _record_decision(session, case, dispute, outcome, decided_on, reasons,
                     task_forms.parse_text(form, "order_number", 80), before, after, actor_id,
                     clock)
    data: dict[str, Any] = {"adr_outcome": outcome}
    if outcome == "rejected":
        data["further_appeal_due_date"] = _further_due(session, dispute, decided_on)
    return data


def _decide_appeal(forum: str):  # type: ignore[no-untyped-def]
    element = disputes.DECISION_TASK[forum]

    def handler(session: Session, case: AuditCase, form: Mapping[str, Any],
                clock: Clock) -> dict[str, Any]:
        dispute = disputes.pending_matter(session, case, forum)
        actor_id = disputes.recording_officer(session, case, element)
        errors, outcome, decided_on, reasons = _read_decision(
            form, dispute, clock, APPEAL_OUTCOMES,
            outcome_hint="upheld, reduced, set_aside or remanded",
            reasons_hint="required: the reasons (and, for a remand, the directions)")
        order_number = task_forms.parse_text(form, "order_number", 80)
        if not order_number:
            errors["order_number"] = "required: the forum's order or judgment number"
        before = money.demand(session, case)
        after = before
        if outcome in ("set_aside", "remanded"):
            after = money.zero()
        elif outcome == "reduced":
            after = money.parse_reduced(form, before, errors)
        task_forms.raise_if(errors, "Decision not recorded.")
        assert decided_on is not None
        _record_decision(session, case, dispute, outcome, decided_on, reasons, order_number,
                         before, after, actor_id, clock)
        return {"appeal_outcome": outcome,
                "further_appeal_due_date": _further_due(session, dispute, decided_on)}

    handler.__name__ = f"_{element}"
    return task_forms.form(element)(handler)


for _forum in disputes.APPEAL_FORUMS:
    _decide_appeal(_forum)


def _read_decision(form: Mapping[str, Any], dispute: Dispute, clock: Clock,
                   outcomes: Iterable[str], *, outcome_hint: str,
                   reasons_hint: str) -> tuple[dict[str, str], str, dt.date | None, str]:
    """What every forum's decision form has: the outcome, its date and the reasons, with the
    errors found so far (the form's own fields are checked after these)."""
    errors: dict[str, str] = {}
    outcome = str(form.get("outcome") or "")
    if outcome not in outcomes:
        errors["outcome"] = outcome_hint
    decided_on = _decision_date(form, dispute, clock, errors)
    reasons = str(form.get("reasons") or "").strip()
    if not reasons:
        errors["reasons"] = reasons_hint
    return errors, outcome, decided_on, reasons


def _decision_date(form: Mapping[str, Any], dispute: Dispute, clock: Clock,
                   errors: dict[str, str]) -> dt.date | None:
    decided_on = task_forms.parse_date(form, "decided_on", errors)
    if decided_on is None:
        return None
    if decided_on > local_date(clock.now()):
        errors["decided_on"] = "in the future"
    elif decided_on < dispute.filed_on:
        errors["decided_on"] = f"before the filing ({dispute.filed_on:%d %b %Y})"
    elif dispute.decision_due_on and decided_on > dispute.decision_due_on:
        extended = " (extended)" if dispute.extension_days else ""
        errors["decided_on"] = (f"after the decision limit{extended} of "
                                f"{dispute.decision_due_on:%d %b %Y}: the order cannot stand")
    return decided_on


def _further_due(session: Session, dispute: Dispute, decided_on: dt.date) -> dt.date | None:
    further = disputes.NEXT_FORUM.get(dispute.forum, "")
    if dispute.forum == "adr":
        prior = [d for d in disputes.for_case(session, session.get(AuditCase, dispute.case_id))
                 if d.forum != "adr" and d.original_order == dispute.original_order]
        further = disputes.NEXT_FORUM[prior[-1].forum] if prior else "collector_appeals"
    if not further:
        return None
    days = days_for(session, disputes.FILING_KEY[further], decided_on)
    return decided_on + dt.timedelta(days=days)


def _record_decision(session: Session, case: AuditCase, dispute: Dispute, outcome: str,
                     decided_on: dt.date, reasons: str, order_number: str | None,
                     before: dict[str, Decimal], after: dict[str, Decimal],
                     actor_id: int | None, clock: Clock) -> None:
    dispute.outcome, dispute.decided_on, dispute.decision_reasons = outcome, decided_on, reasons
    dispute.order_number = order_number
    dispute.decided_by_id = actor_id
    dispute.demand_before, dispute.demand_before_pkr = money.as_json(before), money.total(before)
    dispute.demand_after, dispute.demand_after_pkr = money.as_json(after), money.total(after)
    reference = order_number or f"{dispute.forum.upper()}-{dispute.id}"
    actor = session.get(User, actor_id) if actor_id else None
    # The order-in-appeal first: a demand notice re-issued for the changed demand cites it.
    if dispute.forum != "adr" and actor is not None:
        _issue_order_in_appeal(session, case, dispute, before, after, actor, clock)
    money.change_demand(session, case, before, after, kind=f"{dispute.forum}_{outcome}",
                        reference=reference, entry_date=decided_on, actor=actor, clock=clock,
                        note=f"{dispute.forum_label}: {dispute.outcome_label}")
    # A stay the forum granted pending its decision ends with the decision, whatever it is.
    from . import recovery
    recovery.end_stays_of_forum(session, case, dispute.forum, decided_on=decided_on,
                                reference=reference, actor=actor, clock=clock)
    session.add(CaseEvent(case_id=case.id, at=clock.now(), actor_id=actor_id,
                          kind="dispute_decided", element_id=dispute.forum,
                          summary=f"{dispute.forum_label}: {dispute.outcome_label.lower()} on "
                          f"{decided_on:%d %b %Y}; demand {money.rupees(money.total(before))} -> "
                          f"{money.rupees(money.total(after))}",
                          data={"dispute_id": dispute.id, "outcome": outcome,
                                "demand_before": str(money.total(before)),
                                "demand_after": str(money.total(after))}))
    session.flush()


def _issue_order_in_appeal(session: Session, case: AuditCase, dispute: Dispute,
                           before: dict[str, Decimal], after: dict[str, Decimal], actor: User,
                           clock: Clock) -> None:
    """The order-in-appeal record (docs' series OIA), numbered, stored as PDF, never changed."""
    from . import documents
    doc = documents.issue(session, case, "order_in_appeal", {
        "forum": dispute.forum_label, "appeal_number": dispute.appeal_number or f"D-{dispute.id}",
        "appellant": documents.party_importer(case),
        "order_appealed": {"number": dispute.order_appealed, "date": dispute.order_appealed_on},
        "filed_on": dispute.filed_on, "hearing_dates": [], "decision_date": dispute.decided_on,
        "outcome": dispute.outcome, "demand_before": money.as_sum(before),
        "demand_after": money.as_sum(after), "reasons": dispute.decision_reasons,
        "further_appeal_clause": documents.appeal_clause("order_in_appeal",
                                                         forum=dispute.forum_label)},
        actor=actor, clock=clock)
    dispute.document_id = doc.id


# --- extension of the decision limit ------------------------------------------------------

def extend_limit(session: Session, dispute: Dispute, form: Mapping[str, Any], *, actor: User,
                 clock: Clock) -> Dispute:
    """Extend the Collector (Appeals) decision limit once, with reasons, before it expires."""
    disputes.require_officer(actor)
    if dispute.forum not in disputes.EXTENSION_KEY:
        raise Conflict(f"The {dispute.forum_label}'s time limit cannot be extended.")
    if not dispute.pending:
        raise Conflict("This appeal was already decided.")
    if dispute.extension_days:
        raise Conflict(f"The decision limit was already extended by {dispute.extension_days} "
                       "days; it can be extended only once.")
    today = local_date(clock.now())
    assert dispute.decision_due_on is not None
    errors: dict[str, str] = {}
    most = days_for(session, disputes.EXTENSION_KEY[dispute.forum], today)
    days = 0
    try:
        days = int(str(form.get("days") or ""))
    except ValueError:
        errors["days"] = f"a whole number of days, 1 to {most}"
    if not errors and not 1 <= days <= most:
        errors["days"] = f"1 to {most} days"
    reasons = str(form.get("reasons") or "").strip()
    if not reasons:
        errors["reasons"] = "required: the reasons for the extension"
    if today > dispute.decision_due_on:
        errors["days"] = (f"the limit expired on {dispute.decision_due_on:%d %b %Y}: an "
                          "extension must be recorded before it expires")
    task_forms.raise_if(errors, "Extension not recorded.")
    task = disputes.waiting_for_decision(session, dispute)
    if task is None:
        raise Conflict("The process no longer waits for this decision.")
    new_due = dispute.decision_due_on + dt.timedelta(days=days)
    dispute.extension_days, dispute.extension_reasons, dispute.extended_on = days, reasons, today
    dispute.decision_due_on = new_due
    amend.move_due_date(session, task.task_id, new_due, clock=clock, actor_id=actor.id,
                        data={"decision_due_date": new_due},
                        summary=f"{dispute.forum_label}: decision limit extended by {days} days "
                        f"to {new_due:%d %b %Y} ({reasons})")
    return dispute
