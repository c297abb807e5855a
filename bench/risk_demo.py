"""Revenue on demo data with planted fraud: the model against ranking by highest value.

    .venv/bin/python bench/risk_demo.py [--items 200000] [--seed 3] [--cut 2025-01-01]

Generates (or reuses, under bench/out/) demo files, imports them into a temporary SQLite
database with the starter rules, trains a model on the outcomes made final before --cut
(`pca risk train --until`), and scores the items cleared from --cut on. ground_truth.csv (the
planted fraud and its true short levy; never imported) then gives, for each ranking of those
items, revenue@n% (share of the true short levy in the top n%) and precision@n% (share of the
top n% that is planted fraud). Required: model revenue@5% >= 2 x highest value's. Prints JSON.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from risk_scoring import demo_files, load_database  # noqa: E402

FRACTIONS = (0.01, 0.02, 0.05, 0.10)


def rankers(url: str, cut: dt.date) -> tuple[pd.DataFrame, dict[str, np.ndarray], dict]:
    from audit_app import create_app
    from audit_app.db import get_session
    from audit_app.risk import coldstart, metrics
    from audit_app.risk.scoring import rank, score_period

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context():
        session = get_session()
        started = time.perf_counter()
        scored = score_period(session, cut, None, "bench", store=False)
        seconds = time.perf_counter() - started
        frame = scored.frame
        model = {"version": scored.model.version, "rows_train": scored.model.rows_train,
                 "rows_positive": scored.model.rows_positive,
                 "trained_to": str(scored.model.trained_to),
                 "validation": (scored.model.metrics or {}).get("validation")}
    stake = frame["duty_at_stake_pkr"].to_numpy(np.float64)
    item_id = frame["item_id"].to_numpy()
    cold = coldstart.probability(coldstart.terms(frame, scored.rules.score))

    def by_rank(order: np.ndarray) -> np.ndarray:
        scores = np.empty(len(order))
        scores[order] = np.arange(len(order), 0, -1, dtype=np.float64)
        return scores

    scores = {
        "model": by_rank(scored.order),
        "model_probability": scored.probability,
        "cold_start": by_rank(rank(cold * stake, cold, item_id)),
        "highest_value": metrics.highest_value_scores(frame["declared_value_pkr"]),
        "lowest_unit_value": metrics.lowest_unit_value_scores(
            frame["assessed_value_pkr"], frame["quantity"]),
        "random": metrics.random_scores(len(frame), 0),
    }
    return frame, scores, {"model": model, "score_seconds": round(seconds, 1)}


def main() -> None:
    from audit_app.risk import metrics

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--cut", type=dt.date.fromisoformat, default=dt.date(2025, 1, 1))
    args = parser.parse_args()

    files = demo_files(args.items, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/demo.sqlite3"
        loading = load_database(url, files, (args.cut - dt.timedelta(days=1)).isoformat())
        frame, scores, info = rankers(url, args.cut)
    truth = pd.read_csv(files / "ground_truth.csv", dtype={"gd_number": str})
    keyed = frame[["gd_number", "item_no"]].merge(truth, how="left", on=["gd_number", "item_no"])
    amount = keyed["true_short_levy_pkr"].fillna(0).to_numpy(np.float64)
    fraud = keyed["fraud_kind"].notna().to_numpy()
    figures = {
        name: {**{f"revenue_at_{round(f * 100)}": round(metrics.revenue_at(amount, s, f), 4)
                  for f in FRACTIONS},
               **{f"precision_at_{round(f * 100)}": round(metrics.precision_at(fraud, s, f), 4)
                  for f in FRACTIONS}}
        for name, s in scores.items()}
    model_rev, value_rev = (figures["model"]["revenue_at_5"],
                            figures["highest_value"]["revenue_at_5"])
    print(json.dumps({
        "benchmark": "risk_demo", "items": args.items, "seed": args.seed,
        "cut": args.cut.isoformat(), "scored_items": len(frame),
        "planted_fraud_scored": int(fraud.sum()),
        "true_short_levy_scored_pkr": round(float(amount.sum())),
        "rankers": figures,
        "revenue_at_5_ratio_model_to_highest_value": round(model_rev / max(value_rev, 1e-12), 2),
        "required_revenue_at_5_ratio": 2.0, "required_met": model_rev >= 2 * value_rev,
        "load_seconds": loading, **info,
    }, indent=2))


if __name__ == "__main__":
    main()
