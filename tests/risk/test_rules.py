"""Rule sets applied to a feature frame: validity dates, the combined score, reasons in order,
and the starter set against each fraud pattern. Frames are built by hand from schema columns."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from audit_app.risk import schema
from audit_app.risk.rule_service import install_starter
from audit_app.risk.rules import (RuleResult, RuleSetInvalid, compile_rules, evaluate_active_rules,
                                  evaluate_rules)
from audit_app.risk.starter_rules import STARTER_RULES


def rule(code: str, condition: str, weight: str = "0.5", reason: str = "hit {ref_count}",
         valid_from: dt.date = dt.date(2020, 1, 1), valid_to: dt.date | None = None) -> Any:
    return SimpleNamespace(code=code, condition=condition, reason=reason, weight=Decimal(weight),
                           valid_from=valid_from, valid_to=valid_to)


def frame(**columns: Any) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {"gd_date": pd.to_datetime(["2025-06-01"] * n)}
    return pd.DataFrame(base | columns)


def test_weights_combine_as_one_minus_the_product_of_misses() -> None:
    rules = compile_rules([rule("A", "ref_count > 10", "0.5"), rule("B", "ref_count > 20", "0.4"),
                           rule("C", "ref_count > 30", "1")])
    result = evaluate_rules(rules, frame(ref_count=[5, 15, 25, 35]))
    assert result.codes == ["A", "B", "C"]
    assert result.hits.tolist() == [[0, 0, 0], [1, 0, 0], [1, 1, 0], [1, 1, 1]]
    assert np.allclose(result.score, [0.0, 0.5, 1 - 0.5 * 0.6, 1.0])
    assert result.hit_counts() == {"A": 3, "B": 2, "C": 1}


def test_reasons_come_strongest_rule_first_with_each_rows_figures() -> None:
    rules = compile_rules([rule("A-LOW", "ref_count > 10", "0.2", "A saw {ref_count}"),
                           rule("B-HIGH", "ref_count > 20", "0.7", "B saw {ref_count:rupees}")])
    result = evaluate_rules(rules, frame(ref_count=[5, 15, 2500]))
    assert result.reasons == [[], ["A saw 15"], ["B saw Rs 2,500", "A saw 2,500"]]
    assert result.rules_hit() == [[], ["A-LOW"], ["B-HIGH", "A-LOW"]]


def test_only_rules_valid_on_the_items_clearance_date_count() -> None:
    rules = compile_rules([
        rule("OLD", "ref_count > 0", valid_from=dt.date(2024, 1, 1), valid_to=dt.date(2024, 12, 31)),
        rule("NEW", "ref_count > 0", valid_from=dt.date(2025, 1, 1)),
        rule("DAY", "ref_count > 0", valid_from=dt.date(2025, 3, 1), valid_to=dt.date(2025, 3, 1))])
    dates = pd.to_datetime(["2023-12-31", "2024-01-01", "2024-12-31", "2025-01-01",
                            "2025-03-01", None])
    result = evaluate_rules(rules, frame(ref_count=[1] * 6, gd_date=dates), on=dt.date(2025, 3, 1))
    assert result.hits.astype(int).tolist() == [[0, 0, 0], [1, 0, 0], [1, 0, 0], [0, 1, 0],
                                                [0, 1, 1], [0, 1, 1]]  # no date: `on` stands in
    assert result.reasons[0] == [] and result.score[0] == 0.0


def test_a_frame_of_any_length_even_empty() -> None:
    rules = compile_rules([rule("A", "ref_count > 10")])
    result = evaluate_rules(rules, frame(ref_count=pd.Series([], dtype=float)))
    assert result.hits.shape == (0, 1) and result.score.shape == (0,) and result.reasons == []


def test_no_active_rule_set_gives_an_empty_result(session) -> None:  # type: ignore[no-untyped-def]
    result = evaluate_active_rules(session, frame(ref_count=[1, 2]))
    assert result.rule_set_id is None and result.codes == []
    assert result.hits.shape == (2, 0) and result.score.tolist() == [0.0, 0.0]
    assert result.reasons == [[], []]


def test_compile_errors_name_every_broken_rule() -> None:
    with pytest.raises(RuleSetInvalid) as caught:
        compile_rules([rule("OK", "ref_count > 1"), rule("BAD-1", "ref_count >"),
                       rule("BAD-2", "ref_count > 1", reason="{nope}")], version=4)
    assert caught.value.message == "Rule set version 4 has 2 rule error(s); nothing was changed."
    assert [(d["code"], d["field"]) for d in caught.value.details] == [
        ("BAD-1", "condition"), ("BAD-2", "reason")]


# --------------------------------------------------------------------------- the starter set

def typical(n: int = 1) -> dict[str, Any]:
    """An unremarkable item: every schema column with a value that hits no starter rule."""
    row: dict[str, Any] = {
        "item_id": 1, "gd_number": "KAPW-HC-1", "item_no": 1, "gd_date": pd.Timestamp("2025-06-01"),
        "collectorate": "KAPW", "directorate": "PCA-S", "channel": "GREEN", "importer_id": 7,
        "importer_ntn": "1234567-8", "agent_code": "CHAL-0042", "hs_code": "85044090",
        "chapter": "85", "heading": "8504", "description": "UPS 1 kVA", "origin_country": "CN",
        "export_country": "CN", "quantity": 100.0, "unit": "U", "gross_weight_kg": 1200.0,
        "currency": "USD", "declared_value_pkr": 2_000_000.0, "assessed_value_pkr": 2_000_000.0,
        "duty_paid_pkr": 900_000.0, "sro_ref": "", "fta_code": "", "unit_value_pkr": 20_000.0,
        "ref_unit_value_pkr": 21_000.0, "ref_count": 412, "ref_level": "hs_origin",
        "unit_value_ratio": 0.95, "unit_value_z": -0.2, "kg_per_unit": 12.0,
        "ref_kg_per_unit": 11.5, "weight_ratio": 1.04, "desc_best_code": "85044090",
        "desc_fit_declared": 0.8, "desc_fit_best": 0.8, "desc_better_heading": False,
        "duty_rate_gap": 0.0, "fta_claimed": False, "fta_rate_exists": False,
        "shipped_via_third_country": False, "sro_claimed": False, "importer_chapter_share": 0.6,
        "importer_items_before": 240, "importer_audits": 2, "importer_hit_rate": 0.1,
        "agent_audits": 8, "agent_hit_rate": 0.1, "expected_duty_pkr": 900_000.0,
        "duty_paid_ratio": 1.0, "duty_at_stake_pkr": 0.0}
    assert set(row) == set(schema.FEATURES)
    return row


PATTERNS = [  # (what the item looks like, the starter rule it must hit, words of its reason)
    ({"unit_value_ratio": 0.38}, "UV-LOW-ORIGIN",
     "Unit value 62% below the median of 412 earlier imports of 85044090 from CN"),
    ({"unit_value_ratio": 0.3, "ref_level": "hs", "ref_count": 35}, "UV-LOW-CODE",
     "Unit value 70% below the median of 35 earlier imports of 85044090 from all origins"),
    ({"desc_better_heading": True, "desc_best_code": "85176290", "duty_rate_gap": 15.0},
     "MC-BETTER-HEADING", "fits PCT 85176290 better than the declared 85044090, where duty is 15"),
    ({"fta_claimed": True, "fta_code": "CPFTA", "fta_rate_exists": False, "origin_country": "IN"},
     "OR-NO-PREF-RATE", "CPFTA preference claimed, but the agreement has no rate for 85044090 "
                        "from IN"),
    ({"fta_claimed": True, "fta_code": "CPFTA", "fta_rate_exists": True,
      "shipped_via_third_country": True, "export_country": "AE"}, "OR-THIRD-COUNTRY",
     "CPFTA preference claimed for goods of CN origin shipped from AE"),
    ({"sro_claimed": True, "sro_ref": "SRO 575(I)/2006", "importer_chapter_share": 0.02},
     "CN-OUTSIDE-LINE", "SRO 575(I)/2006 claimed on chapter 85 goods, only 2% of the importer's "
                        "240 earlier items"),
    ({"sro_claimed": True, "sro_ref": "SRO 565(I)/2006", "importer_items_before": 2,
      "importer_chapter_share": 0.5}, "CN-NEW-IMPORTER", "only 2 earlier items"),
    ({"weight_ratio": 1.83, "kg_per_unit": 21.0}, "QT-WEIGHT-HIGH",
     "Gross weight 21 kg per U, 83% above the usual 11.50 kg for 85044090"),
    ({"importer_hit_rate": 0.55, "importer_audits": 6}, "TH-IMPORTER",
     "found irregularities in 55% of 6 audited items"),
    ({"agent_hit_rate": 0.48, "agent_audits": 12}, "TH-AGENT",
     "cleared by agent CHAL-0042 found irregularities in 48% of 12 audited items"),
    ({"duty_paid_ratio": 0.6}, "DT-SHORT-PAID",
     "Duty paid 40% below the Rs 900,000 the tariff gives"),
    ({"unit_value_ratio": 4.1}, "OI-HIGH", "Unit value 310% above the median of 412"),
]


@pytest.mark.parametrize("changes, code, words", PATTERNS, ids=[p[1] for p in PATTERNS])
def test_the_starter_set_catches_each_fraud_pattern(changes: dict[str, Any], code: str,
                                                    words: str) -> None:
    rules = compile_rules([SimpleNamespace(**r) for r in STARTER_RULES])
    result = evaluate_rules(rules, pd.DataFrame([typical(), typical() | changes]))
    assert result.hits[0].sum() == 0, "the typical item hits nothing"
    hit = [c for c, h in zip(result.codes, result.hits[1]) if h]
    assert hit == [code]
    assert len(result.reasons[1]) == 1 and words in result.reasons[1][0]
    assert 0 < result.score[1] < 1


def test_the_starter_set_covers_every_fraud_kind_of_the_domain() -> None:
    kinds = {r["fraud_kind"] for r in STARTER_RULES}
    assert {"UNDERVALUATION", "MISCLASSIFICATION", "ORIGIN", "CONCESSION", "QUANTITY",
            "TRADER_HISTORY", "OVERINVOICING"} <= kinds
    assert len({r["code"] for r in STARTER_RULES}) == len(STARTER_RULES) == 12


def test_evaluate_active_rules_uses_the_active_set(session) -> None:  # type: ignore[no-untyped-def]
    installed = install_starter(session)
    session.commit()
    result = evaluate_active_rules(session, pd.DataFrame([typical(), typical() | PATTERNS[0][0]]))
    assert isinstance(result, RuleResult)
    assert result.rule_set_id == installed.id and result.version == 1
    assert result.codes == sorted(r["code"] for r in STARTER_RULES)
    assert result.hits.sum() == 1 and result.reasons[1][0].startswith("Unit value 62% below")
