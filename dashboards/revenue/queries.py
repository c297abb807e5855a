"""Revenue recovery figures, every amount a sum over the ledger (`services.ledger`).

- Funnel: what moved into each account during the period (entries dated in it), summed over the
  cases that match the filters, and how many cases moved: detected -> observed -> contravened ->
  adjudged -> demand standing after appeals (`demanded`: the adjudged demand less what appeal and
  ADR took off) -> recovered (`paid`). Over a period that covers a case's whole life these equal
  the balances on its case page.
- Trend: detected, adjudged and recovered per month against the monthly targets.
- Breakdowns: by directorate, collectorate, fraud kind, PCT chapter or importer. A case whose
  items span several collectorates, chapters or kinds counts under its principal item (the one
  with the largest short levy, else its first; kept per case in `case_facts`), so a breakdown
  adds up to the total.
- Arrears: outstanding (demanded - paid - stayed) at the period's end by the age of the demand,
  with stayed amounts apart (they cannot be recovered until the stay is lifted).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Numeric, Select, String, case, func, literal, select, union_all
from sqlalchemy.orm import Session

from audit_app.models import AuditCase, CaseFact, Importer, LedgerEntry, LedgerMonth
from audit_app.services import ledger
from audit_app.services.targets import monthly_targets

from ..filters import Filters, Period
from ..sql import days_before, local_month_of_date

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


def _scoped(query: Any, f: Filters) -> Any:
    """Join the entries' cases only when a filter needs them (the ledger alone is faster)."""
    # IN over the matching cases: the database finds them once, not once per entry.
    return query.where(*f.case_id_conditions(LedgerEntry.case_id))


def funnel(session: Session, f: Filters, period: Period | None = None) -> list[Stage]:
    """Per account: the amount entries dated in the period moved, and the cases with entries."""
    period = period or f.window
    query = (select(LedgerEntry.account, func.sum(LedgerEntry.amount_pkr),
                    func.count(func.distinct(LedgerEntry.case_id)))
             .where(LedgerEntry.account.in_([a for a, _ in FUNNEL]),
                    LedgerEntry.entry_date >= period.start, LedgerEntry.entry_date <= period.end)
             .group_by(LedgerEntry.account))
    found = {a: (Decimal(amount), int(n)) for a, amount, n in session.execute(_scoped(query, f))}
    return [Stage(account, label, *found.get(account, (ZERO, 0))) for account, label in FUNNEL]


def funnel_and_directorates(session: Session, f: Filters) -> tuple[list[Stage], list[dict[str, Any]]]:
    """`funnel(f)` and `breakdown(f, "directorate")` from one pass over the period's entries,
    grouped by the case's directorate and account (a case has one directorate, so the funnel's
    distinct cases per account are the sum of the directorates'): the page's default view
    read the same entries twice."""
    period = f.window
    query = (select(AuditCase.directorate_code, LedgerEntry.account, func.sum(LedgerEntry.amount_pkr),
                    func.count(func.distinct(LedgerEntry.case_id)))
             .join(AuditCase, AuditCase.id == LedgerEntry.case_id)
             .where(LedgerEntry.account.in_([a for a, _ in FUNNEL]),
                    LedgerEntry.entry_date >= period.start, LedgerEntry.entry_date <= period.end,
                    *f.case_conditions())
             .group_by(AuditCase.directorate_code, LedgerEntry.account))
    found: dict[str, tuple[Decimal, int]] = {}
    out: dict[str, dict[str, Any]] = defaultdict(lambda: {
        "cases": 0, "detected": ZERO, "adjudged": ZERO, "demanded": ZERO, "paid": ZERO})
    for directorate, account, amount, cases in session.execute(query):
        amount, cases = Decimal(amount), int(cases)
        total, n = found.get(account, (ZERO, 0))
        found[account] = (total + amount, n + cases)
        if account in MONEY:
            row = out[directorate or "(none)"]
            row[account] += amount
            row["cases"] = max(row["cases"], cases)
    stages = [Stage(account, label, *found.get(account, (ZERO, 0))) for account, label in FUNNEL]
    rows = [{"value": k, "_drill": f"directorate:{k}", **v} for k, v in out.items()]
    return stages, sorted(rows, key=lambda r: (-r["paid"], -r["detected"], r["value"]))


def stage_cases(f: Filters, account: str, period: Period | None = None) -> Select[Any]:
    """The cases with entries in the account dated in the period (the funnel's count)."""
    period = period or f.window
    return _scoped(select(LedgerEntry.case_id).where(
        LedgerEntry.account == account, LedgerEntry.entry_date >= period.start,
        LedgerEntry.entry_date <= period.end).distinct(), f)


def month_sums(session: Session, f: Filters, period: Period,
               accounts: tuple[str, ...]) -> dict[tuple[str, str], Decimal] | None:
    """('YYYY-MM', account) -> amount from the monthly sums `ledger.post` keeps
    (`ledger_months`, per month, account and directorate), when they can answer: a period of
    whole months, filtered at most by directorate. None otherwise (a collectorate, chapter or
    fraud kind matches a case by any of its items, so those sum the matching cases' entries)."""
    if f.collectorate or f.chapter or f.fraud_kind or period.start.day != 1 \
            or (period.end + dt.timedelta(days=1)).day != 1:
        return None
    query = (select(LedgerMonth.month, LedgerMonth.account, func.sum(LedgerMonth.amount_pkr))
             .where(LedgerMonth.month.in_(period.months), LedgerMonth.account.in_(accounts))
             .group_by(LedgerMonth.month, LedgerMonth.account))
    if f.directorate:
        query = query.where(LedgerMonth.directorate_code == f.directorate)
    return {(m, a): Decimal(x) for m, a, x in session.execute(query)}


def trend(session: Session, f: Filters) -> dict[str, dict[str, Decimal]]:
    """'YYYY-MM' -> {detected, adjudged, paid, target} over the trend window."""
    window = f.window.trailing_months(12)
    out = {m: {a: ZERO for a, _ in TREND} for m in window.months}
    sums = month_sums(session, f, window, tuple(a for a, _ in TREND))
    if sums is None:
        month = local_month_of_date(LedgerEntry.entry_date)
        sums = {(m, a): Decimal(x) for m, a, x in session.execute(_scoped(
            select(month, LedgerEntry.account, func.sum(LedgerEntry.amount_pkr))
            .where(LedgerEntry.account.in_([a for a, _ in TREND]),
                   LedgerEntry.entry_date >= window.start, LedgerEntry.entry_date <= window.end)
            .group_by(month, LedgerEntry.account), f))}
    for (m, account), amount in sums.items():
        if m in out:
            out[m][account] = amount
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


# The breakdowns kept per case in `case_facts` (the principal item's values).
FACT_KEYS = {"collectorate": ("collectorate", "(none)"), "chapter": ("chapter", "(none)"),
             "fraud_kind": ("fraud_kind", "NO FINDING")}
MONEY = ("detected", "adjudged", "demanded", "paid")


def breakdown(session: Session, f: Filters, dimension: str) -> list[dict[str, Any]]:
    """Per value of the dimension: cases, detected, adjudged, demand standing, recovered (flows
    in the period); largest recovered first."""
    if dimension not in DIMENSIONS:
        dimension = "directorate"
    if dimension in ("directorate", "importer"):
        return _breakdown_by_case_column(session, f, dimension)
    column, blank = FACT_KEYS[dimension]
    fig = flows(f.window)
    key = CaseFact.__table__.c[column]
    query = (select(key, func.count(), *[func.sum(fig.c[a]) for a in MONEY])
             .select_from(fig).join(CaseFact, CaseFact.case_id == fig.c.case_id)
             .group_by(key))
    query = query.where(*f.case_id_conditions(fig.c.case_id))
    rows = []
    for value, cases, *amounts in session.execute(query):
        value = value or blank
        rows.append({"value": value, "_drill": f"{dimension}:{value}", "cases": int(cases),
                     **{a: Decimal(x or 0) for a, x in zip(MONEY, amounts)}})
    return sorted(rows, key=lambda r: (-r["paid"], -r["detected"], r["value"]))


def _breakdown_by_case_column(session: Session, f: Filters, dimension: str) -> list[dict[str, Any]]:
    """Directorate and importer are columns of the case: grouped by the database."""
    period = f.window
    if dimension == "directorate":
        keys = [AuditCase.directorate_code]
    else:
        keys = [Importer.name, Importer.ntn]
    query = (select(*keys, LedgerEntry.account, func.sum(LedgerEntry.amount_pkr),
                    func.count(func.distinct(LedgerEntry.case_id)))
             .join(AuditCase, AuditCase.id == LedgerEntry.case_id)
             .where(LedgerEntry.account.in_(("detected", "adjudged", "demanded", "paid")),
                    LedgerEntry.entry_date >= period.start, LedgerEntry.entry_date <= period.end,
                    *f.case_conditions())
             .group_by(*keys, LedgerEntry.account))
    if dimension == "importer":
        query = query.join(Importer, Importer.id == AuditCase.importer_id)
    out: dict[str, dict[str, Any]] = defaultdict(lambda: {
        "cases": 0, "detected": ZERO, "adjudged": ZERO, "demanded": ZERO, "paid": ZERO})
    for row in session.execute(query):
        if dimension == "directorate":
            key = row[0] or "(none)"
            account, amount, cases = row[1:]
        else:
            key = f"{row[0] or '(no name)'} ({row[1]})"
            account, amount, cases = row[2:]
        out[key][account] += Decimal(amount)
        out[key]["cases"] = max(out[key]["cases"], int(cases))
    rows = [{"value": k, "_drill": f"{dimension}:{k}", **v} for k, v in out.items()]
    return sorted(rows, key=lambda r: (-r["paid"], -r["detected"], r["value"]))


def breakdown_cases(session: Session, f: Filters, key: str) -> Select[Any]:
    dimension, _, value = key.partition(":")
    period = f.window
    if dimension in ("directorate", "importer"):
        moved = select(LedgerEntry.case_id).where(
            LedgerEntry.entry_date >= period.start, LedgerEntry.entry_date <= period.end,
            LedgerEntry.account.in_(("detected", "adjudged", "demanded", "paid")))
        query = select(AuditCase.id).where(AuditCase.id.in_(moved), *f.case_conditions())
        if dimension == "directorate":
            return query.where(AuditCase.directorate_code.is_(None) if value == "(none)"
                               else AuditCase.directorate_code == value)
        ntn = value.rsplit("(", 1)[-1].rstrip(")")
        return query.where(AuditCase.importer_id.in_(select(Importer.id).where(Importer.ntn == ntn)))
    column, blank = FACT_KEYS.get(dimension, ("fraud_kind", "NO FINDING"))
    key = CaseFact.__table__.c[column]
    moved = select(LedgerEntry.case_id).where(LedgerEntry.entry_date >= period.start,
                                              LedgerEntry.entry_date <= period.end)
    return (select(AuditCase.id).join(CaseFact, CaseFact.case_id == AuditCase.id)
            .where(AuditCase.id.in_(moved), key.is_(None) if value == blank else key == value,
                   *f.case_conditions()))


@dataclass(frozen=True)
class AgeBucket:
    label: str
    cases: int
    outstanding: Decimal
    stayed: Decimal


def _arrears_cases(f: Filters, as_of: dt.date, cte: bool = False) -> tuple[Any, Any]:
    """Per case with a demand at `as_of`: outstanding (demanded - paid - stayed), stayed, and
    its age bucket (days since the first entry that raised the demand), all in the database.
    Returns the subquery and its bucket column."""
    amount = LedgerEntry.amount_pkr

    def total(account: str) -> Any:
        return func.coalesce(func.sum(case((LedgerEntry.account == account, amount), else_=0)), 0)
    since = func.min(case(((LedgerEntry.account == "demanded") & (amount > 0),
                           LedgerEntry.entry_date), else_=None))
    per_case = _scoped(
        select(LedgerEntry.case_id, (total("demanded") - total("paid") - total("stayed"))
               .label("outstanding"), total("stayed").label("stayed"), since.label("since"),
               total("demanded").label("demanded"))
        .where(LedgerEntry.account.in_(("demanded", "paid", "stayed")),
               LedgerEntry.entry_date <= as_of)
        .group_by(LedgerEntry.case_id), f)
    per_case = per_case.cte("per_case") if cte else per_case.subquery()
    age = days_before(per_case.c.since, literal(as_of, Date))
    bucket = case(*[(age <= hi, label) for label, _, hi in AGE_BUCKETS if hi is not None],
                  else_=AGE_BUCKETS[-1][0])
    return per_case, bucket


def _in_arrears(per_case: Any) -> Any:
    return per_case.c.since.is_not(None) & ((per_case.c.outstanding != 0) |
                                            (per_case.c.stayed != 0))


def arrears(session: Session, f: Filters, as_of: dt.date | None = None) -> list[AgeBucket]:
    """Outstanding and stayed amounts at `as_of` (the period's end) by the demand's age: one
    pass over the recovery accounts' entries, grouped by case and then by age in the database."""
    as_of = as_of or f.window.end
    per_case, bucket = _arrears_cases(f, as_of)
    found = {label: (int(n), Decimal(o), Decimal(st)) for label, n, o, st in session.execute(
        select(bucket, func.count(), func.sum(per_case.c.outstanding), func.sum(per_case.c.stayed))
        .where(_in_arrears(per_case)).group_by(bucket))}
    return [AgeBucket(label, *found.get(label, (0, ZERO, ZERO))) for label, _, _ in AGE_BUCKETS]


def arrears_cases(f: Filters, label: str, as_of: dt.date | None = None) -> Select[Any]:
    """The cases behind one age bucket of `arrears`."""
    per_case, bucket = _arrears_cases(f, as_of or f.window.end)
    return select(per_case.c.case_id).where(_in_arrears(per_case), bucket == label)


def top_cases(session: Session, f: Filters, limit: int = 10,
              as_of: dt.date | None = None) -> list[dict[str, Any]]:
    """The largest cases by demand standing (then detected) at the period's end, with their
    ledger balances then."""
    as_of = as_of or f.window.end
    ranked: list[int] = []
    for account in ("demanded", "detected"):
        query = (select(LedgerEntry.case_id).where(LedgerEntry.account == account,
                                                   LedgerEntry.entry_date <= as_of)
                 .group_by(LedgerEntry.case_id)
                 .having(func.sum(LedgerEntry.amount_pkr) > 0)
                 .order_by(func.sum(LedgerEntry.amount_pkr).desc(), LedgerEntry.case_id)
                 .limit(limit + len(ranked)))
        for (case_id,) in session.execute(_scoped(query, f)):
            if case_id not in ranked and len(ranked) < limit:
                ranked.append(case_id)
        if len(ranked) >= limit:
            break
    return _top_rows(session, ranked, as_of)


def _top_rows(session: Session, ranked: list[int], as_of: dt.date) -> list[dict[str, Any]]:
    """The ranked cases with their number, importer, directorate, status and balances."""
    if not ranked:
        return []
    figures = ledger.totals(session, ranked, as_of=as_of)
    about = {r[0]: r for r in session.execute(
        select(AuditCase.id, AuditCase.case_number, Importer.name, AuditCase.directorate_code,
               AuditCase.status).join(Importer, Importer.id == AuditCase.importer_id)
        .where(AuditCase.id.in_(ranked)))}
    out = []
    for case_id in ranked:
        _, number, importer, directorate, status = about[case_id]
        money = figures.get(case_id, {})
        out.append({"id": case_id, "_drill": case_id, "case_number": number, "importer": importer,
                    "directorate": directorate, "status": status,
                    **{k: money.get(k, ZERO) for k in ("detected", "adjudged", "demanded", "paid",
                                                       "stayed", "outstanding")}})
    return out


def arrears_and_top(session: Session, f: Filters, limit: int = 10, as_of: dt.date | None = None
                    ) -> tuple[list[AgeBucket], list[dict[str, Any]]]:
    """`arrears(f)` and `top_cases(f)` from one pass over the recovery accounts' entries: the
    per-case sums are computed once (a CTE) and read for both the age buckets and the largest
    demands. When fewer than `limit` cases have a demand standing, the top cases are ranked
    by `top_cases` (it goes on to the detected amounts)."""
    as_of = as_of or f.window.end
    per_case, bucket = _arrears_cases(f, as_of, cte=True)
    top = (select(per_case.c.case_id, per_case.c.demanded).where(per_case.c.demanded > 0)
           .order_by(per_case.c.demanded.desc(), per_case.c.case_id).limit(limit).subquery())
    buckets = (select(literal("bucket").label("part"), bucket.label("label"),
                      func.count().label("n"), func.sum(per_case.c.outstanding).label("x"),
                      func.sum(per_case.c.stayed).label("y"))
               .where(_in_arrears(per_case)).group_by(bucket))
    largest = select(literal("top"), literal(None, String), top.c.case_id, top.c.demanded,
                     literal(0, Numeric))
    found: dict[str, tuple[int, Decimal, Decimal]] = {}
    largest_demands: list[tuple[Decimal, int]] = []
    for part, label, n, x, y in session.execute(union_all(buckets, largest)):
        if part == "bucket":
            found[label] = (int(n), Decimal(x), Decimal(y))
        else:
            largest_demands.append((Decimal(x), int(n)))
    arrears = [AgeBucket(label, *found.get(label, (0, ZERO, ZERO))) for label, _, _ in AGE_BUCKETS]
    if len(largest_demands) < limit:
        return arrears, top_cases(session, f, limit, as_of)
    # (a union does not keep its part's order: ranked again here, as top_cases ranks)
    ranked = [c for _, c in sorted(largest_demands, key=lambda dc: (-dc[0], dc[1]))]
    return arrears, _top_rows(session, ranked, as_of)


def totals_in(session: Session, f: Filters, period: Period) -> dict[str, Decimal]:
    """Per funnel account: what entries dated in the period moved (no case counts)."""
    sums = month_sums(session, f, period, tuple(a for a, _ in FUNNEL))
    if sums is None:
        return {s.account: s.amount for s in funnel(session, f, period)}
    out = {a: ZERO for a, _ in FUNNEL}
    for (_, account), amount in sums.items():
        out[account] += amount
    return out
