"""Revenue recovery figures, every amount a sum over the ledger (`services.ledger`).

- Funnel: what moved into each account during the period (entries dated in it), summed over the
  cases that match the filters, and how many cases moved: detected -> observed -> contravened ->
  adjudged -> demand standing after appeals (`demanded`: the adjudged demand less what appeal and
  ADR took off) -> recovered (`paid`). Over a period that covers a case's whole life these equal
  the balances on its case page.
- Trend: detected, adjudged and recovered per month against the monthly targets.
- Breakdowns: by directorate, collectorate, fraud kind, PCT chapter or importer. A case whose
  items span several collectorates, chapters or kinds counts under its principal item (the one
  with the largest short levy, else its first), so a breakdown adds up to the total.
- Arrears: outstanding (demanded - paid - stayed) at the period's end by the age of the demand,
  with stayed amounts apart (they cannot be recovered until the stay is lifted).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, aliased

from audit_app.models import (AuditCase, CaseItem, Declaration, DeclarationItem, Finding,
                              Importer, LedgerEntry)
from audit_app.services import ledger
from audit_app.services.targets import monthly_targets

from ..filters import Filters, Period
from ..sql import local_month_of_date

ZERO = Decimal(0)
FUNNEL: tuple[tuple[str, str], ...] = (
    ("detected", "Detected"), ("observed", "Observed"), ("contravened", "Contravened"),
    ("adjudged", "Adjudged"), ("demanded", "Upheld on appeal"), ("paid", "Recovered"))
TREND = (("detected", "Detected"), ("adjudged", "Adjudged"), ("paid", "Recovered"))
DIMENSIONS = {"directorate": "Directorate", "collectorate": "Collectorate",
              "fraud_kind": "Fraud kind", "chapter": "PCT chapter", "importer": "Importer"}
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-90 days", 0, 90), ("91-180 days", 91, 180), ("181-365 days", 181, 365),
    ("1-2 years", 366, 730), ("over 2 years", 731, None))


def flows(period: Period) -> Any:
    """Per case: what each account moved by entries dated in the period."""
    return ledger.case_figures_select(as_of=period.end, since=period.start).subquery()


def balances(as_of: dt.date | None = None) -> Any:
    return ledger.case_figures_select(as_of=as_of).subquery()


@dataclass(frozen=True)
class Stage:
    account: str
    label: str
    amount: Decimal
    cases: int


def funnel(session: Session, f: Filters, period: Period | None = None) -> list[Stage]:
    fig = flows(period or f.window)
    columns = []
    for account, _ in FUNNEL:
        columns += [func.coalesce(func.sum(fig.c[account]), 0),
                    func.coalesce(func.sum(case((fig.c[account] != 0, 1), else_=0)), 0)]
    row = session.execute(select(*columns).select_from(fig)
                          .join(AuditCase, AuditCase.id == fig.c.case_id)
                          .where(*f.case_conditions())).one()
    return [Stage(account, label, Decimal(row[2 * i]), int(row[2 * i + 1]))
            for i, (account, label) in enumerate(FUNNEL)]


def stage_cases(f: Filters, account: str, period: Period | None = None) -> Select[Any]:
    fig = flows(period or f.window)
    return (select(AuditCase.id).join(fig, fig.c.case_id == AuditCase.id)
            .where(fig.c[account] != 0, *f.case_conditions()))


def trend(session: Session, f: Filters) -> dict[str, dict[str, Decimal]]:
    """'YYYY-MM' -> {detected, adjudged, paid, target} over the trend window."""
    window = f.window.trailing_months(12)
    month = local_month_of_date(LedgerEntry.entry_date)
    out = {m: {a: ZERO for a, _ in TREND} for m in window.months}
    for m, account, amount in session.execute(
            select(month, LedgerEntry.account, func.sum(LedgerEntry.amount_pkr))
            .join(AuditCase, AuditCase.id == LedgerEntry.case_id)
            .where(LedgerEntry.account.in_([a for a, _ in TREND]),
                   LedgerEntry.entry_date >= window.start, LedgerEntry.entry_date <= window.end,
                   *f.case_conditions())
            .group_by(month, LedgerEntry.account)):
        if m in out:
            out[m][account] = Decimal(amount)
    targets = monthly_targets(session, "recovered", window.start, window.end, f.directorate)
    for m in out:
        out[m]["target"] = targets.get(m)  # type: ignore[assignment]
    return out


def month_cases(f: Filters, account: str, month: str) -> Select[Any]:
    from ..filters import parse_period
    period = parse_period(month)
    return (select(LedgerEntry.case_id).join(AuditCase, AuditCase.id == LedgerEntry.case_id)
            .where(LedgerEntry.account == account, LedgerEntry.entry_date >= period.start,
                   LedgerEntry.entry_date <= period.end, *f.case_conditions())
            .group_by(LedgerEntry.case_id).having(func.sum(LedgerEntry.amount_pkr) != 0))


def principal_item() -> Any:
    """The case's item with the largest short levy (ties and no findings: the first item)."""
    return (select(CaseItem.id).outerjoin(Finding, Finding.case_item_id == CaseItem.id)
            .where(CaseItem.case_id == AuditCase.id)
            .order_by(func.coalesce(Finding.short_total_pkr, 0).desc(), CaseItem.id)
            .limit(1).correlate(AuditCase).scalar_subquery())


def _dimension_rows(session: Session, f: Filters, fig: Any) -> list[Any]:
    item = aliased(CaseItem)
    finding = aliased(Finding)
    return list(session.execute(
        select(AuditCase.id, AuditCase.directorate_code, Importer.name, Importer.ntn,
               Declaration.collectorate, func.substr(DeclarationItem.hs_code, 1, 2),
               finding.kinds, *[fig.c[a] for a in ("detected", "adjudged", "demanded", "paid",
                                                   "outstanding")])
        .select_from(fig).join(AuditCase, AuditCase.id == fig.c.case_id)
        .join(Importer, Importer.id == AuditCase.importer_id)
        .join(item, item.id == principal_item())
        .join(DeclarationItem, DeclarationItem.id == item.item_id)
        .join(Declaration, Declaration.id == DeclarationItem.declaration_id)
        .outerjoin(finding, finding.case_item_id == item.id)
        .where(*f.case_conditions())))


def breakdown(session: Session, f: Filters, dimension: str) -> list[dict[str, Any]]:
    """Per value of the dimension: cases, detected, adjudged, demand standing, recovered (flows
    in the period) and outstanding (at the period's end); largest recovered first."""
    if dimension not in DIMENSIONS:
        dimension = "directorate"
    period = f.window
    fig = flows(period)
    out: dict[str, dict[str, Any]] = defaultdict(lambda: {
        "cases": 0, "detected": ZERO, "adjudged": ZERO, "demanded": ZERO, "paid": ZERO})
    for row in _dimension_rows(session, f, fig):
        key = _key(dimension, row)
        bucket = out[key]
        bucket["cases"] += 1
        for i, account in enumerate(("detected", "adjudged", "demanded", "paid")):
            bucket[account] += Decimal(row[7 + i])
    rows = [{"value": k, "_drill": f"{dimension}:{k}", **v} for k, v in out.items()]
    return sorted(rows, key=lambda r: (-r["paid"], -r["detected"], r["value"]))


def _key(dimension: str, row: Any) -> str:
    if dimension == "directorate":
        return row[1] or "(none)"
    if dimension == "importer":
        return f"{row[2] or '(no name)'} ({row[3]})"
    if dimension == "collectorate":
        return row[4] or "(none)"
    if dimension == "chapter":
        return row[5] or "(none)"
    kinds = row[6] or []
    return kinds[0] if kinds else "NO FINDING"


def breakdown_cases(session: Session, f: Filters, key: str) -> Select[Any]:
    dimension, _, value = key.partition(":")
    fig = flows(f.window)
    ids = [row[0] for row in _dimension_rows(session, f, fig) if _key(dimension, row) == value]
    return select(AuditCase.id).where(AuditCase.id.in_(ids))


@dataclass(frozen=True)
class AgeBucket:
    label: str
    cases: int
    outstanding: Decimal
    stayed: Decimal
    case_ids: tuple[int, ...]


def arrears(session: Session, f: Filters, as_of: dt.date | None = None) -> list[AgeBucket]:
    """Outstanding and stayed amounts at `as_of` (the period's end) by the demand's age."""
    as_of = as_of or f.window.end
    bal = balances(as_of)
    first = (select(LedgerEntry.case_id, func.min(LedgerEntry.entry_date).label("since"))
             .where(LedgerEntry.account == "demanded", LedgerEntry.amount_pkr > 0,
                    LedgerEntry.entry_date <= as_of)
             .group_by(LedgerEntry.case_id).subquery())
    rows = session.execute(
        select(bal.c.case_id, bal.c.outstanding, bal.c.stayed, first.c.since)
        .join(AuditCase, AuditCase.id == bal.c.case_id)
        .join(first, first.c.case_id == bal.c.case_id)
        .where((bal.c.outstanding != 0) | (bal.c.stayed != 0), *f.case_conditions()))
    grouped: dict[str, list[Any]] = {label: [] for label, _, _ in AGE_BUCKETS}
    for case_id, outstanding, stayed, since in rows:
        age = (as_of - since).days
        label = next(lbl for lbl, lo, hi in AGE_BUCKETS if age >= lo and (hi is None or age <= hi))
        grouped[label].append((case_id, Decimal(outstanding), Decimal(stayed)))
    return [AgeBucket(label, len(items), sum((o for _, o, _ in items), ZERO),
                      sum((s for _, _, s in items), ZERO), tuple(c for c, _, _ in items))
            for label, items in grouped.items()]


def top_cases(session: Session, f: Filters, limit: int = 10,
              as_of: dt.date | None = None) -> list[dict[str, Any]]:
    """The largest cases by demand standing (then detected), balances at the period's end."""
    as_of = as_of or f.window.end
    bal = balances(as_of)
    rows = session.execute(
        select(AuditCase.id, AuditCase.case_number, Importer.name, AuditCase.directorate_code,
               AuditCase.status, bal.c.detected, bal.c.adjudged, bal.c.demanded, bal.c.paid,
               bal.c.stayed, bal.c.outstanding)
        .join(bal, bal.c.case_id == AuditCase.id)
        .join(Importer, Importer.id == AuditCase.importer_id)
        .where(*f.case_conditions(), AuditCase.created_at < f.window.end_utc)
        .order_by(bal.c.demanded.desc(), bal.c.detected.desc(), AuditCase.id).limit(limit))
    keys = ("id", "case_number", "importer", "directorate", "status", "detected", "adjudged",
            "demanded", "paid", "stayed", "outstanding")
    return [{**dict(zip(keys, r)), "_drill": r[0]} for r in rows]


def totals_in(session: Session, f: Filters, period: Period) -> dict[str, Decimal]:
    return {s.account: s.amount for s in funnel(session, f, period)}

