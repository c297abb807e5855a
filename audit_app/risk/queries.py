"""Reading scores for screens and the API: an item's latest score, a run's top items."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..models import (Collectorate, Declaration, DeclarationItem, Importer, RiskModel, RiskRuleSet,
                      RiskRun, RiskScore)

_CHUNK = 5000


@dataclass(frozen=True)
class ItemRisk:
    """An item's latest score, with what produced it."""

    item_id: int
    run_id: int
    probability: float
    rule_score: float
    expected_short_levy_pkr: Decimal
    duty_at_stake_pkr: Decimal
    rules_hit: list[str]
    reasons: list[str]
    scored_at: dt.datetime
    model_version: str | None
    rule_set_version: int | None

    def as_json(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "probability": round(self.probability, 6),
                "rule_score": round(self.rule_score, 6),
                "expected_short_levy_pkr": str(self.expected_short_levy_pkr),
                "duty_at_stake_pkr": str(self.duty_at_stake_pkr), "rules_hit": self.rules_hit,
                "reasons": self.reasons, "scored_at": self.scored_at.isoformat(),
                "model_version": self.model_version, "rule_set_version": self.rule_set_version}


def _item_risk(score: RiskScore, run: RiskRun, model: str | None, rules: int | None) -> ItemRisk:
    return ItemRisk(score.item_id, score.run_id, float(score.probability),
                    float(score.rule_score or 0.0), Decimal(score.expected_short_levy_pkr),
                    Decimal(score.duty_at_stake_pkr), list(score.rules_hit or []),
                    list(score.reasons or []), run.finished_at or run.started_at, model, rules)


def _scored(query: Any) -> Any:
    return (query.join(RiskRun, RiskRun.id == RiskScore.run_id)
            .outerjoin(RiskModel, RiskModel.id == RiskRun.model_id)
            .outerjoin(RiskRuleSet, RiskRuleSet.id == RiskRun.rule_set_id))


def latest_item_risk(session: Session, item_ids: Iterable[int]) -> dict[int, ItemRisk]:
    """item id -> its score in the latest scoring run that scored it (absent: never scored)."""
    ids = sorted(set(item_ids))
    out: dict[int, ItemRisk] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        latest = (select(RiskScore.item_id, func.max(RiskScore.run_id).label("run_id"))
                  .join(RiskRun, RiskRun.id == RiskScore.run_id)
                  .where(RiskRun.kind == "score", RiskScore.item_id.in_(chunk))
                  .group_by(RiskScore.item_id).subquery())
        rows = session.execute(_scored(
            select(RiskScore, RiskRun, RiskModel.version, RiskRuleSet.version)
            .join(latest, and_(RiskScore.item_id == latest.c.item_id,
                               RiskScore.run_id == latest.c.run_id)))).all()
        for score, run, model, rules in rows:
            out[score.item_id] = _item_risk(score, run, model, rules)
    return out


@dataclass(frozen=True)
class TopScore:
    risk: ItemRisk
    gd_number: str
    item_no: int
    gd_date: dt.date
    collectorate: str
    importer_ntn: str
    importer_name: str | None

    def as_json(self) -> dict[str, Any]:
        return {"gd_number": self.gd_number, "item_no": self.item_no,
                "gd_date": self.gd_date.isoformat(), "collectorate": self.collectorate,
                "importer": {"ntn": self.importer_ntn, "name": self.importer_name},
                **self.risk.as_json()}


def score_run(session: Session, run_id: int | None = None) -> RiskRun | None:
    """A scoring run by id (NotFound if it is not one), or the latest; None when none exists."""
    if run_id is not None:
        run = session.get(RiskRun, run_id)
        if run is None or run.kind != "score":
            raise NotFound(f"No scoring run {run_id}.")
        return run
    return session.scalar(select(RiskRun).where(RiskRun.kind == "score")
                          .order_by(RiskRun.id.desc()).limit(1))


def top_scores(session: Session, run: RiskRun, limit: int = 50,
               directorate: str | None = None) -> list[TopScore]:
    """A run's items by expected short levy, best first (ties: probability, then id)."""
    query = _scored(
        select(RiskScore, RiskRun, RiskModel.version, RiskRuleSet.version,
               Declaration.gd_number, DeclarationItem.item_no, Declaration.gd_date,
               Declaration.collectorate, Importer.ntn, Importer.name)
        .join(DeclarationItem, DeclarationItem.id == RiskScore.item_id)
        .join(Declaration, Declaration.id == DeclarationItem.declaration_id)
        .join(Importer, Importer.id == Declaration.importer_id)
        .where(RiskScore.run_id == run.id))
    if directorate:
        query = query.join(Collectorate, Collectorate.code == Declaration.collectorate) \
            .where(Collectorate.directorate_code == directorate)
    rows = session.execute(query.order_by(RiskScore.expected_short_levy_pkr.desc(),
                                          RiskScore.probability.desc(), RiskScore.id)
                           .limit(limit)).all()
    return [TopScore(_item_risk(s, r, m, v), gd, no, day, coll, ntn, name)
            for s, r, m, v, gd, no, day, coll, ntn, name in rows]


def score_runs(session: Session, limit: int = 20) -> list[RiskRun]:
    return list(session.scalars(select(RiskRun).where(RiskRun.kind == "score")
                                .order_by(RiskRun.id.desc()).limit(limit)))
