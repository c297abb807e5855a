"""Closed cases feed their outcome back to the risk model: one audit outcome per declaration
item, written when the last process of the case ends, by how the case ended."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from audit_app.models import AuditCase, AuditOutcome, SupersededRecord, WorkflowInstance
from audit_app.risk.model_store import labels_until
from audit_app.services import feedback, ledger, recovery
from audit_app.services.findings import CorrectFacts, record_finding
from tests.casedata import World, drive_to, tariff, world  # noqa: F401
from tests.recoverydata import RecoveryWorld, rworld  # noqa: F401
from workflows.clock import local_date

D = Decimal
SHORT = D(278_696)  # the first item's short levy at +50% value (see test_process_paths)


def _observed(w: World) -> AuditCase:
    """Two items: the first undervalued (short levy found), the second clean."""
    tariff(w.session, "84713010")
    case = w.open_case([{"hs_code": "84713010", "declared_value_pkr": D(1_000_000)},
                        {"hs_code": "84713010", "declared_value_pkr": D(2_000_000)}])
    drive_to(w, case, "examine_records")
    record_finding(w.session, case.items[0].id, w.auditor, CorrectFacts(value_pkr=D(1_500_000)),
                   evidence="Supplier invoice", clock=w.clock)
    w.session.commit()
    w.do(case, "examine_records")
    w.do(case, "review_findings", {"decision": "approve"})
    w.do(case, "issue_observation", {"observation_date": "2026-02-02"})
    return case


def _outcomes(w: World, case: AuditCase) -> list[tuple[int, str, Decimal]]:
    rows = w.session.scalars(select(AuditOutcome).where(
        AuditOutcome.item_id.in_([i.item_id for i in case.items])).order_by(AuditOutcome.item_id))
    return [(r.item_id, r.finding, r.short_levy_pkr) for r in rows]


def test_voluntary_payment_feeds_back_the_finding_per_item(world: World) -> None:
    case = _observed(world)
    world.do(case, "record_reply", {"reply_outcome": "voluntary_payment", "amount_paid": str(SHORT)})
    assert case.status == "closed_voluntary_payment"
    first, second = case.items
    assert _outcomes(world, case) == [(first.item_id, "UNDERVALUATION", SHORT),
                                      (second.item_id, "NONE", 0)]
    row = world.session.scalar(select(AuditOutcome).where(AuditOutcome.item_id == first.item_id))
    assert (row.source, row.audit_date, row.version) == ("case", local_date(world.clock.now()), 1)
    assert row.attributes["case_number"] == case.case_number
    assert row.attributes["case_status"] == "closed_voluntary_payment"
    assert world.events(case, "outcomes_recorded")[0].data == {
        "status": "closed_voluntary_payment", "items": 2, "hits": 1}


def test_explanation_accepted_feeds_back_no_finding(world: World) -> None:
    case = _observed(world)
    world.do(case, "record_reply", {"reply_outcome": "explanation_accepted"})
    assert [f for _, f, _ in _outcomes(world, case)] == ["NONE", "NONE"]
    assert {s for _, _, s in _outcomes(world, case)} == {0}


def test_a_case_still_in_adjudication_feeds_back_nothing(world: World) -> None:
    case = _observed(world)
    world.do(case, "record_reply", {"reply_outcome": "contravention"})
    assert case.status == "referred_to_adjudication"
    assert _outcomes(world, case) == []


def _end_other_processes(rw: RecoveryWorld, case: AuditCase) -> None:
    """The audit (and any adjudication) of this case already ended: only recovery runs."""
    for instance in rw.session.scalars(select(WorkflowInstance).where(
            WorkflowInstance.case_id == case.id, WorkflowInstance.process_id != "recovery")):
        instance.status = "completed"
    rw.session.commit()


@pytest.mark.parametrize(("demand_after", "status", "expected"), [
    (None, "recovered", "full"),  # paid in full as ordered
    ({"levies": {"cd": D(50_000)}}, "recovered", "scaled"),  # reduced on appeal, then paid
    ({"levies": {}}, "demand_cancelled", "none"),  # set aside on appeal, nothing paid
])
def test_recovery_end_feeds_back_the_demand_finally_standing(rworld: RecoveryWorld, demand_after,  # type: ignore[no-untyped-def]
                                                             status: str, expected: str) -> None:
    w = rworld.w
    case = _observed(w)
    detected = ledger.balances(w.session, case.id)["detected"]
    adjudged = {levy: v for levy, v in detected.items() if v}
    case.adjudication_office = "ADJ-KHI"
    ledger.post(w.session, case.id, "adjudged", {**adjudged, "penalty": D(10_000)},
                on=dt.date(2026, 1, 5), kind="order_in_original", actor=None, clock=w.clock,
                reference="OIO-1")
    _end_other_processes(rworld, case)
    recovery.start(w.session, case, clock=w.clock)
    w.session.commit()
    rworld.notice(case)
    if demand_after is not None:
        recovery.change_demand(w.session, case, demand_after, reason="Appeal decided",
                               reference="OIA-1", actor=None, clock=w.clock)
        w.session.commit()
    for levy, row in recovery.position(w.session, case.id).levies.items():
        if row["outstanding"] > 0:
            rworld.pay(case, levy, row["outstanding"], f"CH-{levy}")
    assert case.status == status
    first, second = case.items
    short = {"full": SHORT, "scaled": (SHORT * D(50_000) / SHORT).quantize(D("0.01")),
             "none": D(0)}[expected]
    assert _outcomes(w, case) == [
        (first.item_id, "UNDERVALUATION" if short else "NONE", short), (second.item_id, "NONE", 0)]


def test_closing_again_supersedes_the_earlier_outcome(world: World) -> None:
    case = _observed(world)
    world.do(case, "record_reply", {"reply_outcome": "explanation_accepted"})
    first = case.items[0].item_id
    # Later the case ends otherwise (e.g. reopened and recovered): the outcome is rewritten.
    case.status = "closed_voluntary_payment"
    world.clock.advance(days=30)
    feedback.write_outcomes(world.session, case, clock=world.clock)
    world.session.commit()
    row = world.session.scalar(select(AuditOutcome).where(AuditOutcome.item_id == first))
    assert (row.finding, row.short_levy_pkr, row.version) == ("UNDERVALUATION", SHORT, 2)
    kept = world.session.scalar(select(SupersededRecord).where(
        SupersededRecord.table_name == "audit_outcomes", SupersededRecord.record_id == row.id))
    assert (kept.version, kept.data["finding"]) == (1, "NONE")
    with pytest.raises(ValueError):
        case.status = "open"
        feedback.write_outcomes(world.session, case, clock=world.clock)


def test_outcomes_of_closed_cases_are_labels_for_training(world: World) -> None:
    paid = _observed(world)
    world.do(paid, "record_reply", {"reply_outcome": "voluntary_payment", "amount_paid": str(SHORT)})
    labels = labels_until(world.session, None)
    by_item = dict(zip(labels.item_ids.tolist(), labels.hit.tolist()))
    assert by_item == {paid.items[0].item_id: True, paid.items[1].item_id: False}
    assert labels.short_levy.sum() == float(SHORT)
