"""`pca risk evaluate` on the system's own data: a chronological split of the audited items.

The audited items are split by clearance date at `cut` (default: so that the latest TEST_SHARE
of them are the test set). The model is fitted on the earlier items, using only outcomes made
final before the cut (what was known then), and ranks the later ones; the test outcomes are
read only for the figures. Every ranker sees the same test rows in the same process, so each
figure is read as a ratio to the naive ones:
- model: expected recovery (probability x duty at stake), the system's own ranking;
- model_probability: the probability alone (what a revenue-blind model would do);
- cold_start: the unsupervised blend, ranked by expected recovery (no labels used);
- random, highest_value, lowest_unit_value: metrics.py's naive rankers.
precision@n% is the share of the top n% with a finding; revenue@n% the share of the test set's
total short levy that the top n% holds.
"""
from __future__ import annotations

import datetime as dt
import time
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import AuditOutcome
from . import coldstart, metrics
from .model import FRACTIONS, fit, ranking_metrics
from .model_store import TrainingDataError, labels_until, training_frame
from .scoring import rank, rules_subset

TEST_SHARE = 0.3


def _audit_days(session: Session, item_ids: np.ndarray) -> pd.Series:
    rows = session.execute(select(AuditOutcome.item_id, AuditOutcome.audit_date)).all()
    days = pd.Series({i: (d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)))
                      for i, d in rows})
    return days.reindex(item_ids)


def evaluate_own(session: Session, cut: dt.date | None = None, seed: int = 0) -> dict[str, Any]:
    started = time.perf_counter()
    labels = labels_until(session, None)
    frame, rules, hit, short_levy = training_frame(session, labels, None)
    clearance = frame["gd_date"].to_numpy("datetime64[D]")
    if cut is None:
        cut = np.quantile(clearance.astype(np.int64), 1 - TEST_SHARE,
                          method="higher").astype("datetime64[D]").astype(dt.date)
    cut_day = np.datetime64(cut, "D")
    audited = _audit_days(session, frame["item_id"].to_numpy())
    known = np.asarray([d < cut for d in audited.tolist()])
    train = (clearance < cut_day) & known
    test = clearance >= cut_day
    if not (0 < hit[train].sum() < train.sum()):
        raise TrainingDataError(f"Before {cut} the audited items do not include both outcomes "
                                "(with and without a finding): choose another --cut.")
    if test.sum() == 0:
        raise TrainingDataError(f"No audited items cleared on or after {cut}: choose an earlier "
                                "--cut.")
    fitted = fit(frame[train].reset_index(drop=True), rules_subset(rules, np.flatnonzero(train)),
                 hit[train], short_levy[train], seed=seed)
    test_rows = np.flatnonzero(test)
    x_test = frame.iloc[test_rows].reset_index(drop=True)
    test_rules = rules_subset(rules, test_rows)
    probability = fitted.predict(x_test, test_rules)
    stake = x_test["duty_at_stake_pkr"].to_numpy(np.float64)
    cold = coldstart.probability(coldstart.terms(x_test, test_rules.score))
    y, amounts = hit[test].astype(int), short_levy[test]
    value = x_test["declared_value_pkr"].to_numpy(np.float64)
    rankers = {
        "model": _order_scores(probability * stake, probability, x_test),
        "model_probability": probability,
        "cold_start": _order_scores(cold * stake, cold, x_test),
        "random": metrics.random_scores(len(y), seed),
        "highest_value": metrics.highest_value_scores(value),
        "lowest_unit_value": metrics.lowest_unit_value_scores(
            x_test["assessed_value_pkr"].to_numpy(np.float64),
            x_test["quantity"].to_numpy(np.float64)),
    }
    return {
        "dataset": "own",
        "cut": cut.isoformat(),
        "rows": {"train": int(train.sum()), "train_positives": int(hit[train].sum()),
                 "test": int(test.sum()), "test_positives": int(y.sum()),
                 "test_short_levy_pkr": round(float(amounts.sum()))},
        "fractions": list(FRACTIONS),
        "rankers": {name: _figures(y, amounts, s) for name, s in rankers.items()},
        "model": {"num_boost_round": fitted.params.get("num_boost_round"),
                  "validation": fitted.metrics.get("validation"),
                  "features": len(fitted.features)},
        "seconds": round(time.perf_counter() - started, 1),
    }


def _order_scores(expected: np.ndarray, probability: np.ndarray,
                  frame: pd.DataFrame) -> np.ndarray:
    """Scores whose ranking equals scoring.rank (ties: probability, then item id)."""
    order = rank(expected, probability, frame["item_id"].to_numpy())
    scores = np.empty(len(order))
    scores[order] = np.arange(len(order), 0, -1, dtype=np.float64)
    return scores


def _figures(labels: np.ndarray, amounts: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    out = ranking_metrics(labels, scores, amounts)
    return {k: v for k, v in out.items() if k.startswith(("precision", "revenue"))}
