"""The demand as disputes see it: read from the recovery ledger, changed only by entries.

A demand is {levy: Decimal} over `ledger.LEVIES` (duty and taxes, then penalty and fine). A
decision that lowers it posts the difference out of `demanded` and into `remitted`, per levy,
dated the decision date, so the case's figures stay sums over the ledger and nothing is
edited.
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Mapping

from sqlalchemy.orm import Session

from workflows.clock import Clock

from . import ledger, task_forms
from ..models import AuditCase, User

ZERO = Decimal(0)
Demand = dict[str, Decimal]


def demand(session: Session, case: AuditCase) -> Demand:
    return dict(ledger.balances(session, case.id)["demanded"])


def rupees(amount: Decimal) -> str:
    """Rs 11,736,808: whole rupees, half up."""
    whole = amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{'-' if whole < 0 else ''}Rs {abs(whole):,}"


def zero() -> Demand:
    return {levy: ZERO for levy in ledger.LEVIES}


def total(amounts: Mapping[str, Decimal]) -> Decimal:
    return sum(amounts.values(), ZERO)


def as_json(amounts: Mapping[str, Decimal]) -> dict[str, Any]:
    return {levy: str(amounts.get(levy, ZERO)) for levy in ledger.LEVIES}


def from_json(data: Mapping[str, Any] | None) -> Demand:
    return {levy: Decimal(str((data or {}).get(levy, "0"))) for levy in ledger.LEVIES}


def as_sum(amounts: Mapping[str, Decimal]) -> dict[str, Any]:
    """The documents service's `sum`: {"levies": {...}, "penalty", "fine"}."""
    return {"levies": {levy: amounts.get(levy, ZERO) for levy in ledger.DUTY_LEVIES},
            "penalty": amounts.get("penalty", ZERO), "fine": amounts.get("fine", ZERO)}


def settle(before: Mapping[str, Decimal], amount: Decimal) -> Demand:
    """The demand an ADR settlement of `amount` leaves: duty and taxes first, in levy order,
    then penalty, then fine, each up to what is demanded."""
    left, after = amount, zero()
    for levy in ledger.LEVIES:
        take = min(before.get(levy, ZERO), left)
        after[levy], left = take, left - take
    return after


def parse_reduced(form: Mapping[str, Any], before: Mapping[str, Decimal],
                  errors: dict[str, str]) -> Demand:
    """The reduced demand, one field `after_<levy>` per levy (blank: unchanged). Every levy at
    most what was demanded, and the total lower than before and above zero."""
    after = zero()
    for levy in ledger.LEVIES:
        value = task_forms.parse_amount(form, f"after_{levy}", errors,
                                        default=before.get(levy, ZERO))
        if value is None:
            continue
        if value > before.get(levy, ZERO):
            errors[f"after_{levy}"] = f"more than the demand ({rupees(before.get(levy, ZERO))})"
        after[levy] = value
    if not errors:
        if total(after) >= total(before):
            errors["outcome"] = "a reduction must lower the demand (else: upheld)"
        elif total(after) <= 0:
            errors["outcome"] = "nothing is left: the demand was set aside"
    return after


def change_demand(session: Session, case: AuditCase, before: Mapping[str, Decimal],
                  after: Mapping[str, Decimal], *, kind: str, reference: str,
                  entry_date: dt.date, actor: User | None, note: str, clock: Clock) -> None:
    """The demand becomes `after` through the recovery service: the cut is posted out of
    demanded and into remitted, stays above what is left are released, and a recovery with
    nothing left to recover closes."""
    if all(before.get(levy, ZERO) == after.get(levy, ZERO) for levy in ledger.LEVIES):
        return
    from . import recovery
    recovery.change_demand(session, case, as_sum(after), reason=note, reference=reference,
                           actor=actor, clock=clock, on=entry_date, kind=kind)
