"""Scoring runs: cold start, revenue-aware ranking, stored scores, the CSV, reasons."""
from __future__ import annotations

import csv
import datetime as dt
import json

import numpy as np
import pytest
from sqlalchemy import func, select

from audit_app.errors import ValidationFailed
from audit_app.models import RiskRun, RiskScore
from audit_app.risk import explain, scoring
from audit_app.risk.model_store import train
from audit_app.risk.rule_service import install_starter
from audit_app.risk.scoring import latest_score, score_period

from .scoringdata import generated_files, ground_truth, import_generated


def test_cold_start_ranks_planted_fraud_above_honest_items(session, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    files = generated_files(tmp_path_factory)
    import_generated(session, files, outcomes=False)
    scored = score_period(session, None, None, "analyst", store=False)
    assert scored.model is None
    truth = ground_truth(files)
    keys = set(zip(truth["gd_number"], truth["item_no"]))
    fraud = np.asarray([k in keys for k in zip(scored.frame["gd_number"], scored.frame["item_no"])])
    assert 100 < fraud.sum() < len(fraud) / 2
    p = scored.probability
    assert p.min() >= 0 and p.max() <= 1
    assert p[fraud].mean() > 3 * p[~fraud].mean()
    rank = np.empty(len(p))
    rank[scored.order] = np.arange(len(p))
    assert np.median(rank[fraud]) < 0.3 * len(p)  # fraud sits in the top third, honest not
    top = scored.order[: len(p) // 20]
    assert fraud[top].mean() > 4 * fraud.mean()


def test_the_run_is_stored_with_one_score_per_item(session, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    import_generated(session, generated_files(tmp_path_factory))
    install_starter(session)
    train(session, None, "analyst", activate=True)
    scored = score_period(session, dt.date(2025, 1, 1), dt.date(2025, 3, 31), "analyst")
    session.commit()
    run = session.get(RiskRun, scored.run.id)
    assert run.kind == "score" and run.model_id == scored.model.id
    assert run.rule_set_id is not None and run.items_scored == len(scored.frame) > 0
    assert (run.period_from, run.period_to) == (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    assert run.finished_at is not None and run.parameters["method"] == "model"
    count = session.scalar(select(func.count()).select_from(RiskScore)
                           .where(RiskScore.run_id == run.id))
    assert count == len(scored.frame)
    best = scored.order[0]
    stored = latest_score(session, int(scored.frame["item_id"].iloc[best]))
    assert stored.probability == pytest.approx(scored.probability[best])
    assert float(stored.expected_short_levy_pkr) == pytest.approx(
        round(scored.expected[best]), abs=0.01)
    assert stored.reasons == scored.reasons[best] and stored.reasons
    # Expected short levy is probability x duty at stake, never negative.
    stake = scored.frame["duty_at_stake_pkr"].to_numpy()
    assert (stake >= 0).all()
    assert np.allclose(scored.expected, scored.probability * stake)


def test_ranking_is_by_expected_recovery_with_a_total_order() -> None:
    expected = np.asarray([10.0, 50.0, 50.0, 0.0, 50.0])
    probability = np.asarray([0.9, 0.1, 0.5, 0.99, 0.5])
    item_id = np.asarray([1, 2, 3, 4, 5])
    assert scoring.rank(expected, probability, item_id).tolist() == [2, 4, 1, 0, 3]


def test_score_command_writes_the_ranking_csv(app, runner, tmp_path, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        from audit_app.db import get_session
        session = get_session()
        import_generated(session, generated_files(tmp_path_factory))
        install_starter(session)
        session.commit()
    out = tmp_path / "scores.csv"
    result = runner.invoke(args=["risk", "score", "--from", "2025-04-01", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "cold start" in result.output
    with open(out, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["gd_number", "item_no", "score", "expected_short_levy_pkr", "reasons"]
    body = rows[1:]
    assert len(body) > 50
    expected = [int(r[3]) for r in body]
    assert expected == sorted(expected, reverse=True)
    assert all(0 <= float(r[2]) <= 1 for r in body)
    assert " | " in body[0][4] or body[0][4]  # the top item says why
    with app.app_context():
        from audit_app.db import get_session
        run = get_session().scalar(select(RiskRun))
        assert run.items_scored == len(body) and run.model_id is None


def test_reasons_quote_the_numbers_and_skip_what_a_rule_said() -> None:
    import pandas as pd
    frame = pd.DataFrame([{
        "unit_value_ratio": 0.38, "unit_value_pkr": 152.0, "unit": "U", "hs_code": "85044090",
        "origin_country": "CN", "heading": "8504", "ref_level": "hs_origin", "ref_count": 412,
        "importer_audits": 9, "_importer_hits": 7,
    }])
    topics = ["importer_history", "price"]
    push = np.asarray([[0.2, 0.5]])
    out = explain.feature_reasons(frame, topics, push)
    assert out == [["Unit value 62% below the median of 412 earlier imports of 85044090 from CN",
                    "Importer's earlier audits found short levy in 7 of 9"]]
    covered = explain.covered_topics(topics, ["UV-LOW"], np.asarray([[True]]),
                                     {"UV-LOW": frozenset({"unit_value_ratio"})})
    assert explain.feature_reasons(frame, topics, push, covered) == [
        ["Importer's earlier audits found short levy in 7 of 9"]]
    assert json.dumps(out)  # stored as JSON


def test_scoring_an_empty_period_stores_an_empty_run(session, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    import_generated(session, generated_files(tmp_path_factory))
    scored = score_period(session, dt.date(2020, 1, 1), dt.date(2020, 1, 31), "analyst")
    session.commit()
    assert len(scored.frame) == 0 and scored.run.items_scored == 0
    assert list(scoring.ranked_table(scored).columns) == list(scoring.CSV_COLUMNS)
    with pytest.raises(ValidationFailed, match="starts .* after it ends"):
        score_period(session, dt.date(2025, 2, 1), dt.date(2025, 1, 1), "analyst")


def test_reasons_with_quotes_and_backslashes_are_stored_intact(session, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    import_generated(session, generated_files(tmp_path_factory), outcomes=False)
    scored = score_period(session, dt.date(2025, 6, 1), None, "analyst", store=False)
    tricky = ['Described as "SPLIT AC" \\ model\tA/B, 20% (Rs 1,000)', "Ünïcode … ok"]
    scored.reasons[0] = tricky
    run = scoring.store_run(session, scored, None, None, "analyst", scoring.utcnow())
    session.commit()
    stored = session.scalar(select(RiskScore).where(
        RiskScore.run_id == run.id, RiskScore.item_id == int(scored.frame["item_id"].iloc[0])))
    assert stored.reasons == tricky
