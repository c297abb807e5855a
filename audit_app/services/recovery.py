"""Recovery of the demand (s.202), driven by bpmn/recovery.bpmn.

When adjudication ends with the order standing (`adjudged`), the hand-off raises the demand in
the ledger (`demanded` = the `adjudged` balance) and starts the recovery process: the demand
notice, payments against it, enforcement when overdue (NTN block, bank attachment,
consignment hold, then periodic review), stays from appellate forums, and the close when
nothing recoverable remains. Payments, stays and demand changes happen outside the tasks (any
time while recovery runs); after each one `settle_if_done` tells the process when nothing is
left (signal `demand_settled`, with the amount paid) and `lift_stay` wakes a stayed demand
(signal `stay_lifted`).

Every amount is a sum over the ledger: outstanding = demanded - paid - stayed.
Flushes, never commits.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
import functools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case as sql_case, func, select
from sqlalchemy.orm import Session

from workflows import handoffs, runtime, worker
from workflows.clock import Clock, end_of_day_utc, local_date

from . import ledger
from .task_forms import parse_amount, parse_date, raise_if
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..models import (AuditCase, CaseEvent, Demand, EnforcementAction, Importer, LedgerEntry,
                      OpenTask, Role, Stay, User, WorkflowInstance, WorkflowTimer)
from ..models.ledger import LEVIES, LEVY_LABELS

PROCESS_ID = "recovery"
START_STATUS = "adjudged"  # adjudication's end status when the order stands
END_STATUSES = ("recovered", "demand_cancelled")
# The user tasks that wait while money may arrive: each has a `demand_settled` boundary event.
WAITING_TASKS = ("await_payment", "block_ntn", "attach_bank_accounts", "hold_consignments",
                 "review_recovery", "watch_stay")
FORUMS = {"collector_appeals": "Collector (Appeals)", "tribunal": "Appellate Tribunal",
          "high_court": "High Court", "adr": "ADR committee"}
ZERO = Decimal(0)


# --- the position of a case ------------------------------------------------------------------

@dataclass(frozen=True)
class Position:
    """What a case owes, from the ledger. `outstanding` = demanded - paid - stayed (negative:
    paid more than is now demanded); `recoverable` counts only levies still owed."""

    demanded: Decimal
    paid: Decimal
    stayed: Decimal
    remitted: Decimal
    outstanding: Decimal
    recoverable: Decimal
    refund_due: Decimal
    levies: dict[str, dict[str, Decimal]]  # levy -> demanded / paid / stayed / outstanding

    @property
    def settled(self) -> bool:
        return self.recoverable <= 0 and self.stayed <= 0

    def process_data(self) -> dict[str, Decimal]:
        """The facts the gateways of recovery.bpmn decide on."""
        return {"recoverable": self.recoverable, "stayed": self.stayed, "paid_total": self.paid}


def position(session: Session, case_id: int) -> Position:
    return position_of(ledger.balances(session, case_id))


def position_of(b: ledger.Balances) -> Position:
    out = b.outstanding()
    levies = {levy: {"demanded": b["demanded"][levy], "paid": b["paid"][levy],
                     "stayed": b["stayed"][levy], "outstanding": out[levy]}
              for levy in b.nonzero_levies("demanded", "paid", "stayed")}
    return Position(b.total("demanded"), b.total("paid"), b.total("stayed"), b.total("remitted"),
                    b.outstanding_total(), sum((v for v in out.values() if v > 0), ZERO),
                    -sum((v for v in out.values() if v < 0), ZERO), levies)


# --- start and end ---------------------------------------------------------------------------

@handoffs.on(START_STATUS)
def _order_stands(session: Session, case: AuditCase, clock: Clock, *, process_id: str) -> None:
    start(session, case, clock=clock)


def start(session: Session, case: AuditCase, *, clock: Clock,
          actor: User | None = None) -> Demand:
    """Raise the demand to the order standing (the `adjudged` balance) and start recovery."""
    order = session.scalars(select(LedgerEntry).where(
        LedgerEntry.case_id == case.id, LedgerEntry.account == "adjudged")
        .order_by(LedgerEntry.entry_date.desc(), LedgerEntry.id.desc()).limit(1)).first()
    today = local_date(clock.now())
    order_ref = (order.document_ref or order.reference) if order else None
    adjudged = ledger.balances(session, case.id)["adjudged"]
    ledger.adjust_to(session, case.id, "demanded", adjudged, on=today, kind="demand_raised",
                     actor=actor, clock=clock, reference=order_ref,
                     note="The order-in-original stands")
    demand = Demand(case_id=case.id, order_ref=order_ref, raised_on=today, status="open",
                    created_at=clock.now())
    session.add(demand)
    session.flush()
    runtime.start(session, case, clock=clock, actor_id=actor.id if actor else None,
                  process_id=PROCESS_ID, data={"case_id": case.id})
    return demand


def _close_demands(session: Session, case: AuditCase, clock: Clock, *, process_id: str) -> None:
    if process_id != PROCESS_ID:
        return
    for demand in session.scalars(select(Demand).where(Demand.case_id == case.id,
                                                       Demand.status == "open")):
        demand.status, demand.closed_on = case.status, local_date(clock.now())
    session.flush()


for _status in END_STATUSES:
    handoffs.on(_status)(_close_demands)


def current_demand(session: Session, case_id: int) -> Demand | None:
    return session.scalars(select(Demand).where(Demand.case_id == case_id)
                           .order_by(Demand.raised_on.desc(), Demand.id.desc()).limit(1)).first()


def demands(session: Session, case_id: int) -> list[Demand]:
    return list(session.scalars(select(Demand).where(Demand.case_id == case_id)
                                .order_by(Demand.raised_on, Demand.id)))


def running_instance(session: Session, case_id: int) -> WorkflowInstance | None:
    found = runtime.instances(session, case_id, process_id=PROCESS_ID, running=True)
    return found[-1] if found else None


def settle_if_done(session: Session, case: AuditCase, *, clock: Clock,
                   actor: User | None = None) -> bool:
    """Tell a waiting recovery process that nothing recoverable remains (paid, or the demand
    reduced to what was paid); True when it was told and has ended."""
    where = position(session, case.id)
    if not where.settled:
        return False
    instance = running_instance(session, case.id)
    if instance is None or not _waiting_in(session, instance, WAITING_TASKS):
        return False  # the notice step decides by itself once completed
    runtime.send_signal(session, case.id, "demand_settled", clock=clock, instance_id=instance.id,
                        payload=where.paid, actor_id=actor.id if actor else None)
    return True


def _waiting_in(session: Session, instance: WorkflowInstance, elements: tuple[str, ...]) -> bool:
    return session.scalar(select(func.count()).select_from(OpenTask).where(
        OpenTask.instance_id == instance.id, OpenTask.element_id.in_(elements))) > 0


# --- payments ----------------------------------------------------------------------------------

def record_payment(session: Session, case_id: int, form: Mapping[str, Any], *, actor: User,
                   clock: Clock) -> LedgerEntry:
    """A payment against the demand: challan number, date, levy and amount (one levy per
    challan). Over-payment of a levy is refused; a part payment is fine."""
    case = _case_for_officer(session, case_id, actor)
    demand = current_demand(session, case.id)
    if demand is None or running_instance(session, case.id) is None:
        raise Conflict(f"Case {case.case_number} has no demand being recovered.")
    errors: dict[str, str] = {}
    challan = str(form.get("challan_number") or "").strip()
    if not challan:
        errors["challan_number"] = "required"
    elif len(challan) > 40:
        errors["challan_number"] = "at most 40 characters"
    else:
        seen = _challan_case(session, challan)
        if seen is not None:
            errors["challan_number"] = f"challan {challan} is already recorded"
    today = local_date(clock.now())
    paid_on = parse_date(form, "payment_date", errors) if form.get("payment_date") else today
    if paid_on is not None and paid_on > today:
        errors["payment_date"] = "not in the future"
    elif paid_on is not None and paid_on < demand.raised_on:
        errors["payment_date"] = f"not before the demand was raised ({demand.raised_on:%d %b %Y})"
    where = position(session, case.id)
    levy = str(form.get("levy") or "")
    owed = [lv for lv, v in where.levies.items() if v["demanded"] > 0]
    if levy not in owed:
        errors["levy"] = "one of the levies demanded: " + ", ".join(
            LEVY_LABELS[lv] for lv in owed) if owed else "nothing is demanded"
    amount = parse_amount(form, "amount", errors, default=None)
    if amount is not None:
        if amount <= 0:
            errors["amount"] = "more than 0"
        elif amount != amount.quantize(ledger.CENT):
            errors["amount"] = "rupees with at most 2 decimals"
        elif levy in owed:
            left = max(where.levies[levy]["outstanding"], ZERO)
            if amount > left:
                stayed = where.levies[levy]["stayed"]
                errors["amount"] = (f"more than the {_rupees(left)} outstanding in "
                                    f"{LEVY_LABELS[levy].lower()}"
                                    + (f" ({_rupees(stayed)} is stayed)" if stayed else ""))
    raise_if(errors, "Payment not recorded.")
    assert amount is not None and paid_on is not None
    entry = ledger.post(session, case.id, "paid", {levy: amount}, on=paid_on, kind="payment",
                        actor=actor, clock=clock, reference=challan,
                        note=str(form.get("remarks") or "").strip()[:500] or None)[0]
    settle_if_done(session, case, clock=clock, actor=actor)
    return entry


def _challan_case(session: Session, challan: str) -> int | None:
    """The case a challan was already recorded on (not reversed), if any."""
    reversed_ids = select(LedgerEntry.reverses_id).where(LedgerEntry.reverses_id.is_not(None))
    return session.scalar(select(LedgerEntry.case_id).where(
        LedgerEntry.account == "paid", LedgerEntry.reverses_id.is_(None),
        func.lower(LedgerEntry.reference) == challan.lower(),
        LedgerEntry.id.not_in(reversed_ids)).limit(1))


# --- the demand changed by an appeal or ADR (called by the disputes service) ----------------

def change_demand(session: Session, case: AuditCase, new_sum: Mapping[str, Any], *, reason: str,
                  reference: str | None, actor: User | None, clock: Clock,
                  on: dt.date | None = None, kind: str = "demand_changed",
                  document_ref: str | None = None) -> Position:
    """The demand becomes `new_sum` ({"levies": {...}, "penalty", "fine"}: the whole new
    demand); reductions are remitted, stays above what is left are released, a recovery
    with nothing left to recover closes, and a demand notice already issued on a demand still
    being recovered is re-issued (a new version) with the demand as changed. Returns the new
    position."""
    if not (reason or "").strip():
        raise ValidationFailed("Demand not changed.", {"reason": "required"})
    ledger.adjust_demand(session, case.id, new_sum, reason=reason, reference=reference,
                         actor=actor, clock=clock, on=on, kind=kind, document_ref=document_ref)
    where = position(session, case.id)
    if where.demanded > 0 and running_instance(session, case.id) is not None:
        from . import recovery_forms  # the notice is the recovery form's document
        recovery_forms.revise_notice(
            session, case, actor=actor, clock=clock,
            reason=f"Demand changed: {reason}" + (f" ({reference})" if reference else ""))
    return where


# --- stays ---------------------------------------------------------------------------------

def record_stay(session: Session, case: AuditCase | int, *, forum: str, granted_on: dt.date,
                reference: str, actor: User | None, clock: Clock,
                amount: Decimal | None = None, levies: Mapping[str, Decimal] | None = None,
                until: dt.date | None = None) -> Stay:
    """A stay of recovery ordered by `forum` (collector_appeals, tribunal, high_court, adr):
    either `amount` (applied to the outstanding levies in statutory order) or `levies`
    (levy -> amount). At most what is outstanding can be stayed."""
    case = _case(session, case)
    errors: dict[str, str] = {}
    if forum not in FORUMS:
        errors["forum"] = "one of " + ", ".join(FORUMS)
    reference = (reference or "").strip()
    if not reference:
        errors["order_ref"] = "the forum's order number is required"
    today = local_date(clock.now())
    if not isinstance(granted_on, dt.date):
        errors["granted_on"] = "a date (YYYY-MM-DD)"
    elif granted_on > today:
        errors["granted_on"] = "not in the future"
    if until is not None and isinstance(granted_on, dt.date) and until < granted_on:
        errors["until"] = "not before the date the stay was granted"
    where = position(session, case.id)
    owed = {lv: max(v["outstanding"], ZERO) for lv, v in where.levies.items()}
    split: dict[str, Decimal] = {}
    if (amount is None) == (levies is None):
        errors["amount"] = "give the amount stayed"
    elif amount is not None:
        if type(amount) is not Decimal or amount <= 0 or amount != amount.quantize(ledger.CENT):
            errors["amount"] = "an amount in rupees, more than 0, at most 2 decimals"
        elif amount > where.recoverable:
            errors["amount"] = f"more than the {_rupees(where.recoverable)} outstanding"
        else:
            split = _allocate(amount, owed)
    else:
        assert levies is not None
        for levy, value in levies.items():
            if levy not in LEVIES or type(value) is not Decimal or value < 0:
                errors[levy] = "an amount in rupees, 0 or more"
            elif value > owed.get(levy, ZERO):
                errors[levy] = f"more than the {_rupees(owed.get(levy, ZERO))} outstanding"
            elif value:
                split[levy] = value
        if not split and not errors:
            errors["amount"] = "give the amount stayed"
    if running_instance(session, case.id) is None:
        errors.setdefault("case", "no demand is being recovered on this case")
    raise_if(errors, "Stay not recorded.")
    stay = Stay(case_id=case.id, forum=forum, order_ref=reference[:80], granted_on=granted_on,
                until=until, levies={k: str(v) for k, v in split.items()},
                recorded_by_id=actor.id if actor else None, created_at=clock.now())
    session.add(stay)
    session.flush()
    if until is not None:
        _schedule_lapse(session, stay, running_instance(session, case.id))
    ledger.post(session, case.id, "stayed", split, on=granted_on, kind="stay_ordered",
                actor=actor, clock=clock, reference=reference,
                note=f"Stay by the {FORUMS[forum]}" + (f" until {until:%d %b %Y}" if until else ""))
    return stay


def lift_stay(session: Session, stay_id: int, *, lifted_on: dt.date, reference: str | None,
              actor: User | None, clock: Clock, note: str | None = None) -> Stay:
    """The forum lifted (vacated) the stay, it lapsed, or it ended with the forum's decision:
    what it still holds becomes recoverable again, and a recovery watching the stay moves on
    to enforcement (or closes, when nothing is left)."""
    stay = session.get(Stay, stay_id)
    if stay is None:
        raise NotFound(f"No stay {stay_id}.")
    if stay.lifted_on is not None:
        raise Conflict(f"The stay {stay.order_ref} was already lifted on {stay.lifted_on:%d %b %Y}.")
    errors: dict[str, str] = {}
    if not isinstance(lifted_on, dt.date):
        errors["lifted_on"] = "a date (YYYY-MM-DD)"
    elif lifted_on < stay.granted_on:
        errors["lifted_on"] = "not before the stay was granted"
    elif lifted_on > local_date(clock.now()):
        errors["lifted_on"] = "not in the future"
    raise_if(errors, "Stay not lifted.")
    held = ledger.balances(session, stay.case_id)["stayed"]
    release = {levy: -min(Decimal(v), held[levy]) for levy, v in stay.levies.items()
               if min(Decimal(v), held[levy]) > 0}
    stay.lifted_on, stay.lift_reference = lifted_on, (reference or "").strip()[:80] or None
    stay.lifted_by_id = actor.id if actor else None
    ledger.post(session, stay.case_id, "stayed", release, on=lifted_on, kind="stay_lifted",
                actor=actor, clock=clock, reference=stay.lift_reference or stay.order_ref,
                note=note or f"Stay {stay.order_ref} lifted")
    session.add(CaseEvent(case_id=stay.case_id, at=clock.now(),
                          actor_id=actor.id if actor else None, kind="stay_lifted",
                          summary=note or f"Stay {stay.order_ref} lifted on {lifted_on:%d %b %Y}",
                          data={"stay_id": stay.id, "lifted_on": lifted_on.isoformat()}))
    case = session.get(AuditCase, stay.case_id)
    assert case is not None
    where = position(session, case.id)
    instance = running_instance(session, case.id)
    if where.recoverable > 0 and instance is not None and _waiting_in(session, instance,
                                                                      ("watch_stay",)):
        runtime.send_signal(session, case.id, "stay_lifted", clock=clock,
                            instance_id=instance.id, actor_id=actor.id if actor else None)
    else:
        settle_if_done(session, case, clock=clock, actor=actor)
    return stay


STAY_LAPSE = "stay_lapse"  # WorkflowTimer kind: a stay granted until a date ends after it


def _schedule_lapse(session: Session, stay: Stay, instance: WorkflowInstance | None) -> None:
    """A stay granted until a date is in force through that day (Pakistan time) and lapses as
    the next day begins: a timer the ordinary worker fires exactly once."""
    if instance is None or stay.until is None:
        return
    session.add(WorkflowTimer(instance_id=instance.id, task_id=f"stay{stay.id}",
                              element_id="stay_lapsed", kind=STAY_LAPSE,
                              due_at=end_of_day_utc(stay.until)))
    session.flush()


def _stay_lapses(session: Session, timer: WorkflowTimer, clock: Clock) -> str:
    stay = session.get(Stay, int(timer.task_id.removeprefix("stay")))
    if stay is None:
        return "stay gone"
    if stay.lifted_on is not None:
        return f"stay already lifted on {stay.lifted_on.isoformat()}"
    assert stay.until is not None
    lapsed_on = stay.until + dt.timedelta(days=1)
    lift_stay(session, stay.id, lifted_on=min(lapsed_on, local_date(clock.now())),
              reference=None, actor=None, clock=clock,
              note=f"Stay {stay.order_ref} lapsed: granted until {stay.until:%d %b %Y}")
    return f"stay {stay.order_ref} lapsed"


worker.TIMER_KINDS[STAY_LAPSE] = _stay_lapses


def end_stays_of_forum(session: Session, case: AuditCase, forum: str, *, decided_on: dt.date,
                       reference: str | None, actor: User | None, clock: Clock,
                       why: str = "with the {forum}'s decision") -> list[Stay]:
    """The matter is no longer before the forum (it decided, or its decision limit passed): the
    stays it granted end on `decided_on` (a further forum's own stay is recorded afresh).
    Returns the stays ended."""
    ended = []
    for stay in session.scalars(select(Stay).where(Stay.case_id == case.id, Stay.forum == forum,
                                                   Stay.lifted_on.is_(None))
                                .order_by(Stay.id)):
        lift_stay(session, stay.id, lifted_on=max(decided_on, stay.granted_on),
                  reference=reference, actor=actor, clock=clock,
                  note=f"Stay {stay.order_ref} ended {why.format(forum=FORUMS[forum])}")
        ended.append(stay)
    return ended


def stays(session: Session, case_id: int) -> list[Stay]:
    return list(session.scalars(select(Stay).where(Stay.case_id == case_id)
                                .order_by(Stay.granted_on, Stay.id)))


def enforcement_actions(session: Session, case_id: int) -> list[EnforcementAction]:
    return list(session.scalars(select(EnforcementAction)
                                .where(EnforcementAction.case_id == case_id)
                                .order_by(EnforcementAction.acted_on, EnforcementAction.id)))


# --- the recovery officer's list -------------------------------------------------------------

@dataclass(frozen=True)
class DemandRow:
    case_id: int
    case_number: str
    importer: str
    demand: Demand
    demanded: Decimal
    paid: Decimal
    stayed: Decimal
    outstanding: Decimal
    overdue_days: int  # 0 when not overdue (or no due date yet)
    step: str | None  # the open task's name
    task_id: str | None


def demand_list(session: Session, user: User, *, clock: Clock, include_closed: bool = False,
                limit: int = 200) -> list[DemandRow]:
    """Demands of the officer's office (all for management), overdue first (most overdue on
    top), then by outstanding amount. Amounts come from the ledger in one grouped query."""
    today = local_date(clock.now())
    figures = ledger.case_figures_select().subquery()
    latest = (select(Demand.case_id, func.max(Demand.id).label("demand_id"))
              .group_by(Demand.case_id).subquery())
    overdue = sql_case((and_(Demand.pay_by.is_not(None), Demand.pay_by < today,
                             figures.c.outstanding > 0, Demand.status == "open"), 1), else_=0)
    query = (select(Demand, AuditCase.case_number, Importer.name, figures.c.demanded,
                    figures.c.paid, figures.c.stayed, figures.c.outstanding)
             .join(latest, latest.c.demand_id == Demand.id)
             .join(AuditCase, AuditCase.id == Demand.case_id)
             .join(Importer, Importer.id == AuditCase.importer_id)
             .join(figures, figures.c.case_id == Demand.case_id)
             .order_by(overdue.desc(), Demand.pay_by, figures.c.outstanding.desc(), Demand.id)
             .limit(limit))
    if not include_closed:
        query = query.where(Demand.status == "open")
    if not user.has_role(Role.MANAGEMENT, Role.ADMINISTRATOR) and user.directorate_code:
        query = query.where((AuditCase.adjudication_office == user.directorate_code)
                            | AuditCase.adjudication_office.is_(None))
    rows = session.execute(query).all()
    tasks = {t.case_id: t for t in session.scalars(select(OpenTask).where(
        OpenTask.case_id.in_([r[0].case_id for r in rows]), OpenTask.lane == Role.RECOVERY_OFFICER.value))}
    result = []
    for demand, number, importer, demanded, paid, stayed, outstanding in rows:
        late = (today - demand.pay_by).days if (demand.pay_by and demand.pay_by < today
                                               and outstanding > 0 and demand.status == "open") else 0
        task = tasks.get(demand.case_id)
        result.append(DemandRow(demand.case_id, number, importer, demand, Decimal(demanded),
                                Decimal(paid), Decimal(stayed), Decimal(outstanding), late,
                                task.name if task else None, task.task_id if task else None))
    return result


# --- reading a case's recovery ---------------------------------------------------------------

def get_case(session: Session, case_id: int, user: User) -> AuditCase:
    """A case whose recovery the user may read: their PCA directorate's or recovery office's
    (the adjudication collectorate), any for management and appellate forums."""
    case = _case(session, case_id)
    if user.has_role(Role.MANAGEMENT, Role.ADMINISTRATOR, Role.APPELLATE_OFFICER):
        return case
    offices = {case.directorate_code, case.adjudication_office} - {None}
    if offices and user.directorate_code not in offices:
        raise PermissionDenied(f"Case {case.case_number} is not recovered by your office.")
    return case


@dataclass(frozen=True)
class History:
    """Everything the demand history shows: entries in order with a running balance of what is
    outstanding, the balances, the demands, stays and enforcement steps.

    The demands, stays and enforcement steps are read when first asked for: the case page shows
    none of them for a case with no ledger entry (most cases), so it does not query for them."""

    entries: list[tuple[LedgerEntry, Decimal]]  # (entry, outstanding after it)
    balances: ledger.Balances
    position: Position
    _session: Session = field(repr=False, compare=False)
    _case_id: int = field(repr=False)

    @property
    def empty(self) -> bool:
        return not self.entries

    @functools.cached_property
    def demands(self) -> list[Demand]:
        return demands(self._session, self._case_id)

    @functools.cached_property
    def stays(self) -> list[Stay]:
        return stays(self._session, self._case_id)

    @functools.cached_property
    def actions(self) -> list[EnforcementAction]:
        return enforcement_actions(self._session, self._case_id)


OUTSTANDING_SIGN = {"demanded": 1, "paid": -1, "stayed": -1}


def history(session: Session, case_id: int) -> History:
    entries = ledger.entries(session, case_id)
    running, rows = ZERO, []
    for entry in entries:
        running += OUTSTANDING_SIGN.get(entry.account, 0) * entry.amount_pkr
        rows.append((entry, running))
    balances = ledger.balances_of(entries)  # the entries are all here: no second query
    return History(rows, balances, position_of(balances), session, case_id)


def reverse_payment(session: Session, entry_id: int, *, reason: str, actor: User,
                    clock: Clock) -> LedgerEntry:
    """A payment recorded by mistake or dishonoured: the reversing entry, while recovery runs."""
    entry = session.get(LedgerEntry, entry_id)
    if entry is None or entry.account != "paid" or entry.kind != "payment":
        raise NotFound(f"No payment entry {entry_id}.")
    case = _case_for_officer(session, entry.case_id, actor)
    if running_instance(session, case.id) is None:
        raise Conflict(f"Recovery of case {case.case_number} has ended; a correction now "
                       "needs the case reopened.")
    return ledger.reverse(session, entry_id, actor=actor, reason=reason, clock=clock)


# --- helpers ---------------------------------------------------------------------------------

def _case(session: Session, case: AuditCase | int) -> AuditCase:
    if isinstance(case, AuditCase):
        return case
    found = session.get(AuditCase, case)
    if found is None:
        raise NotFound(f"No audit case {case}.")
    return found


def _case_for_officer(session: Session, case_id: int, user: User) -> AuditCase:
    case = _case(session, case_id)
    if not user.has_role(Role.RECOVERY_OFFICER):
        raise PermissionDenied("Only a recovery officer records payments.")
    if case.adjudication_office and user.directorate_code != case.adjudication_office:
        raise PermissionDenied(f"Case {case.case_number} is recovered by "
                               f"{case.adjudication_office}.")
    return case


def _allocate(amount: Decimal, owed: Mapping[str, Decimal]) -> dict[str, Decimal]:
    split, left = {}, amount
    for levy in LEVIES:
        take = min(left, owed.get(levy, ZERO))
        if take > 0:
            split[levy], left = take, left - take
    return split


def _rupees(amount: Decimal) -> str:
    return f"Rs {amount:,.0f}"
