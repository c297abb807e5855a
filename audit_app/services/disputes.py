"""Disputes against an order-in-original: ADR (s.195C) and the appeal chain, Collector (Appeals)
(s.193) -> Appellate Tribunal (s.194A) -> High Court reference (s.196), driven by dispute.bpmn.

Decisions taken here (DOMAIN.md s.9 leaves them open):
- A chain starts from the case's order-in-original (adjudication's latest order with a demand).
  The first filing is an appeal to the Collector (Appeals) or an ADR application; after each
  decision that leaves a demand standing, the next forum (or ADR, once per chain) may be
  filed. A remand ends the chain: the fresh order-in-original starts a new one.
- Every filing, ADR included, must be made within the window of the forum it leads to,
  counted in calendar days from the order appealed against (day 30 of 30 is in time, day 31
  is not). A late filing is refused unless the forum's condonation of the delay is recorded.
  After an ADR rejection (or lapse) the window counts from the committee's decision (or the
  end of its time limit); after a Collector (Appeals) limit lapses undecided, from the end of
  that limit.
- The Collector (Appeals) decides within 120 days of the filing, extendable once by up to 60
  days, with reasons recorded before the limit expires. A decision dated after the limit is
  refused; when the limit passes undecided the worker moves the process on (the appeal
  lapses, the demand stands and the Tribunal window opens). The ADR committee's time limit
  works the same way, without extension.
- Outcomes change the demand through the ledger: upheld changes nothing; reduced sets the
  demand per levy to the amounts the order states; set aside and remand remove it (a remand
  sets the order-in-original aside; the fresh order makes the new demand); an accepted ADR
  settles it at the amount agreed, taken from duty and taxes first, in levy order, then
  penalty, then fine. Only disputes filed by the trader are modelled.
- A stay of recovery a forum grants pending its decision ends with that decision, whatever
  the outcome (recovery.end_stays_of_forum); a stay granted until a date lapses after it
  through the worker. A further forum's stay is recorded afresh.
- The officer who records a decision is the task's assignee (the generic task page requires
  claiming before completing); forms carry no actor.

Filings, stays and reading the chain are here; the forums' decisions and the extension of a
decision limit are in `dispute_decisions`, the appellate officer's lists in `dispute_docket`.
Flushes, never commits.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import handoffs, runtime
from workflows.clock import Clock, local_date
from workflows.deadlines import days_for

from . import dispute_money as money
from . import task_forms
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..models import AuditCase, CaseEvent, OpenTask, Role, User
from ..models.dispute import FORUM_LABELS, Dispute

PROCESS_ID = "dispute"
APPEAL_FORUMS = ("collector_appeals", "tribunal", "high_court")
NEXT_FORUM = {"collector_appeals": "tribunal", "tribunal": "high_court", "high_court": ""}
FILING_KEY = {"collector_appeals": "dispute.collector_appeals_filing_days",
              "tribunal": "dispute.tribunal_filing_days",
              "high_court": "dispute.high_court_filing_days"}
DECISION_KEY = {"adr": "dispute.adr_decision_days",
                "collector_appeals": "dispute.collector_appeals_decision_days"}
EXTENSION_KEY = {"collector_appeals": "dispute.collector_appeals_extension_days"}
DECISION_TASK = {"adr": "decide_adr", "collector_appeals": "decide_collector_appeal",
                 "tribunal": "decide_tribunal_appeal",
                 "high_court": "decide_high_court_reference"}
FURTHER_TASK = "record_further_appeal"


@dataclass(frozen=True)
class Order:
    number: str
    date: dt.date


@dataclass(frozen=True)
class Opening:
    """What the case admits now: the forums one may file with, against which order, by when."""

    forums: tuple[str, ...]
    order: Order  # the order appealed against
    original: Order  # the order-in-original the chain started from
    window_from: dt.date  # the window counts from this day
    appeal_forum: str  # the appeal forum next in the chain (ADR's fallback)


# --- reading ------------------------------------------------------------------------------

def for_case(session: Session, case: AuditCase) -> list[Dispute]:
    """The case's filings, oldest first."""
    return list(session.scalars(select(Dispute).where(Dispute.case_id == case.id)
                                .order_by(Dispute.filed_on, Dispute.id)))


def get(session: Session, dispute_id: int) -> Dispute:
    dispute = session.get(Dispute, dispute_id)
    if dispute is None:
        raise NotFound(f"No dispute {dispute_id}.")
    return dispute


def case_for(session: Session, case_id: int, user: User) -> AuditCase:
    """A case whose disputes `user` may read: appellate forums hear every collectorate, so
    appellate officers (like management) read any case; others as the case service allows."""
    if user.has_role(Role.APPELLATE_OFFICER, Role.MANAGEMENT, Role.ADMINISTRATOR):
        case = session.get(AuditCase, case_id)
        if case is None:
            raise NotFound(f"No audit case {case_id}.")
        return case
    from .cases import get_case
    return get_case(session, case_id, user)


def waiting_for_filing(session: Session, case: AuditCase) -> OpenTask | None:
    """The open 'record a further appeal' step, when a filing window is open."""
    return session.scalar(select(OpenTask).where(OpenTask.case_id == case.id,
                                                 OpenTask.element_id == FURTHER_TASK))


def waiting_for_decision(session: Session, dispute: Dispute) -> OpenTask | None:
    if not dispute.pending:
        return None
    return session.scalar(select(OpenTask).where(
        OpenTask.case_id == dispute.case_id, OpenTask.element_id == DECISION_TASK[dispute.forum]))


def window_ends(session: Session, forum: str, opening: Opening) -> dt.date:
    key = FILING_KEY[opening.appeal_forum if forum == "adr" else forum]
    return opening.window_from + dt.timedelta(days=days_for(session, key, opening.window_from))


def opening(session: Session, case: AuditCase) -> Opening | None:
    """The filing the case admits now, or None (no order, a matter pending, the chain over)."""
    original = original_order(session, case)
    if original is None:
        return None
    chain = [d for d in for_case(session, case) if d.original_order == original.number]
    if not chain:
        return Opening(("collector_appeals", "adr"), original, original, original.date,
                       "collector_appeals")
    last = chain[-1]
    if last.pending and not _lapsed(session, last, case):
        return None
    outcome = last.outcome or "lapsed"
    if outcome in ("set_aside", "remanded", "accepted"):
        return None
    appeals = [d for d in chain if d.forum != "adr"]
    adr_used = any(d.forum == "adr" for d in chain)
    if last.forum == "adr":
        appeal_forum = NEXT_FORUM[appeals[-1].forum] if appeals else "collector_appeals"
        order = _order_of(appeals[-1]) if appeals else original
    else:
        appeal_forum = NEXT_FORUM[last.forum]
        order = _order_of(last)
    if not appeal_forum:
        return None
    window_from = (last.decided_on if last.decided_on else _limit(last))
    forums = (appeal_forum,) if adr_used else (appeal_forum, "adr")
    return Opening(forums, order, original, window_from, appeal_forum)


def original_order(session: Session, case: AuditCase) -> Order | None:
    """The case's latest order-in-original with a demand (adjudication's)."""
    from . import adjudication  # the adjudication service owns its orders
    order = adjudication.latest_order(session, case)
    if order is None or order.outcome != "adjudged":
        return None
    return Order(order.number, order.order_date)


def _order_of(dispute: Dispute) -> Order:
    """The order a decided (or lapsed) filing leaves for the next forum to hear."""
    if dispute.outcome and dispute.decided_on:
        return Order(dispute.order_number or f"{dispute.forum} decision", dispute.decided_on)
    return Order(dispute.order_appealed, dispute.order_appealed_on)


def _limit(dispute: Dispute) -> dt.date:
    assert dispute.decision_due_on is not None
    return dispute.decision_due_on


def _lapsed(session: Session, dispute: Dispute, case: AuditCase) -> bool:
    """Pending, with a decision limit, and the process no longer waits for its decision."""
    if not dispute.pending or dispute.decision_due_on is None:
        return False
    waiting = session.scalar(select(OpenTask.id).where(
        OpenTask.case_id == case.id, OpenTask.element_id == DECISION_TASK[dispute.forum]))
    return waiting is None


# --- filing -------------------------------------------------------------------------------

def file(session: Session, case: AuditCase, form: Mapping[str, Any], *, actor: User,
         clock: Clock) -> Dispute:
    """Record the trader's filing: the first starts dispute.bpmn, a later one completes its
    'record a further appeal' step."""
    require_officer(actor)
    running = runtime.instances(session, case.id, process_id=PROCESS_ID, running=True)
    if running:
        task = session.scalar(select(OpenTask).where(OpenTask.instance_id == running[-1].id,
                                                     OpenTask.element_id == FURTHER_TASK))
        if task is None:
            raise Conflict("A dispute is pending before a forum on this case: record its "
                           "decision first.")
        complete_waiting(session, task, actor, {**form, "further_action": "filed"}, clock)
        return for_case(session, case)[-1]
    found = opening(session, case)
    if found is None:
        raise Conflict(f"Case {case.case_number} has no order open to ADR or appeal.")
    dispute, data = _new_filing(session, case, form, found, actor.id, clock)
    if case.appellate_officer_id is None:
        case.appellate_officer_id = actor.id
    loaded = runtime.start(session, case, clock=clock, actor_id=actor.id,
                           process_id=PROCESS_ID, data=data)
    dispute.instance_id = loaded.instance.id
    session.flush()
    return dispute


def accept(session: Session, case: AuditCase, *, actor: User, clock: Clock) -> None:
    """Record that the trader accepts the last order: no further appeal, the demand stands."""
    require_officer(actor)
    task = waiting_for_filing(session, case)
    if task is None:
        raise Conflict("No filing window is open on this case.")
    complete_waiting(session, task, actor, {"further_action": "accepted"}, clock)


def _new_filing(session: Session, case: AuditCase, form: Mapping[str, Any], found: Opening,
                actor_id: int | None, clock: Clock) -> tuple[Dispute, dict[str, Any]]:
    errors: dict[str, str] = {}
    forum = str(form.get("forum") or "")
    if forum not in found.forums:
        errors["forum"] = " or ".join(FORUM_LABELS[f] for f in found.forums)
    filed_on = task_forms.parse_date(form, "filed_on", errors)
    today = local_date(clock.now())
    grounds = str(form.get("grounds") or "").strip()
    if not grounds:
        errors["grounds"] = "required: the grounds of the " + (
            "application" if forum == "adr" else "appeal")
    condonation = str(form.get("condonation") or "").strip() or None
    demand = money.demand(session, case)
    before = money.total(demand)
    disputed = task_forms.parse_amount(form, "amount_disputed", errors, default=before)
    agreed = None
    if forum == "adr":
        agreed = task_forms.parse_amount(form, "amount_agreed", errors, default=None)
        if agreed is not None and agreed > before:
            errors["amount_agreed"] = f"more than the demand ({_rs(before)})"
    if disputed is not None and disputed > before:
        errors["amount_disputed"] = f"more than the demand ({_rs(before)})"
    if before <= 0:
        errors["forum"] = "there is no demand to dispute"
    window_end = None
    if filed_on is not None and forum in found.forums:
        window_end = window_ends(session, forum, found)
        if filed_on > today:
            errors["filed_on"] = "in the future"
        elif filed_on < found.order.date:
            errors["filed_on"] = f"before the order appealed against ({found.order.date:%d %b %Y})"
        elif filed_on > window_end and not condonation:
            errors["filed_on"] = (f"out of time: the window closed on {window_end:%d %b %Y} "
                                  f"({(filed_on - found.window_from).days} days after "
                                  f"{found.window_from:%d %b %Y}); record the forum's "
                                  "condonation of the delay to accept it")
    task_forms.raise_if(errors, "Filing not recorded.")
    assert filed_on is not None and disputed is not None
    decision_due = None
    if forum in DECISION_KEY:
        decision_due = filed_on + dt.timedelta(days=days_for(session, DECISION_KEY[forum],
                                                             filed_on))
    further = found.appeal_forum if forum == "adr" else NEXT_FORUM[forum]
    dispute = Dispute(
        case_id=case.id, forum=forum,
        appeal_number=task_forms.parse_text(form, "appeal_number", 60),
        order_appealed=found.order.number, order_appealed_on=found.order.date,
        original_order=found.original.number, filed_on=filed_on, window_ends_on=window_end,
        condonation=condonation if window_end and filed_on > window_end else None,
        grounds=grounds, amount_disputed_pkr=disputed, amount_agreed_pkr=agreed,
        demand_before=money.as_json(demand), demand_before_pkr=before,
        decision_due_on=decision_due, filed_by_id=actor_id, created_at=clock.now())
    session.add(dispute)
    session.flush()
    late = " (late, delay condoned)" if dispute.condonation else ""
    session.add(CaseEvent(case_id=case.id, at=clock.now(), actor_id=actor_id,
                          kind="dispute_filed", element_id=forum,
                          summary=f"{FORUM_LABELS[forum]}: filed on {filed_on:%d %b %Y}{late} "
                          f"against {found.order.number}",
                          data={"dispute_id": dispute.id, "forum": forum,
                                "filed_on": filed_on.isoformat(),
                                "amount_disputed": str(disputed),
                                "amount_agreed": str(agreed) if agreed is not None else None}))
    window_days = days_for(session, FILING_KEY[further], filed_on) if further else 0
    return dispute, {"forum": forum, "dispute_id": dispute.id,
                     "decision_due_date": decision_due, "further_forum": further,
                     "further_window_days": window_days}


@task_forms.form(FURTHER_TASK)
def _record_further_appeal(session: Session, case: AuditCase, form: Mapping[str, Any],
                           clock: Clock) -> dict[str, Any]:
    action = str(form.get("further_action") or "")
    if action not in ("filed", "accepted"):
        raise ValidationFailed("Nothing recorded.",
                               {"further_action": "filed (a further appeal or ADR) or accepted"})
    actor_id = recording_officer(session, case, FURTHER_TASK)
    _close_lapsed(session, case, clock)
    if action == "accepted":
        session.add(CaseEvent(case_id=case.id, at=clock.now(), actor_id=actor_id,
                              kind="dispute_accepted", summary="The trader accepts the order: "
                              "no further appeal"))
        return {"further_action": "accepted"}
    found = opening(session, case)
    if found is None:
        raise Conflict("Nothing is open to a further appeal on this case.")
    dispute, data = _new_filing(session, case, form, found, actor_id, clock)
    dispute.instance_id = runtime.instances(session, case.id, process_id=PROCESS_ID,
                                            running=True)[-1].id
    return {"further_action": "filed", **data}


def _close_lapsed(session: Session, case: AuditCase, clock: Clock) -> None:
    """Mark filings whose decision limit passed undecided as lapsed (the process moved on); the
    matter is no longer before the forum, so the stays it granted end the day after its limit."""
    from . import recovery
    for dispute in for_case(session, case):
        if _lapsed(session, dispute, case):
            assert dispute.decision_due_on is not None
            recovery.end_stays_of_forum(
                session, case, dispute.forum,
                decided_on=min(dispute.decision_due_on + dt.timedelta(days=1),
                               local_date(clock.now())), reference=None,
                actor=None, clock=clock,
                why=f"when the {{forum}}'s decision limit of {dispute.decision_due_on:%d %b %Y} "
                    "passed undecided")
            dispute.outcome = "lapsed"
            dispute.demand_after = dispute.demand_before
            dispute.demand_after_pkr = dispute.demand_before_pkr
            session.add(CaseEvent(case_id=case.id, at=clock.now(), actor_id=None,
                                  kind="dispute_lapsed", element_id=dispute.forum,
                                  summary=f"{dispute.forum_label}: no decision by "
                                  f"{dispute.decision_due_on:%d %b %Y}; the demand stands",
                                  data={"dispute_id": dispute.id}))
    session.flush()


# --- stays ----------------------------------------------------------------------------------

def record_stay(session: Session, dispute: Dispute, form: Mapping[str, Any], *, actor: User,
                clock: Clock) -> Any:
    """A stay of recovery granted by the forum hearing `dispute`, recorded through recovery
    (the stayed amount leaves what is recoverable until the stay is lifted)."""
    require_officer(actor)
    if not dispute.pending:
        raise Conflict("This matter is decided: a stay is granted while it is pending.")
    errors: dict[str, str] = {}
    granted_on = task_forms.parse_date(form, "granted_on", errors)
    amount = task_forms.parse_amount(form, "amount", errors, default=None)
    until = None
    if form.get("until"):
        until = task_forms.parse_date(form, "until", errors)
    reference = str(form.get("order_ref") or "").strip()
    if not reference:
        errors["order_ref"] = "the forum's order number is required"
    task_forms.raise_if(errors, "Stay not recorded.")
    case = session.get(AuditCase, dispute.case_id)
    from . import recovery
    stay = recovery.record_stay(session, case, forum=dispute.forum, granted_on=granted_on,
                                reference=reference, actor=actor, clock=clock, amount=amount,
                                until=until)
    session.add(CaseEvent(case_id=dispute.case_id, at=clock.now(), actor_id=actor.id,
                          kind="dispute_stay", element_id=dispute.forum,
                          summary=f"{dispute.forum_label}: recovery of {_rs(amount)} stayed "
                          f"({reference})", data={"dispute_id": dispute.id}))
    session.flush()
    return stay


# --- hand-offs ----------------------------------------------------------------------------

@handoffs.on("remanded_to_adjudication")
def _remand(session: Session, case: AuditCase, clock: Clock, *, process_id: str) -> None:
    if process_id != PROCESS_ID:
        return
    remand = [d for d in for_case(session, case) if d.outcome == "remanded"][-1]
    actor = session.get(User, remand.decided_by_id) if remand.decided_by_id else None
    from . import adjudication
    adjudication.remand(session, case, actor=actor, clock=clock,
                        reasons=remand.decision_reasons, order_ref=remand.order_number)


@runtime.after_step(PROCESS_ID)
def _after_step(session: Session, loaded: runtime.Loaded, clock: Clock) -> None:
    """A decision limit that just expired (the worker fired it) lapses the filing at once, and
    with it the forum's stays: recovery resumes without waiting for the next filing. Runs after
    every step, the last one (the process ending with the demand standing) included."""
    _close_lapsed(session, loaded.case, clock)


# --- helpers ------------------------------------------------------------------------------

def complete_waiting(session: Session, task: OpenTask, actor: User, form: Mapping[str, Any],
                     clock: Clock) -> None:
    """Complete the process's waiting task as `actor`, claiming it first if nobody has."""
    from .cases import claim_task, complete_task
    if task.assignee_id is None:
        claim_task(session, task.task_id, actor, clock=clock)
    complete_task(session, task.task_id, actor, form, clock=clock)


def pending_matter(session: Session, case: AuditCase, forum: str) -> Dispute:
    """The case's undecided filing before `forum`."""
    dispute = session.scalar(select(Dispute).where(
        Dispute.case_id == case.id, Dispute.forum == forum, Dispute.outcome.is_(None))
        .order_by(Dispute.id.desc()).limit(1))
    if dispute is None:
        raise Conflict(f"No {FORUM_LABELS[forum]} matter is pending on this case.")
    return dispute


def recording_officer(session: Session, case: AuditCase, element: str) -> int | None:
    """Who records the step: the user completing the task, else the task's assignee."""
    acting = task_forms.actor()
    if acting is not None:
        return acting.id
    return session.scalar(select(OpenTask.assignee_id).where(
        OpenTask.case_id == case.id, OpenTask.element_id == element))


def require_officer(user: User) -> None:
    if not user.has_role(Role.APPELLATE_OFFICER):
        raise PermissionDenied("Only an appellate / ADR officer records disputes.")


def _rs(amount: Decimal) -> str:
    """Rs 11,736,808: whole rupees, as orders and screens show them."""
    return money.rupees(amount)

