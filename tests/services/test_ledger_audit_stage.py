"""The audit process posts to the ledger: findings approved -> detected, observation issued ->
observed, voluntary payment -> paid, each by the officer who completed the task."""
from __future__ import annotations

from decimal import Decimal

import pytest

from audit_app.errors import ValidationFailed
from audit_app.services import ledger
from audit_app.services.cases import allocate
from audit_app.services.findings import CorrectFacts, record_finding
from tests.casedata import World, drive_to, tariff, world  # noqa: F401

D = Decimal


def _observed(w: World):  # type: ignore[no-untyped-def]
    tariff(w.session, "84713010")
    case = w.open_case([{"hs_code": "84713010", "declared_value_pkr": D(1_000_000)}])
    drive_to(w, case, "examine_records")
    record_finding(w.session, case.items[0].id, w.auditor,
                   CorrectFacts(value_pkr=D(1_500_000)), evidence="Supplier invoice",
                   clock=w.clock)
    w.session.commit()
    w.do(case, "examine_records")
    w.do(case, "review_findings", {"decision": "approve"})
    w.do(case, "issue_observation", {"observation_date": "2026-02-02"})
    return case


def _short(case) -> dict[str, Decimal]:  # type: ignore[no-untyped-def]
    finding = case.items[0].finding
    return {levy: getattr(finding, f"short_{levy}_pkr") for levy in ledger.DUTY_LEVIES}


def test_approval_and_observation_post_the_short_levy_per_levy(world: World) -> None:
    case = _observed(world)
    b = ledger.balances(world.session, case.id)
    short = _short(case)
    assert b.total("detected") == b.total("observed") == D(278_696)
    assert {levy: b["detected"][levy] for levy in ledger.DUTY_LEVIES} == short
    assert {levy: b["observed"][levy] for levy in ledger.DUTY_LEVIES} == short
    detected = ledger.entries(world.session, case.id, accounts=["detected"])
    assert {e.kind for e in detected} == {"findings_approved"}
    assert {e.actor_id for e in detected} == {world.supervisor.id}
    observed = ledger.entries(world.session, case.id, accounts=["observed"])
    assert {(e.kind, e.entry_date.isoformat(), e.actor_id) for e in observed} == {
        ("observation_issued", "2026-02-02", world.auditor.id)}


def test_findings_returned_post_nothing_until_approved(world: World) -> None:
    tariff(world.session, "84713010")
    case = world.open_case([{"hs_code": "84713010", "declared_value_pkr": D(1_000_000)}])
    drive_to(world, case, "examine_records")
    record_finding(world.session, case.items[0].id, world.auditor,
                   CorrectFacts(value_pkr=D(1_500_000)), evidence="Invoice", clock=world.clock)
    world.session.commit()
    world.do(case, "examine_records")
    world.do(case, "review_findings", {"decision": "return", "comments": "Check the origin"})
    assert ledger.entries(world.session, case.id) == []
    world.do(case, "examine_records")
    world.do(case, "review_findings", {"decision": "approve"})
    assert ledger.balances(world.session, case.id).total("detected") == D(278_696)


def test_voluntary_payment_is_paid_in_statutory_order(world: World) -> None:
    case = _observed(world)
    world.do(case, "record_reply", {"reply_outcome": "voluntary_payment", "amount_paid": "100000",
                                    "challan_number": "CH-2026-0042",
                                    "payment_date": "2026-02-10"})
    paid = ledger.entries(world.session, case.id, accounts=["paid"])
    short = _short(case)
    assert [e.levy for e in paid][0] == "cd"
    assert sum(e.amount_pkr for e in paid) == D(100_000)
    assert paid[0].amount_pkr == min(short["cd"], D(100_000))
    assert {(e.kind, e.reference, e.entry_date.isoformat(), e.actor_id) for e in paid} == {
        ("voluntary_payment", "CH-2026-0042", "2026-02-10", world.auditor.id)}
    assert case.status == "referred_to_adjudication"


def test_payment_in_full_closes_and_balances_to_the_short_levy(world: World) -> None:
    case = _observed(world)
    world.do(case, "record_reply", {"reply_outcome": "voluntary_payment", "amount_paid": "278696"})
    b = ledger.balances(world.session, case.id)
    assert {levy: b["paid"][levy] for levy in ledger.DUTY_LEVIES} == _short(case)
    assert case.status == "closed_voluntary_payment"


@pytest.mark.parametrize(("form", "message"), [
    ({"reply_outcome": "voluntary_payment", "amount_paid": "278697"},
     "more than the short levy of Rs 278,696"),
    ({"reply_outcome": "voluntary_payment", "amount_paid": "10.001"},
     "rupees with at most 2 decimals"),
    ({"reply_outcome": "contravention", "amount_paid": "10"},
     "a payment is recorded with the outcome voluntary payment"),
])
def test_reply_payment_errors_name_the_field(world: World, form: dict, message: str) -> None:  # type: ignore[type-arg]
    case = _observed(world)
    with pytest.raises(ValidationFailed) as err:
        world.do(case, "record_reply", form)
    assert err.value.details == {"amount_paid": message}
    world.session.rollback()
    assert ledger.balances(world.session, case.id).total("paid") == 0


def test_allocate_fills_levies_in_order() -> None:
    owed = {"cd": D(100), "rd": D(0), "st": D(50)}
    assert allocate(D(120), owed) == {"cd": D(100), "st": D(20)}
    assert allocate(D(150), owed) == {"cd": D(100), "st": D(50)}
    with pytest.raises(ValueError):
        allocate(D(151), owed)
