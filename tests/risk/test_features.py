"""The feature frame: reference prices, weights, description fit, duty, and no look-ahead."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from audit_app.models import (AuditOutcome, Declaration, DeclarationItem, PreferentialRate,
                              TariffRate)
from audit_app.risk.features import build_frame
from audit_app.risk.features_duty import levies
from audit_app.risk.schema import FEATURES
from audit_app.services.duty import Rates, apply_preference, compute_duties, levy_tuple

from .scoringdata import generated_files, hand_made, import_generated, item

JUNE, JULY = dt.date(2025, 6, 10), dt.date(2025, 7, 15)


def history(code: str, description: str, unit_value: int, n: int, day: dt.date,
            origin: str = "CN", kg: float = 2.0, prefix: str = "H") -> list[dict]:
    return [item(f"{prefix}-{code}-{origin}-{i}", day, code, description, 10, unit_value * 10,
                 origin=origin, weight=kg * 10, importer=f"99{i % 3}") for i in range(n)]


def test_the_frame_has_every_column_of_the_contract(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    hand_made(session, tmp_path, history("85044090", "SOLAR INVERTER 5KW", 400, 3, JUNE))
    frame = build_frame(session)
    assert set(FEATURES) <= set(frame.columns)
    assert len(frame) == 3


def test_unit_value_is_compared_with_the_median_of_earlier_imports(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = (history("85044090", "SOLAR INVERTER 5KW", 400, 6, JUNE)
            # same month as the item: not "earlier" for the reference, which ends at July 1
            + history("85044090", "SOLAR INVERTER 5KW", 10, 6, JULY, prefix="S")
            + [item("GD-LOW", JULY, "85044090", "SOLAR INVERTER 5KW", 10, 1520, weight=60)])
    hand_made(session, tmp_path, rows)
    frame = build_frame(session, JULY, JULY).set_index("gd_number")
    low = frame.loc["GD-LOW"]
    assert low["ref_level"] == "hs_origin" and low["ref_count"] == 6
    assert low["ref_unit_value_pkr"] == pytest.approx(400, rel=0.02)
    assert low["unit_value_ratio"] == pytest.approx(152 / 400, rel=0.02)
    assert low["unit_value_z"] < -3
    assert low["weight_ratio"] == pytest.approx(3.0, rel=0.02)  # 6 kg per unit against 2
    assert low["duty_at_stake_pkr"] > 0


def test_the_reference_falls_back_to_the_code_when_the_origin_is_thin(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = (history("85044090", "SOLAR INVERTER 5KW", 400, 3, JUNE)
            + history("85044090", "SOLAR INVERTER 5KW", 500, 4, JUNE, origin="DE")
            + [item("GD-1", JULY, "85044090", "SOLAR INVERTER 5KW", 10, 4000)])
    hand_made(session, tmp_path, rows)
    row = build_frame(session, JULY, JULY).iloc[0]
    assert row["ref_level"] == "hs" and row["ref_count"] == 7
    assert row["ref_unit_value_pkr"] == pytest.approx(500, rel=0.02)


def test_no_reference_without_earlier_imports(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    hand_made(session, tmp_path, [item("GD-1", JULY, "85044090", "INVERTER", 10, 4000)])
    row = build_frame(session).iloc[0]
    assert row["ref_level"] == "none" and row["ref_count"] == 0
    assert np.isnan(row["unit_value_ratio"])
    assert row["importer_items_before"] == 0 and row["importer_audits"] == 0


def test_a_description_that_fits_a_dearer_heading_is_flagged(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = (history("84151010", "SPLIT AIR CONDITIONER 1.5 TON INVERTER", 900, 8, JUNE)
            + history("84159000", "PARTS OF AIR CONDITIONERS (COMPRESSORS)", 90, 8, JUNE,
                      prefix="P")
            + [item("GD-MIS", JULY, "84159000", "SPLIT AIR CONDITIONER 1.5 TON, BRAND GREE", 10,
                    9000),
               item("GD-OK", JULY, "84159000", "PARTS OF AIR CONDITIONERS", 10, 900)])
    hand_made(session, tmp_path, rows)
    frame = build_frame(session, JULY, JULY).set_index("gd_number")
    mis, ok = frame.loc["GD-MIS"], frame.loc["GD-OK"]
    assert mis["desc_best_code"] == "84151010" and mis["desc_better_heading"]
    assert mis["desc_fit_best"] > mis["desc_fit_declared"] + 0.15
    assert mis["duty_rate_gap"] == pytest.approx((20 + 15 + 7) - (5 + 0 + 2))
    assert ok["desc_best_code"] == "84159000" and not ok["desc_better_heading"]
    assert ok["duty_rate_gap"] == 0
    # At stake: the item's duty at the better-fitting code's rates, less what was paid.
    due = compute_duties(Decimal(9000), Rates.from_percentages(
        cd=20, rd=15, acd=7, st=18, ast=3, it="5.5"))
    paid = compute_duties(Decimal(9000), Rates.from_percentages(
        cd=5, rd=0, acd=2, st=18, ast=0, it="5.5"))
    short = sum(max(d - p, 0) for d, p in zip(due, paid))
    assert mis["duty_at_stake_pkr"] == pytest.approx(float(short))
    assert mis["_stake_kind"] == "MISCLASSIFICATION"


def test_x_attributes_become_columns_and_model_inputs(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from audit_app.risk.model import feature_lists
    from audit_app.risk.rule_hits import NoRules
    rows = [item(f"GD-{i}", JULY, "39011000", "LDPE GRANULES", 100, 50000, unit="KG")
            | {"x_container": ("20FT", "40FT", "")[i % 3], "x_declared_by_shipper_kg": str(i)}
            for i in range(6)]
    hand_made(session, tmp_path, rows)
    frame = build_frame(session)
    assert frame["x_container"].tolist() == ["20FT", "40FT", ""] * 2
    assert frame["x_declared_by_shipper_kg"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    features, categorical = feature_lists(frame, NoRules(len(frame)))
    assert "x_declared_by_shipper_kg" in features and "x_container" in categorical


def test_an_empty_period_gives_an_empty_frame(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert len(build_frame(session)) == 0  # no declarations at all
    hand_made(session, tmp_path, [item("GD-1", JULY, "39011000", "LDPE", 10, 500, unit="KG")])
    frame = build_frame(session, dt.date(2020, 1, 1), dt.date(2020, 1, 31))
    assert len(frame) == 0 and set(FEATURES) <= set(frame.columns)


def test_trader_history_counts_only_what_was_known_before(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    day = dt.date(2025, 3, 3)
    rows = [item(f"GD-{i}", day + dt.timedelta(days=i), "39011000", "LDPE GRANULES", 100, 50000,
                 unit="KG", weight=105, importer="7777777-1") for i in range(6)]
    outcomes = [("GD-0", 1, day + dt.timedelta(days=2), "UNDERVALUATION", 5000),
                ("GD-1", 1, day + dt.timedelta(days=30), "NONE", 0)]
    hand_made(session, tmp_path, rows, outcomes)
    frame = build_frame(session).set_index("gd_number")
    assert list(frame["importer_items_before"]) == [0, 1, 2, 3, 4, 5]
    # GD-0's audit became final on day 2: items cleared from day 3 see it, earlier ones do not.
    assert list(frame["importer_audits"]) == [0, 0, 0, 1, 1, 1]
    assert frame.loc["GD-3", "importer_chapter_share"] == 1.0
    assert frame.loc["GD-0", "importer_hit_rate"] != frame.loc["GD-0", "importer_hit_rate"]  # NaN


@settings(max_examples=300, deadline=None)
@given(value=st.integers(0, 10**13), cents=st.integers(0, 99),
       rates=st.lists(st.sampled_from(["0", "3", "5.5", "11", "17.5", "20", "35", "0.0001",
                                       "12.3456", "100"]), min_size=6, max_size=6))
def test_the_vectorised_formula_agrees_with_compute_duties(value, cents, rates) -> None:  # type: ignore[no-untyped-def]
    decimal_rates = Rates(*(Decimal(r) for r in rates))
    v = Decimal(value) + Decimal(cents) / 100
    expected = [int(x) for x in levy_tuple(v, decimal_rates)]
    got = levies(np.asarray([value * 100 + cents]),
                 np.asarray([[int(Decimal(r) * 10_000) for r in rates]]))
    assert list(got[0]) == expected


def test_expected_duty_agrees_with_compute_duties_on_demo_items(session, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    files = generated_files(tmp_path_factory)
    import_generated(session, files, outcomes=False)
    frame = build_frame(session)
    sample = frame[frame["sro_ref"] == ""].sample(300, random_state=1)
    tariff = {(t.hs_code, t.valid_from): t for t in session.scalars(select(TariffRate))}
    prefs = {(p.fta_code, p.origin_country, p.hs_code, p.valid_from): p.cd_rate
             for p in session.scalars(select(PreferentialRate))}
    for row in sample.itertuples():
        day = row.gd_date.date()
        valid = max(v for (c, v) in tariff if c == row.hs_code and v <= day)
        t = tariff[(row.hs_code, valid)]
        rates = Rates(t.cd_rate, t.rd_rate, t.acd_rate, t.st_rate, t.ast_rate, t.it_rate)
        pref = [(v, r) for (f, o, c, v), r in prefs.items()
                if (f, o, c) == (row.fta_code, row.origin_country, row.hs_code) and v <= day]
        if pref:
            rates = apply_preference(rates, max(pref)[1])
        due = compute_duties(Decimal(str(row.assessed_value_pkr)), rates)
        assert row.expected_duty_pkr == float(due.total)
        # The demo pays exactly the formula, so paid equals expected without a concession.
        assert row.duty_paid_ratio == pytest.approx(1.0)


def test_features_never_look_ahead(session, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    """Changing later prices, weights, descriptions and outcomes leaves earlier items alone."""
    files = generated_files(tmp_path_factory)
    import_generated(session, files)
    cut = dt.date(2024, 9, 17)
    before = build_frame(session)
    # Ids first: an UPDATE ... IN (subquery) on tables just filled can get a very bad plan.
    later_items = session.scalars(select(DeclarationItem.id).join(Declaration)
                                  .where(Declaration.gd_date >= cut)).all()
    session.execute(update(DeclarationItem).where(DeclarationItem.id.in_(later_items)).values(
        assessed_value_pkr=DeclarationItem.assessed_value_pkr / 3,
        gross_weight_kg=DeclarationItem.gross_weight_kg * 4,
        description="SPLIT AIR CONDITIONER"))
    session.execute(update(AuditOutcome).where(AuditOutcome.audit_date >= cut).values(
        finding="UNDERVALUATION"))
    audited = set(session.scalars(select(AuditOutcome.item_id)))
    session.add_all(AuditOutcome(item_id=i, audit_date=cut, finding="NONE", short_levy_pkr=0,
                                 row_hash="-") for i in later_items[:40] if i not in audited)
    session.commit()
    after = build_frame(session)
    earlier = before["gd_date"] < pd.Timestamp(cut)
    assert 500 < earlier.sum() < len(before)
    a = before[earlier].reset_index(drop=True)
    b = after[after["gd_date"] < pd.Timestamp(cut)].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    # ... while later items did change.
    assert not before[~earlier]["unit_value_ratio"].reset_index(drop=True).equals(
        after[after["gd_date"] >= pd.Timestamp(cut)]["unit_value_ratio"].reset_index(drop=True))


def test_a_period_sees_the_same_features_as_the_whole(session, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    files = generated_files(tmp_path_factory)
    import_generated(session, files, outcomes=True)
    whole = build_frame(session).set_index("item_id")
    part = build_frame(session, dt.date(2024, 11, 1), dt.date(2025, 1, 31)).set_index("item_id")
    assert len(part) > 100
    pd.testing.assert_frame_equal(whole.loc[part.index], part)
