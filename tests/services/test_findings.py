"""Short levy on corrected facts against hand-computed figures (rates in percent: CD 20,
RD 0, ACD 2, ST 18, AST 3, IT 5.5 unless said; each levy rounded to whole rupees, half up).

Paid on the GD, value Rs 1,000,000 at those rates: CD 200,000; ACD 20,000;
ST (1,220,000 x 18%) 219,600; AST 36,600; IT (1,476,200 x 5.5%) 81,191.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from audit_app.errors import Conflict, PermissionDenied, ValidationFailed
from audit_app.models import PreferentialRate
from audit_app.services.findings import CorrectFacts, record_finding
from tests.casedata import World, drive_to, tariff, world  # noqa: F401
from tests.factories import Rates

LAPTOP, OTHER = "84713010", "84718000"
M = Decimal(1_000_000)


def _examining(w: World, **item: object):  # type: ignore[no-untyped-def]
    spec = {"hs_code": LAPTOP, "declared_value_pkr": M, "quantity": 100, **item}
    case = w.open_case([spec])
    drive_to(w, case, "examine_records")
    return case, case.items[0]


def _short(finding) -> dict[str, Decimal]:  # type: ignore[no-untyped-def]
    return {levy: getattr(finding, f"short_{levy}_pkr")
            for levy in ("cd", "rd", "acd", "st", "ast", "it")} | {"total": finding.short_total_pkr}


def test_undervaluation(world: World) -> None:
    tariff(world.session, LAPTOP)
    case, item = _examining(world)
    finding = record_finding(world.session, item.id, world.auditor,
                             CorrectFacts(value_pkr=Decimal(1_500_000)),
                             evidence="Supplier's export invoice", clock=world.clock)
    # Due on 1,500,000: CD 300,000; ACD 30,000; ST 329,400; AST 54,900;
    # IT 2,214,300 x 5.5% = 121,786.5 -> 121,787.
    assert _short(finding) == {"cd": 100_000, "rd": 0, "acd": 10_000, "st": 109_800,
                               "ast": 18_300, "it": 40_596, "total": 278_696}
    assert finding.kinds == ["UNDERVALUATION"]
    assert case.short_levy_total_pkr == 278_696


def test_misclassification_uses_the_tariff_in_force_on_the_gd_date(world: World) -> None:
    tariff(world.session, LAPTOP)
    tariff(world.session, OTHER, dt.date(2023, 7, 1), cd=30)
    in_force = tariff(world.session, OTHER, dt.date(2024, 7, 1), cd=35, rd=10)
    tariff(world.session, OTHER, dt.date(2025, 7, 1), cd=50)  # after the GD date (12 Mar 2025)
    _, item = _examining(world)
    finding = record_finding(world.session, item.id, world.auditor, CorrectFacts(hs_code=OTHER),
                             evidence="Goods are servers, not laptops", clock=world.clock)
    # Due: CD 350,000; RD 100,000; ACD 20,000; ST 1,470,000 x 18% = 264,600; AST 44,100;
    # IT 1,778,700 x 5.5% = 97,828.5 -> 97,829.
    assert _short(finding) == {"cd": 150_000, "rd": 100_000, "acd": 0, "st": 45_000,
                               "ast": 7_500, "it": 16_638, "total": 319_138}
    assert finding.tariff_rate_id == in_force.id and finding.kinds == ["MISCLASSIFICATION"]


def test_origin_misdeclared_withdraws_the_preference(world: World) -> None:
    tariff(world.session, LAPTOP)
    world.session.add(PreferentialRate(fta_code="PK-CN", origin_country="CN", hs_code=LAPTOP,
                                       valid_from=dt.date(2024, 1, 1), cd_rate=Decimal(0),
                                       row_hash="x"))
    preferential = Rates.from_percentages(cd=0, rd=0, acd=2, st=18, ast=3, it="5.5")
    _, item = _examining(world, origin_country="CN", fta_code="PK-CN", rates=preferential)
    # Paid at CD 0: ACD 20,000; ST 183,600; AST 30,600; IT 1,234,200 x 5.5% = 67,881.
    with pytest.raises(ValidationFailed) as err:  # the FTA gives nothing to goods of Viet Nam
        record_finding(world.session, item.id, world.auditor, CorrectFacts(origin="VN"),
                       evidence="Certificate of origin forged", clock=world.clock)
    assert "fta_code" in err.value.details
    finding = record_finding(world.session, item.id, world.auditor,
                             CorrectFacts(origin="VN", fta_code=None),
                             evidence="Certificate of origin forged", clock=world.clock)
    assert _short(finding) == {"cd": 200_000, "rd": 0, "acd": 0, "st": 36_000, "ast": 6_000,
                               "it": 13_310, "total": 255_310}
    assert finding.kinds == ["ORIGIN"] and finding.preferential_rate_id is None


def test_quantity_understated(world: World) -> None:
    tariff(world.session, LAPTOP)
    _, item = _examining(world)
    finding = record_finding(world.session, item.id, world.auditor,
                             CorrectFacts(quantity=Decimal(130)),
                             evidence="Warehouse receipts show 130 units", clock=world.clock)
    # 130 units at the declared unit price: value 1,300,000. Due: CD 260,000; ACD 26,000;
    # ST 285,480; AST 47,580; IT 1,919,060 x 5.5% = 105,548.3 -> 105,548.
    assert finding.correct_value_pkr == 1_300_000
    assert _short(finding) == {"cd": 60_000, "rd": 0, "acd": 6_000, "st": 65_880,
                               "ast": 10_980, "it": 24_357, "total": 167_217}
    assert finding.kinds == ["QUANTITY"]


def test_an_overpaid_levy_never_offsets_a_short_one(world: World) -> None:
    tariff(world.session, LAPTOP)
    tariff(world.session, OTHER, cd=10, rd=15)
    _, item = _examining(world)
    finding = record_finding(world.session, item.id, world.auditor, CorrectFacts(hs_code=OTHER),
                             evidence="x", clock=world.clock)
    assert finding.short_cd_pkr == 0 and finding.short_rd_pkr == 150_000


def test_recording_again_replaces_the_finding_and_the_case_total(world: World) -> None:
    tariff(world.session, LAPTOP)
    case, item = _examining(world)
    for value in (Decimal(1_500_000), Decimal(1_100_000)):
        record_finding(world.session, item.id, world.auditor, CorrectFacts(value_pkr=value),
                       evidence="x", clock=world.clock)
    assert case.short_levy_total_pkr == record_finding(
        world.session, item.id, world.auditor, CorrectFacts(value_pkr=Decimal(1_100_000)),
        evidence="x", clock=world.clock).short_total_pkr
    assert len(world.events(case, "finding_recorded")) == 3


def test_invalid_findings_are_refused(world: World) -> None:
    tariff(world.session, LAPTOP)
    _, item = _examining(world)
    cases = [(CorrectFacts(), "facts"), (CorrectFacts(hs_code="1234"), "hs_code"),
             (CorrectFacts(hs_code="99999999"), "hs_code"),
             (CorrectFacts(quantity=Decimal(0)), "quantity")]
    for facts, field in cases:
        with pytest.raises(ValidationFailed) as err:
            record_finding(world.session, item.id, world.auditor, facts, evidence="x",
                           clock=world.clock)
        assert field in err.value.details
    with pytest.raises(ValidationFailed) as err:
        record_finding(world.session, item.id, world.auditor,
                       CorrectFacts(value_pkr=Decimal(2)), evidence=" ", clock=world.clock)
    assert "evidence" in err.value.details


def test_only_the_case_auditor_during_examination(world: World) -> None:
    tariff(world.session, LAPTOP)
    case, item = _examining(world)
    with pytest.raises(PermissionDenied):
        record_finding(world.session, item.id, world.auditor2,
                       CorrectFacts(value_pkr=Decimal(2_000_000)), evidence="x", clock=world.clock)
    world.do(case, "examine_records")
    with pytest.raises(Conflict, match="not under examination"):
        record_finding(world.session, item.id, world.auditor,
                       CorrectFacts(value_pkr=Decimal(2_000_000)), evidence="x", clock=world.clock)
