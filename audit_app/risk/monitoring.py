"""Monitoring: how well each rule, each model version and the random share select, and whether
the score distribution drifts between runs. `pca risk monitor` stores the figures as
risk_monitoring rows (one pass shares one computed_at) so dashboards read them without
recomputing.

Figures (an item counts once, with its latest score; "audited" means it has an outcome):
- rule:      selected = items the rule hit in the latest scoring run; audited / hits / yield =
             audited items whose latest score hit the rule, those with a finding, their short levy.
- model:     the same for the items whose latest score came from that model version; details
             add the mean predicted probability and the out-of-sample part (cleared after the
             model's training window), the honest one.
- selection: per basis (risk, random): proposals, their audited items, hits and yield. Random
             audits are the unbiased yardstick for the risk-selected ones.
- scores:    population stability index of each run's probabilities against the run before,
             over the earlier run's deciles (< 0.1 stable, 0.1-0.25 moderate, > 0.25 major).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import and_, case, func, literal_column, select, true
from sqlalchemy.orm import Session

from ..db import utcnow
from ..models import (AuditOutcome, AuditProposal, AuditProposalItem, Declaration,
                      DeclarationItem, RiskModel, RiskMonitor, RiskRun, RiskScore)
from .rules import active_rule_set

PSI_FLOOR = 1e-4  # share given to an empty bin, so the logarithm stays finite
DRIFT_RUNS = 12


def psi(expected: np.ndarray, actual: np.ndarray, bins: int = 10) -> tuple[float, dict[str, Any]]:
    """Population stability index of `actual` against `expected`, over the deciles (by
    default) of `expected`: sum over bins of (q - p) * ln(q / p). Repeated values can merge
    quantiles, leaving fewer bins."""
    expected = np.asarray(expected, dtype=float)
    actual = np.asarray(actual, dtype=float)
    expected, actual = expected[~np.isnan(expected)], actual[~np.isnan(actual)]
    if expected.size == 0 or actual.size == 0:
        raise ValueError("both distributions need values")
    edges = np.unique(np.quantile(expected, np.linspace(0, 1, bins + 1)[1:-1]))
    # Bin i holds (edges[i-1], edges[i]]: searchsorted(side="left") puts a value equal to an
    # edge in the bin below it.
    p = np.bincount(np.searchsorted(edges, expected, side="left"), minlength=edges.size + 1)
    q = np.bincount(np.searchsorted(edges, actual, side="left"), minlength=edges.size + 1)
    p_share, q_share = p / expected.size, q / actual.size
    pf, qf = np.maximum(p_share, PSI_FLOOR), np.maximum(q_share, PSI_FLOOR)
    value = float(np.sum((qf - pf) * np.log(qf / pf)))
    return value, {"edges": [round(float(e), 6) for e in edges],
                   "expected_share": [round(float(x), 6) for x in p_share],
                   "actual_share": [round(float(x), 6) for x in q_share]}


def psi_label(value: float | None) -> str:
    if value is None:
        return ""
    return "stable" if value < 0.1 else "moderate shift" if value < 0.25 else "major shift"


@dataclass
class _Window:
    date_from: dt.date
    date_to: dt.date


def _audited(session: Session, date_from: dt.date | None, date_to: dt.date | None) -> pd.DataFrame:
    """Outcomes in the window with their item's scores (every run), one row per score."""
    window = [c for c in (date_from and AuditOutcome.audit_date >= date_from,
                          date_to and AuditOutcome.audit_date <= date_to) if c is not None]
    rows = session.execute(
        select(AuditOutcome.item_id, AuditOutcome.audit_date, AuditOutcome.finding,
               AuditOutcome.short_levy_pkr, Declaration.gd_date, RiskScore.run_id,
               RiskRun.model_id, RiskScore.probability, RiskScore.rules_hit)
        .join(DeclarationItem, DeclarationItem.id == AuditOutcome.item_id)
        .join(Declaration, Declaration.id == DeclarationItem.declaration_id)
        .join(RiskScore, RiskScore.item_id == AuditOutcome.item_id)
        .join(RiskRun, and_(RiskRun.id == RiskScore.run_id, RiskRun.kind == "score"))
        .where(*window)).all()
    return pd.DataFrame(rows, columns=["item_id", "audit_date", "finding", "short_levy",
                                       "gd_date", "run_id", "model_id", "probability",
                                       "rules_hit"])


def _latest(scores: pd.DataFrame) -> pd.DataFrame:
    return scores.sort_values(["item_id", "run_id"]).drop_duplicates("item_id", keep="last")


def _figures(rows: pd.DataFrame) -> tuple[int, int, Decimal]:
    hit = rows["finding"] != "NONE"
    return len(rows), int(hit.sum()), sum((Decimal(v) for v in rows.loc[hit, "short_levy"]),
                                          Decimal(0))


def rule_hit_counts(session: Session, run_id: int) -> dict[str, int]:
    """How many items of a run hit each rule, counted in the database (a run may hold a
    million scores) by unnesting the rules_hit arrays."""
    if session.get_bind().dialect.name == "postgresql":
        array = case((func.jsonb_typeof(RiskScore.rules_hit) == "array", RiskScore.rules_hit),
                     else_=literal_column("'[]'::jsonb"))
        codes = func.jsonb_array_elements_text(array).table_valued("value").render_derived()
    else:  # SQLite's json_each has a `value` column of its own (and no column-alias syntax)
        codes = func.json_each(RiskScore.rules_hit).table_valued("value")
    rows = session.execute(
        select(codes.c.value, func.count()).select_from(RiskScore).join(codes, true())
        .where(RiskScore.run_id == run_id, codes.c.value.is_not(None))
        .group_by(codes.c.value)).all()
    return {str(code): int(n) for code, n in rows}


def _rule_rows(session: Session, latest: pd.DataFrame, window: _Window,
               now: dt.datetime) -> list[RiskMonitor]:
    run_id = session.scalar(select(func.max(RiskRun.id)).where(RiskRun.kind == "score"))
    selected = rule_hit_counts(session, run_id) if run_id else {}
    active = active_rule_set(session)
    described = {r.code: r for r in active.rules} if active else {}
    baseline = (latest["finding"] != "NONE").mean() if len(latest) else None
    hits_of = latest["rules_hit"].map(lambda codes: set(codes or []))
    out = []
    for code in sorted(set(described) | set(selected) | set().union(*hits_of.tolist())):
        rows = latest[hits_of.map(lambda codes: code in codes).astype(bool)]
        audited, hits, found = _figures(rows)
        rule = described.get(code)
        out.append(RiskMonitor(
            subject_type="rule", subject_key=code, period_from=window.date_from,
            period_to=window.date_to, selected=selected.get(code, 0), audited=audited,
            hits=hits, yield_pkr=found, computed_at=now, details={
                "name": rule.name if rule else None,
                "fraud_kind": rule.fraud_kind if rule else None,
                "in_active_set": rule is not None, "latest_run_id": run_id,
                "hit_rate": hits / audited if audited else None,
                "baseline_hit_rate": float(baseline) if baseline is not None else None,
                "yield_per_audit_pkr": str(round(found / audited)) if audited else None}))
    return out


def _model_rows(session: Session, scores: pd.DataFrame, window: _Window,
                now: dt.datetime) -> list[RiskMonitor]:
    models = {m.id: m for m in session.scalars(select(RiskModel))}
    scored: dict[int | None, int] = {}  # items in each model's latest run
    for model_id, items in session.execute(select(RiskRun.model_id, RiskRun.items_scored)
                                           .where(RiskRun.kind == "score").order_by(RiskRun.id)):
        scored[model_id] = items
    out = []
    keys = scores["model_id"].map(lambda m: -1 if m is None or m != m else int(m))
    for key in sorted(set(keys.tolist()) | {(-1 if k is None else k) for k in scored}):
        rows = _latest(scores[keys == key])
        model = models.get(key)
        audited, hits, found = _figures(rows)
        details: dict[str, Any] = {
            "model_id": None if key == -1 else key,
            "mean_probability": float(rows["probability"].mean()) if audited else None,
            "hit_rate": hits / audited if audited else None}
        if model is not None and model.trained_to is not None:
            later = rows[pd.to_datetime(rows["gd_date"]) > pd.Timestamp(model.trained_to)]
            n, h, y = _figures(later)
            details["out_of_sample"] = {"audited": n, "hits": h, "yield_pkr": str(y),
                                        "hit_rate": h / n if n else None,
                                        "after": model.trained_to.isoformat()}
        out.append(RiskMonitor(
            subject_type="model", subject_key=model.version if model else "rules only",
            period_from=window.date_from, period_to=window.date_to,
            selected=int(scored.get(None if key == -1 else key) or 0), audited=audited,
            hits=hits, yield_pkr=found, details=details, computed_at=now))
    return out


def _selection_rows(session: Session, window: _Window, now: dt.datetime) -> list[RiskMonitor]:
    in_window = [c for c in (AuditOutcome.audit_date >= window.date_from,
                             AuditOutcome.audit_date <= window.date_to)]
    out = []
    for basis in ("risk", "random"):
        proposals = session.execute(
            select(func.count(AuditProposal.id), func.coalesce(func.sum(AuditProposal.items_count), 0))
            .where(AuditProposal.basis == basis, AuditProposal.status != "rejected")).one()
        rows = session.execute(
            select(AuditProposalItem.proposal_id, AuditOutcome.finding, AuditOutcome.short_levy_pkr)
            .join(AuditProposal, AuditProposal.id == AuditProposalItem.proposal_id)
            .join(AuditOutcome, AuditOutcome.item_id == AuditProposalItem.item_id)
            .where(AuditProposal.basis == basis, AuditProposal.status != "rejected", *in_window)
        ).all()
        frame = pd.DataFrame(rows, columns=["proposal_id", "finding", "short_levy"])
        audited, hits, found = _figures(frame)
        with_finding = frame.loc[frame["finding"] != "NONE", "proposal_id"].nunique()
        audits_done = frame["proposal_id"].nunique()
        out.append(RiskMonitor(
            subject_type="selection", subject_key=basis, period_from=window.date_from,
            period_to=window.date_to, selected=int(proposals[0]), audited=audited, hits=hits,
            yield_pkr=found, computed_at=now, details={
                "items_proposed": int(proposals[1]), "audits_with_outcomes": int(audits_done),
                "audits_with_finding": int(with_finding),
                "audit_hit_rate": with_finding / audits_done if audits_done else None,
                "hit_rate": hits / audited if audited else None}))
    return out


def _drift_rows(session: Session, now: dt.datetime) -> list[RiskMonitor]:
    runs = list(session.scalars(select(RiskRun).where(RiskRun.kind == "score")
                                .order_by(RiskRun.id.desc()).limit(DRIFT_RUNS + 1)))[::-1]
    done = set(session.scalars(select(RiskMonitor.subject_key)
                               .where(RiskMonitor.subject_type == "scores")))
    out = []
    for previous, current in zip(runs, runs[1:]):
        key = f"run {current.id}"
        if key in done:
            continue
        before, after = (np.array(session.scalars(
            select(RiskScore.probability).where(RiskScore.run_id == r.id)).all(), dtype=float)
            for r in (previous, current))
        if not before.size or not after.size:
            continue
        value, details = psi(before, after)
        day = current.started_at.date()
        out.append(RiskMonitor(
            subject_type="scores", subject_key=key, period_from=current.period_from or day,
            period_to=current.period_to or day, selected=int(after.size), drift_psi=value,
            computed_at=now, details={
                **details, "previous_run_id": previous.id, "run_id": current.id,
                "mean_probability": [float(before.mean()), float(after.mean())],
                "label": psi_label(value)}))
    return out


def run_monitoring(session: Session, date_from: dt.date | None = None,
                   date_to: dt.date | None = None) -> list[RiskMonitor]:
    """Compute and store one monitoring pass (flushes; the caller commits)."""
    now = utcnow()
    scores = _audited(session, date_from, date_to)
    audit_dates = pd.to_datetime(scores["audit_date"]) if len(scores) else None
    today = now.date()
    window = _Window(date_from or (audit_dates.min().date() if audit_dates is not None else today),
                     date_to or (audit_dates.max().date() if audit_dates is not None else today))
    rows = (_rule_rows(session, _latest(scores), window, now)
            + _model_rows(session, scores, window, now)
            + _selection_rows(session, window, now) + _drift_rows(session, now))
    session.add_all(rows)
    session.flush()
    return rows


def latest_figures(session: Session) -> dict[str, list[RiskMonitor]]:
    """The last pass's rule, model and selection rows, and the drift history, for the page."""
    last = session.scalar(select(func.max(RiskMonitor.computed_at))
                          .where(RiskMonitor.subject_type != "scores"))
    out: dict[str, list[RiskMonitor]] = {"rule": [], "model": [], "selection": [], "scores": []}
    if last is not None:
        for row in session.scalars(select(RiskMonitor).where(
                RiskMonitor.computed_at == last, RiskMonitor.subject_type != "scores")
                .order_by(RiskMonitor.subject_type, RiskMonitor.subject_key)):
            out.setdefault(row.subject_type, []).append(row)
    out["scores"] = list(session.scalars(
        select(RiskMonitor).where(RiskMonitor.subject_type == "scores")
        .order_by(RiskMonitor.id.desc()).limit(DRIFT_RUNS)))
    return out
