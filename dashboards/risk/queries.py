"""Risk effectiveness: hit rate and yield per rule and per model version against the random
share (the monitoring figures stored by `pca risk monitor`), coverage of clearances, and
score drift.

Coverage: of the declarations cleared in the period (GD date), the share with at least one item
in an audit case; the filters narrow the declarations (directorate through its collectorates,
collectorate, chapter of an item).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, String, and_, cast, exists, func, select
from sqlalchemy.orm import Session

from audit_app.models import (AuditCase, AuditProposal, CaseItem, Collectorate, Declaration,
                              DeclarationItem, RiskModel, RiskMonitor, RiskRun, RiskScore)
from audit_app.risk.monitoring import latest_figures, psi_label

from ..filters import Filters, Period, parse_period
from ..sql import local_month_of_date


@dataclass(frozen=True)
class Subject:
    key: str
    name: str
    selected: int
    audited: int
    hits: int
    yield_pkr: Decimal
    hit_rate: float | None
    baseline: float | None
    extra: dict[str, Any]

    @property
    def yield_per_audit(self) -> Decimal | None:
        return (self.yield_pkr / self.audited).quantize(Decimal(1)) if self.audited else None


def _subject(row: RiskMonitor) -> Subject:
    details = row.details or {}
    return Subject(row.subject_key, details.get("name") or row.subject_key, row.selected,
                   row.audited, row.hits, Decimal(row.yield_pkr or 0),
                   row.hits / row.audited if row.audited else None,
                   details.get("baseline_hit_rate"), details)


@dataclass(frozen=True)
class Monitoring:
    computed_at: Any
    rules: list[Subject]
    models: list[Subject]
    selection: dict[str, Subject]
    drift: list[dict[str, Any]]


def monitoring(session: Session) -> Monitoring:
    figures = latest_figures(session)
    computed = max((r.computed_at for k in ("rule", "model", "selection") for r in figures[k]),
                   default=None)
    drift = [{"run": r.subject_key, "psi": r.drift_psi, "label": psi_label(r.drift_psi),
              "day": r.period_to, "items": r.selected} for r in reversed(figures["scores"])]
    return Monitoring(computed, [_subject(r) for r in figures["rule"]],
                      [_subject(r) for r in figures["model"]],
                      {r.subject_key: _subject(r) for r in figures["selection"]}, drift)


def _declaration_conditions(f: Filters) -> list[Any]:
    out: list[Any] = []
    if f.directorate:
        out.append(Declaration.collectorate.in_(
            select(Collectorate.code).where(Collectorate.directorate_code == f.directorate)))
    if f.collectorate:
        out.append(Declaration.collectorate == f.collectorate)
    if f.chapter:
        out.append(exists(select(DeclarationItem.id).where(
            DeclarationItem.declaration_id == Declaration.id,
            DeclarationItem.hs_code.startswith(f.chapter))))
    return out


def _audited_declaration() -> Any:
    """The declaration has an item in a case: one IN over the audited declarations, which the
    database builds once (a correlated EXISTS per cleared declaration is several times slower)."""
    return Declaration.id.in_(select(DeclarationItem.declaration_id)
                              .join(CaseItem, CaseItem.item_id == DeclarationItem.id))


def coverage(session: Session, f: Filters, period: Period | None = None) -> dict[str, dict[str, int]]:
    """Per month of GD date: declarations cleared and declarations with an item under audit."""
    period = period or f.window.trailing_months(12)
    month = local_month_of_date(Declaration.gd_date)
    out = {m: {"cleared": 0, "audited": 0} for m in period.months}
    where = [Declaration.gd_date >= period.start, Declaration.gd_date <= period.end,
             *_declaration_conditions(f)]
    for m, n in session.execute(select(month, func.count()).where(*where).group_by(month)):
        if m in out:
            out[m]["cleared"] = int(n)
    for m, n in session.execute(select(month, func.count())
                                .where(*where, _audited_declaration()).group_by(month)):
        if m in out:
            out[m]["audited"] = int(n)
    return out


def coverage_cases(f: Filters, month: str) -> Select[Any]:
    period = parse_period(month)
    return (select(CaseItem.case_id).join(DeclarationItem, DeclarationItem.id == CaseItem.item_id)
            .join(Declaration, Declaration.id == DeclarationItem.declaration_id)
            .join(AuditCase, AuditCase.id == CaseItem.case_id)
            .where(Declaration.gd_date >= period.start, Declaration.gd_date <= period.end,
                   *_declaration_conditions(f), *f.case_conditions()))


def rule_cases(f: Filters, code: str) -> Select[Any]:
    """Cases with an item that the rule hit when it was scored."""
    hit = cast(RiskScore.rules_hit, String).contains(f'"{code}"')
    return (select(CaseItem.case_id).join(AuditCase, AuditCase.id == CaseItem.case_id)
            .where(exists(select(RiskScore.id).where(RiskScore.item_id == CaseItem.item_id, hit)),
                   *f.case_conditions()))


def model_cases(f: Filters, version: str) -> Select[Any]:
    """Cases with an item scored by the model version ('rules only': with no model)."""
    model = (RiskRun.model_id.is_(None) if version == "rules only" else
             RiskRun.model_id.in_(select(RiskModel.id).where(RiskModel.version == version)))
    return (select(CaseItem.case_id).join(AuditCase, AuditCase.id == CaseItem.case_id)
            .where(exists(select(RiskScore.id).join(RiskRun, RiskRun.id == RiskScore.run_id)
                          .where(RiskScore.item_id == CaseItem.item_id, model)),
                   *f.case_conditions()))


def basis_cases(f: Filters, basis: str) -> Select[Any]:
    return (select(AuditCase.id).join(AuditProposal, AuditProposal.id == AuditCase.proposal_id)
            .where(AuditProposal.basis == basis, *f.case_conditions()))


def selection_by_basis(session: Session, f: Filters) -> list[dict[str, Any]]:
    """Cases opened in the period per selection basis, with their hit rate and detected amount
    (the random share is the unbiased yardstick)."""
    from sqlalchemy import case as when
    period = f.window
    rows = session.execute(
        select(AuditProposal.basis, func.count(),
               func.coalesce(func.sum(when((AuditCase.short_levy_total_pkr > 0, 1), else_=0)), 0),
               func.coalesce(func.sum(AuditCase.short_levy_total_pkr), 0))
        .join(AuditProposal, AuditProposal.id == AuditCase.proposal_id)
        .where(and_(AuditCase.created_at >= period.start_utc, AuditCase.created_at < period.end_utc),
               *f.case_conditions()).group_by(AuditProposal.basis).order_by(AuditProposal.basis))
    return [{"basis": b, "_drill": b, "cases": int(n), "with_finding": int(h),
             "hit_rate": int(h) / int(n) if n else None, "detected": Decimal(s),
             "per_case": (Decimal(s) / int(n)).quantize(Decimal(1)) if n else None}
            for b, n, h, s in rows]
