"""Posting to the money ledger and reading its balances, for one case or many at once.

Every amount a screen, dashboard or report shows for a case comes from here: balances are sums
of `LedgerEntry` rows, never a column someone keeps. Posting validates exactly (Decimals with at
most 2 places, known accounts and levies), writes one entry per levy, and a `CaseEvent` with the
actor; a correction is `reverse`, never an edit (the ORM and the database both refuse one).

Flushes, never commits.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Select, case as sql_case, func, literal, select
from sqlalchemy.orm import Session

from workflows.clock import Clock, local_date

from ..errors import Conflict, NotFound, ValidationFailed
from . import case_facts
from ..models import AuditCase, CaseEvent, User
from ..models.ledger import (ACCOUNT_LABELS, ACCOUNTS, DUTY_LEVIES, LEVIES, LEVY_LABELS,
                             LedgerEntry)

__all__ = ["ACCOUNTS", "ACCOUNT_LABELS", "DUTY_LEVIES", "LEVIES", "LEVY_LABELS", "Balances",
           "adjust_demand", "adjust_to", "balances", "demand", "case_figures", "case_figures_select", "entries", "post",
           "reverse", "sum_to_levies", "totals", "totals_select"]

ZERO = Decimal(0)
CENT = Decimal("0.01")
LIMIT = Decimal(10) ** 16  # Numeric(18, 2)
_KIND = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

Amounts = Mapping[str, Decimal]


class Balances(dict[str, dict[str, Decimal]]):
    """account -> levy -> balance, every account and levy present (zero when nothing posted)."""

    @classmethod
    def empty(cls) -> Balances:
        return cls({a: {levy: ZERO for levy in LEVIES} for a in ACCOUNTS})

    def total(self, account: str) -> Decimal:
        return sum(self[account].values(), ZERO)

    def outstanding(self) -> dict[str, Decimal]:
        """Per levy: demanded - paid - stayed (negative: paid more than is now demanded)."""
        return {levy: self["demanded"][levy] - self["paid"][levy] - self["stayed"][levy]
                for levy in LEVIES}

    def outstanding_total(self) -> Decimal:
        return sum(self.outstanding().values(), ZERO)

    def nonzero_levies(self, *accounts: str) -> list[str]:
        """The levies any of `accounts` has a balance in, in statutory order."""
        return [levy for levy in LEVIES if any(self[a][levy] for a in accounts)]


def post(session: Session, case_id: int, account: str, amounts: Amounts, *, on: dt.date,
         kind: str, actor: User | None, clock: Clock, reference: str | None = None,
         document_ref: str | None = None, note: str | None = None) -> list[LedgerEntry]:
    """One entry per levy with a non-zero amount in `amounts` (signed: negative lowers the
    account). Returns the entries, flushed; [] when every amount is zero."""
    _check_case(session, case_id)
    errors: dict[str, str] = {}
    if account not in ACCOUNTS:
        errors["account"] = f"one of {', '.join(ACCOUNTS)}"
    if not _KIND.match(kind or ""):
        errors["kind"] = "lower-case words joined by _, at most 40 characters"
    if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
        errors["entry_date"] = "a date"
    clean = {levy: _amount(levy, value, errors) for levy, value in amounts.items()}
    if errors:
        raise ValidationFailed("Nothing posted to the ledger.", errors)
    now = clock.now()
    rows = [LedgerEntry(case_id=case_id, account=account, levy=levy, amount_pkr=value,
                        entry_date=on, kind=kind, reference=_text(reference, 80),
                        document_ref=_text(document_ref, 80), note=note,
                        actor_id=actor.id if actor else None, recorded_at=now)
            for levy in LEVIES if (value := clean.get(levy)) is not None and value != 0]
    if not rows:
        return []
    session.add_all(rows)
    session.flush()
    total = sum((r.amount_pkr for r in rows), ZERO)
    session.add(CaseEvent(
        case_id=case_id, at=now, actor_id=actor.id if actor else None, kind="ledger_posted",
        summary=f"{ACCOUNT_LABELS[account]} {_signed_rupees(total)} ({kind.replace('_', ' ')}"
                + (f", {reference}" if reference else "") + ")",
        data={"account": account, "kind": kind, "reference": reference,
              "entry_date": on.isoformat(), "entry_ids": [r.id for r in rows],
              "amounts": {r.levy: str(r.amount_pkr) for r in rows}}))
    session.flush()
    case_facts.ledger_posted(session, case_id, account, on, [r.amount_pkr for r in rows])
    return rows


def adjust_to(session: Session, case_id: int, account: str, target: Amounts, *,
              on: dt.date, kind: str, actor: User | None, clock: Clock,
              reference: str | None = None, document_ref: str | None = None,
              note: str | None = None) -> list[LedgerEntry]:
    """Post what brings `account` to `target` per levy (levies not named: to zero), e.g. the
    findings approved again after a return, or a demand reduced on appeal."""
    current = balances(session, case_id)[account]
    delta = {levy: target.get(levy, ZERO) - current[levy] for levy in LEVIES}
    return post(session, case_id, account, delta, on=on, kind=kind, actor=actor, clock=clock,
                reference=reference, document_ref=document_ref, note=note)


def demand(session: Session, case_id: int) -> dict[str, object]:
    """The case's current demand as a sum: {"levies": {cd..it}, "penalty", "fine", "total"}."""
    demanded = balances(session, case_id)["demanded"]
    return {"levies": {levy: demanded[levy] for levy in DUTY_LEVIES},
            "penalty": demanded["penalty"], "fine": demanded["fine"],
            "total": sum(demanded.values(), ZERO)}


def sum_to_levies(amounts: Mapping[str, object]) -> dict[str, Decimal]:
    """{"levies": {...}, "penalty", "fine"} (the documents' `sum`) -> levy -> amount."""
    flat: dict[str, object] = dict(amounts.get("levies") or {})  # type: ignore[call-overload]
    for extra in ("penalty", "fine"):
        if amounts.get(extra) is not None:
            flat[extra] = amounts[extra]
    return {levy: value if isinstance(value, Decimal) else _exact(value, levy)
            for levy, value in flat.items()}


def adjust_demand(session: Session, case_id: int, new_sum: Mapping[str, object], *,
                  reason: str, reference: str | None, actor: User | None, clock: Clock,
                  on: dt.date | None = None, kind: str = "demand_changed",
                  document_ref: str | None = None) -> list[LedgerEntry]:
    """Make the demand `new_sum` (an appeal or ADR outcome): `demanded` moves by the
    difference per levy, and what is taken off is posted to `remitted`. A stay larger than
    what is left to pay is released down to it (`stayed`, kind stay_released_by_order), and a
    recovery with nothing left to recover closes (`recovery.settle_if_done`)."""
    target = sum_to_levies(new_sum)
    on = on or local_date(clock.now())
    before = balances(session, case_id)
    rows = adjust_to(session, case_id, "demanded", target, on=on, kind=kind, actor=actor,
                     clock=clock, reference=reference, document_ref=document_ref, note=reason)
    remitted = {r.levy: -r.amount_pkr for r in rows if r.amount_pkr < 0}
    rows += post(session, case_id, "remitted", remitted, on=on, kind=kind, actor=actor,
                 clock=clock, reference=reference, document_ref=document_ref, note=reason)
    after = balances(session, case_id)
    excess = {levy: -(after["stayed"][levy]
                      - max(after["demanded"][levy] - after["paid"][levy], ZERO))
              for levy in LEVIES}
    release = {levy: amount for levy, amount in excess.items() if amount < 0}
    if release and any(before["stayed"].values()):
        rows += post(session, case_id, "stayed", release, on=on, kind="stay_released_by_order",
                     actor=actor, clock=clock, reference=reference, note=reason)
    from . import recovery  # the recovery process closes when nothing is left to recover
    case = session.get(AuditCase, case_id)
    assert case is not None
    recovery.settle_if_done(session, case, clock=clock, actor=actor)
    return rows


def reverse(session: Session, entry_id: int, *, actor: User | None, reason: str, clock: Clock,
            on: dt.date | None = None) -> LedgerEntry:
    """The entry that cancels `entry_id` (same case, account and levy, opposite amount),
    dated `on` (default: today in Pakistan). An entry is reversed at most once, and a
    reversal is not itself reversed: post the right entry again instead."""
    original = session.get(LedgerEntry, entry_id)
    if original is None:
        raise NotFound(f"No ledger entry {entry_id}.")
    if original.reverses_id is not None:
        raise Conflict(f"Entry {entry_id} is a reversal; post the correct entry instead of "
                       "reversing it.")
    done = session.scalar(select(LedgerEntry.id).where(LedgerEntry.reverses_id == entry_id))
    if done is not None:
        raise Conflict(f"Entry {entry_id} was already reversed by entry {done}.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Entry not reversed.", {"reason": "say why the entry is wrong"})
    on = on or local_date(clock.now())
    if on < original.entry_date:
        raise ValidationFailed("Entry not reversed.",
                               {"entry_date": "not before the date of the entry it reverses"})
    now = clock.now()
    row = LedgerEntry(case_id=original.case_id, account=original.account, levy=original.levy,
                      amount_pkr=-original.amount_pkr, entry_date=on, kind="reversal",
                      reference=original.reference, document_ref=original.document_ref,
                      note=reason[:2000], actor_id=actor.id if actor else None,
                      recorded_at=now, reverses_id=original.id)
    session.add(row)
    session.flush()
    session.add(CaseEvent(
        case_id=original.case_id, at=now, actor_id=actor.id if actor else None,
        kind="ledger_reversed",
        summary=f"{ACCOUNT_LABELS[original.account]} entry {original.id} "
                f"({_signed_rupees(original.amount_pkr)} {original.levy}) reversed: {reason}",
        data={"entry_id": row.id, "reverses_id": original.id, "reason": reason}))
    session.flush()
    case_facts.ledger_posted(session, row.case_id, row.account, on, [row.amount_pkr])
    return row


def balances(session: Session, case_id: int, *, as_of: dt.date | None = None) -> Balances:
    """The case's balance per account per levy (entries dated up to `as_of`, when given)."""
    query = (select(LedgerEntry.account, LedgerEntry.levy, func.sum(LedgerEntry.amount_pkr))
             .where(LedgerEntry.case_id == case_id)
             .group_by(LedgerEntry.account, LedgerEntry.levy))
    if as_of is not None:
        query = query.where(LedgerEntry.entry_date <= as_of)
    result = Balances.empty()
    for account, levy, amount in session.execute(query):
        result[account][levy] = Decimal(amount)
    return result


def balances_of(entries: Iterable[LedgerEntry]) -> Balances:
    """What `balances` sums in the database, summed from entries already loaded (a page that
    lists every entry needs no second query for the totals)."""
    sums: dict[tuple[str, str], Decimal] = {}
    for entry in entries:
        key = (entry.account, entry.levy)
        sums[key] = sums[key] + entry.amount_pkr if key in sums else entry.amount_pkr
    result = Balances.empty()
    for (account, levy), amount in sums.items():
        result[account][levy] = Decimal(amount)
    return result


def entries(session: Session, case_id: int, *,
            accounts: Iterable[str] | None = None) -> list[LedgerEntry]:
    """The case's entries in the order they happened (entry date, then as recorded)."""
    query = select(LedgerEntry).where(LedgerEntry.case_id == case_id)
    if accounts is not None:
        query = query.where(LedgerEntry.account.in_(list(accounts)))
    return list(session.scalars(query.order_by(LedgerEntry.entry_date, LedgerEntry.id)))


# --- many cases at once (dashboards, reports, lists) -----------------------------------------

def totals_select(*, as_of: dt.date | None = None, since: dt.date | None = None,
                  by_levy: bool = False) -> Select[tuple[int, str, Decimal]]:
    """One row per case and account (and levy when `by_levy`) with the summed amount:
    columns `case_id`, `account`, [`levy`], `amount_pkr`. Entries dated in [since, as_of].
    A `Select` so callers can join cases and filter (directorate, importer...) set-based."""
    columns = [LedgerEntry.case_id, LedgerEntry.account]
    if by_levy:
        columns.append(LedgerEntry.levy)
    query = select(*columns, func.sum(LedgerEntry.amount_pkr).label("amount_pkr"))
    if as_of is not None:
        query = query.where(LedgerEntry.entry_date <= as_of)
    if since is not None:
        query = query.where(LedgerEntry.entry_date >= since)
    return query.group_by(*columns)  # type: ignore[return-value]


def case_figures_select(*, as_of: dt.date | None = None,
                        since: dt.date | None = None) -> Select:  # type: ignore[type-arg]
    """One row per case with an entry: `case_id`, one column per account (its total over all
    levies) and `outstanding` (demanded - paid - stayed). Join it to `AuditCase` by case_id;
    `.subquery()` it to aggregate further (e.g. sum(outstanding) per directorate)."""
    def total(account: str):  # type: ignore[no-untyped-def]
        return func.coalesce(func.sum(sql_case((LedgerEntry.account == account,
                                                LedgerEntry.amount_pkr), else_=literal(0))), 0)
    query = select(LedgerEntry.case_id, *[total(a).label(a) for a in ACCOUNTS],
                   (total("demanded") - total("paid") - total("stayed")).label("outstanding"))
    if as_of is not None:
        query = query.where(LedgerEntry.entry_date <= as_of)
    if since is not None:
        query = query.where(LedgerEntry.entry_date >= since)
    return query.group_by(LedgerEntry.case_id)


def totals(session: Session, case_ids: Iterable[int] | Select | None = None, *,  # type: ignore[type-arg]
           as_of: dt.date | None = None) -> dict[int, dict[str, Decimal]]:
    """case_id -> {account: total, ..., "outstanding": ...} for many cases in one query.
    `case_ids`: ids, a `select(AuditCase.id)...` to filter in the database, or None (all)."""
    query = case_figures_select(as_of=as_of)
    if case_ids is not None:
        ids = case_ids if isinstance(case_ids, Select) else list(case_ids)
        query = query.where(LedgerEntry.case_id.in_(ids))
    keys = (*ACCOUNTS, "outstanding")
    return {row.case_id: {k: Decimal(getattr(row, k)) for k in keys}
            for row in session.execute(query)}


def case_figures(session: Session, case_id: int) -> dict[str, Decimal]:
    """The case's total per account (all levies) and its outstanding amount."""
    return totals(session, [case_id]).get(case_id) or {k: ZERO for k in (*ACCOUNTS,
                                                                         "outstanding")}


# --- helpers ---------------------------------------------------------------------------------

def _check_case(session: Session, case_id: int) -> None:
    if not isinstance(case_id, int) or session.get(AuditCase, case_id) is None:
        raise NotFound(f"No audit case {case_id}.")


def _amount(levy: str, value: object, errors: dict[str, str]) -> Decimal | None:
    if levy not in LEVIES:
        errors[levy] = f"not a levy: one of {', '.join(LEVIES)}"
        return None
    if type(value) is not Decimal:
        errors[levy] = f"an exact Decimal amount, not {type(value).__name__}"
        return None
    if not value.is_finite() or abs(value) >= LIMIT or value != value.quantize(CENT):
        errors[levy] = "a finite amount in rupees with at most 2 decimals, under Rs 10^16"
        return None
    return value.quantize(CENT)


def _exact(value: object, levy: str) -> Decimal:
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise ValidationFailed("Demand not changed.", {levy: "an exact Decimal amount"})


def _text(value: str | None, size: int) -> str | None:
    value = (value or "").strip()
    return value[:size] or None


def _signed_rupees(amount: Decimal) -> str:
    whole = amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{'-' if whole < 0 else ''}Rs {abs(whole):,}"
