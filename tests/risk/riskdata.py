"""Scoring runs and scores written directly, as the scoring side would store them, so selection,
monitoring and the screens are tested without the feature builder or a model.

    run = make_score_run(session, [(item, 0.8, 120_000, ["Unit value 62% below ..."], ["UV-LOW"])])
"""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any, Iterator, Sequence

import pytest
from sqlalchemy.orm import Session

from tests import factories

from audit_app.models import (AuditOutcome, Collectorate, DeclarationItem, Directorate, RiskModel,
                              RiskRun, RiskScore)

Score = tuple[DeclarationItem, float, Any, Sequence[str], Sequence[str]]


@pytest.fixture(autouse=True)
def own_factory_serials(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Import into a test module to make it autouse there. The factories number GDs and pick
    default goods from one process-wide counter, and some tests lean on the defaults that
    counter happens to give (e.g. an invoice currency); the risk tests draw from a counter of
    their own, so adding them never shifts another test's data."""
    monkeypatch.setattr(factories, "_serial", itertools.count(700_001))
    yield


def make_formations(session: Session) -> None:
    """Two directorates: PCA-S audits KAPW and KAPE (Karachi), PCA-C audits LAHD (Lahore)."""
    session.add_all([Directorate(code="PCA-S", name="PCA South", city="Karachi"),
                     Directorate(code="PCA-C", name="PCA Central", city="Lahore")])
    session.flush()
    session.add_all([Collectorate(code="KAPW", name="Appraisement West", directorate_code="PCA-S"),
                     Collectorate(code="KAPE", name="Appraisement East", directorate_code="PCA-S"),
                     Collectorate(code="LAHD", name="Lahore Dry Port", directorate_code="PCA-C")])
    session.flush()


def make_model(session: Session, version: str = "gbm-2025-06", trained_to: dt.date | None = None
               ) -> RiskModel:
    model = RiskModel(version=version, algorithm="lightgbm", artifact=b"-", sha256="0" * 64,
                      created_by="test", trained_from=dt.date(2023, 1, 1), trained_to=trained_to)
    session.add(model)
    session.flush()
    return model


def make_score_run(session: Session, scores: Sequence[Score], model: RiskModel | None = None,
                   started_at: dt.datetime | None = None) -> RiskRun:
    """A finished scoring run holding (item, probability, expected short levy, reasons, rules)."""
    run = RiskRun(kind="score", model_id=model.id if model else None, created_by="test",
                  items_scored=len(scores), period_from=dt.date(2025, 1, 1),
                  period_to=dt.date(2025, 6, 30),
                  started_at=started_at or dt.datetime(2025, 7, 1, tzinfo=dt.timezone.utc),
                  finished_at=started_at or dt.datetime(2025, 7, 1, 0, 5, tzinfo=dt.timezone.utc))
    session.add(run)
    session.flush()
    session.add_all([RiskScore(run_id=run.id, item_id=item.id, probability=p,
                               rule_score=0.5 if rules else 0.0,
                               expected_short_levy_pkr=Decimal(expected),
                               duty_at_stake_pkr=Decimal(expected) * 2,
                               reasons=list(reasons), rules_hit=list(rules))
                     for item, p, expected, reasons, rules in scores])
    session.flush()
    return run


def audit(session: Session, item: DeclarationItem, finding: str = "NONE",
          short_levy: Any = 0, day: dt.date = dt.date(2025, 9, 1)) -> AuditOutcome:
    outcome = AuditOutcome(item_id=item.id, audit_date=day, finding=finding,
                           short_levy_pkr=Decimal(short_levy), row_hash="-")
    session.add(outcome)
    session.flush()
    return outcome
