"""Monitoring figures against hand-computed ones: per rule, per model version, random against
risk-selected audits, and the population stability index of the scores."""
from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy import select

from audit_app.models import AuditProposal, AuditProposalItem, RiskMonitor, RiskRun
from audit_app.risk.monitoring import latest_figures, psi, psi_label, rule_hit_counts, run_monitoring
from tests.factories import make_declaration, make_importer
from tests.risk.riskdata import audit, make_model, make_score_run
from tests.risk.riskdata import own_factory_serials  # noqa: F401  (autouse)


def test_psi_by_hand() -> None:
    expected = np.arange(1, 11, dtype=float)  # deciles put one value in each of ten bins
    actual = np.array([1, 1, 1, 1, 1, 2, 3, 4, 5, 6], dtype=float)
    value, details = psi(expected, actual)
    assert details["expected_share"] == [0.1] * 10
    assert details["actual_share"] == [0.5, 0.1, 0.1, 0.1, 0.1, 0.1, 0, 0, 0, 0]
    by_hand = 0.4 * math.log(5) + 4 * (1e-4 - 0.1) * math.log(1e-4 / 0.1)
    assert value == pytest.approx(by_hand)
    assert psi(expected, expected)[0] == pytest.approx(0.0)


def test_psi_with_repeated_scores_merges_bins_and_ignores_missing() -> None:
    value, details = psi(np.array([0.1] * 8 + [0.9, 0.9]), np.array([0.1] * 5 + [0.9] * 5 + [np.nan]))
    # Deciles 0.1 (x8), 0.26 (between the eighth and ninth values) and 0.9 (x1).
    assert details["edges"] == [0.1, 0.26, 0.9]
    assert details["expected_share"] == [0.8, 0.0, 0.2, 0.0]
    assert details["actual_share"] == [0.5, 0.0, 0.5, 0.0]
    by_hand = (0.5 - 0.8) * math.log(0.5 / 0.8) + (0.5 - 0.2) * math.log(0.5 / 0.2)
    assert value == pytest.approx(by_hand)
    with pytest.raises(ValueError):
        psi(np.array([]), np.array([1.0]))


@pytest.mark.parametrize("value, label", [(0.05, "stable"), (0.1, "moderate shift"),
                                          (0.3, "major shift"), (None, "")])
def test_psi_reading(value: float | None, label: str) -> None:
    assert psi_label(value) == label


@pytest.fixture
def history(session):  # type: ignore[no-untyped-def]
    """Six items scored twice (rules only, then model M trained to 2025-03-31), four audited,
    and three proposals (risk approved, random proposed, risk rejected)."""
    importers = [make_importer(session, ntn=f"900000{n}-1") for n in range(6)]
    items = []
    for n, day in enumerate([dt.date(2025, 2, 1)] + [dt.date(2025, 5, 1)] * 5):
        items += make_declaration(session, importer=importers[n], gd_date=day).items
    i1, i2, i3, i4, i5, i6 = items
    model = make_model(session, "gbm-v2", trained_to=dt.date(2025, 3, 31))
    make_score_run(session, [(i1, 0.6, 1000, [], ["A"]), (i2, 0.5, 0, [], ["A", "B"]),
                             (i3, 0.1, 0, [], []), (i4, 0.4, 0, [], ["B"]),
                             (i5, 0.3, 0, [], ["A"]), (i6, 0.05, 0, [], [])],
                   started_at=dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc))
    make_score_run(session, [(i1, 0.9, 1000, [], ["A", "C"]), (i2, 0.2, 0, [], ["B"]),
                             (i3, 0.7, 0, [], ["C"]), (i4, 0.3, 0, [], [])], model=model,
                   started_at=dt.datetime(2025, 7, 1, tzinfo=dt.timezone.utc))
    audit(session, i1, "UNDERVALUATION", 100_000, dt.date(2025, 8, 1))
    audit(session, i2, "NONE", 0, dt.date(2025, 8, 15))
    audit(session, i3, "ORIGIN", 50_000, dt.date(2025, 9, 1))
    audit(session, i5, "NONE", 0, dt.date(2025, 9, 30))
    select_run = RiskRun(kind="select", created_by="test")
    session.add(select_run)
    session.flush()
    for importer, basis, status, members in ((importers[0], "risk", "approved", [i1, i2]),
                                             (importers[4], "random", "proposed", [i5, i6]),
                                             (importers[2], "risk", "rejected", [i3])):
        session.add(AuditProposal(
            run_id=select_run.id, importer_id=importer.id, basis=basis, status=status,
            expected_short_levy_pkr=Decimal(0), items_count=len(members), reason="test",
            created_by="test", items=[AuditProposalItem(item_id=i.id, expected_short_levy_pkr=0)
                                      for i in members]))
    session.flush()
    return items


def by_key(rows: list[RiskMonitor], subject_type: str) -> dict[str, RiskMonitor]:
    return {r.subject_key: r for r in rows if r.subject_type == subject_type}


def figures(row: RiskMonitor) -> tuple[int, int, int, Decimal]:
    return row.selected, row.audited, row.hits, Decimal(row.yield_pkr)


def test_hit_rate_and_yield_per_rule(session, history) -> None:  # type: ignore[no-untyped-def]
    rules = by_key(run_monitoring(session), "rule")
    # Audited items with their latest score: i1 [A, C] found 100,000; i2 [B] nothing;
    # i3 [C] found 50,000; i5 [A] (first run only) nothing. Selected = hits in the latest run.
    assert figures(rules["A"]) == (1, 2, 1, Decimal(100_000))
    assert figures(rules["B"]) == (1, 1, 0, Decimal(0))
    assert figures(rules["C"]) == (2, 2, 2, Decimal(150_000))
    assert rules["C"].details["hit_rate"] == 1.0 and rules["C"].details["baseline_hit_rate"] == 0.5
    assert rules["C"].details["yield_per_audit_pkr"] == "75000"
    assert (rules["A"].period_from, rules["A"].period_to) == (dt.date(2025, 8, 1),
                                                             dt.date(2025, 9, 30))


def test_rule_hits_are_counted_in_the_database(session, history) -> None:  # type: ignore[no-untyped-def]
    first, second = sorted(session.scalars(select(RiskRun.id).where(RiskRun.kind == "score")))
    assert rule_hit_counts(session, first) == {"A": 3, "B": 2}
    assert rule_hit_counts(session, second) == {"A": 1, "B": 1, "C": 2}


def test_hit_rate_and_yield_per_model_version(session, history) -> None:  # type: ignore[no-untyped-def]
    models = by_key(run_monitoring(session), "model")
    assert figures(models["gbm-v2"]) == (4, 3, 2, Decimal(150_000))
    assert models["gbm-v2"].details["mean_probability"] == pytest.approx((0.9 + 0.2 + 0.7) / 3)
    # Out of sample: cleared after the training window (i2, i3), the honest figure.
    assert models["gbm-v2"].details["out_of_sample"] == {
        "audited": 2, "hits": 1, "yield_pkr": "50000.00", "hit_rate": 0.5, "after": "2025-03-31"}
    assert figures(models["rules only"]) == (6, 4, 2, Decimal(150_000))


def test_random_against_risk_selected_audits(session, history) -> None:  # type: ignore[no-untyped-def]
    selection = by_key(run_monitoring(session), "selection")
    assert figures(selection["risk"]) == (1, 2, 1, Decimal(100_000))  # the rejected one is out
    assert selection["risk"].details["audits_with_finding"] == 1
    assert figures(selection["random"]) == (1, 1, 0, Decimal(0))
    assert selection["random"].details["audit_hit_rate"] == 0.0


def test_drift_between_consecutive_runs_is_stored_once(session, history) -> None:  # type: ignore[no-untyped-def]
    rows = run_monitoring(session)
    drift = [r for r in rows if r.subject_type == "scores"]
    assert len(drift) == 1
    expected, _ = psi(np.array([0.6, 0.5, 0.1, 0.4, 0.3, 0.05]), np.array([0.9, 0.2, 0.7, 0.3]))
    assert drift[0].drift_psi == pytest.approx(expected)
    assert drift[0].selected == 4 and drift[0].details["label"] == psi_label(expected)
    again = run_monitoring(session)
    assert not [r for r in again if r.subject_type == "scores"]
    latest = latest_figures(session)
    assert {r.subject_key for r in latest["rule"]} == {"A", "B", "C"}
    assert all(r.computed_at == again[0].computed_at for r in latest["rule"])
    assert len(latest["scores"]) == 1


def test_a_window_of_audit_dates(session, history) -> None:  # type: ignore[no-untyped-def]
    rules = by_key(run_monitoring(session, dt.date(2025, 8, 10), dt.date(2025, 9, 10)), "rule")
    assert figures(rules["C"]) == (2, 1, 1, Decimal(50_000))  # i3 only
    assert rules["C"].period_from == dt.date(2025, 8, 10)


def test_nothing_to_monitor_yet(session) -> None:  # type: ignore[no-untyped-def]
    rows = run_monitoring(session)
    assert [(r.subject_type, r.subject_key, r.audited) for r in rows] == [
        ("selection", "risk", 0), ("selection", "random", 0)]


def test_console_monitor(runner, session, history) -> None:  # type: ignore[no-untyped-def]
    session.commit()
    out = runner.invoke(args=["risk", "monitor"])
    assert out.exit_code == 0, out.output
    assert "monitoring rows stored" in out.output
    assert "rule      C" in out.output and "drift  run" in out.output
