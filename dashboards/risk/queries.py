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

from audit_app.models import (AuditCase, AuditProposal, CaseFactDeclaration, CaseItem,
                              Collectorate, Declaration,
                              DeclarationItem, RiskModel, RiskMonitor, RiskRun, RiskScore)
from audit_app.risk.monitoring import latest_figures, psi_label

from ..filters import Filters, Period, parse_period


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


def _declaration_conditions(f: Filters, declaration_id: Any = Declaration.id,
                            collectorate: Any = Declaration.collectorate) -> list[Any]:
    """The filters on declarations (or on the audited declarations kept beside the case facts,
    given their columns)."""
    out: list[Any] = []
    if f.directorate:
        out.append(collectorate.in_(
            select(Collectorate.code).where(Collectorate.directorate_code == f.directorate)))
    if f.collectorate:
        out.append(collectorate == f.collectorate)
    if f.chapter:
        out.append(declaration_id.in_(select(DeclarationItem.declaration_id)
                                      .where(*chapter_range(f.chapter))))
    return out


def chapter_range(chapter: str) -> list[Any]:
    """HS codes in a two-digit PCT chapter as a range (codes are digits), which the index on
    (hs_code, declaration_id) serves under any collation; LIKE '84%' does not."""
    out = [DeclarationItem.hs_code >= chapter]
    if chapter != "99":
        out.append(DeclarationItem.hs_code < f"{int(chapter) + 1:02d}")
    return out


def _month(day: Any) -> str:
    return str(day)[:7] if isinstance(day, str) else day.strftime("%Y-%m")


def coverage(session: Session, f: Filters, period: Period | None = None) -> dict[str, dict[str, int]]:
    """Per month of GD date: declarations cleared and declarations with an item under audit.
    Counted per day by the database (no date formatting per row) and added up per month here;
    the audited ones from `case_fact_declarations` (a declaration has one GD date, so counting
    it once per day counts it once per month however many cases hold it)."""
    period = period or f.window.trailing_months(12)
    out = {m: {"cleared": 0, "audited": 0} for m in period.months}
    audited = CaseFactDeclaration
    for key, day, count, where in (
            ("cleared", Declaration.gd_date, func.count(), _declaration_conditions(f)),
            ("audited", audited.gd_date, func.count(func.distinct(audited.declaration_id)),
             _declaration_conditions(f, audited.declaration_id, audited.collectorate))):
        for on, n in session.execute(select(day, count).where(day >= period.start,
                                                              day <= period.end, *where)
                                     .group_by(day)):
            if (m := _month(on)) in out:
                out[m][key] += int(n)
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
