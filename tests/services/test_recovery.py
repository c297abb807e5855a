"""Every path of recovery.bpmn, driven as the recovery officer would, with a simulated clock:
the demand raised when the order stands, the notice, payments (and their refusals), the
overdue timer and the enforcement ladder, stays and their lifting, and the demand changed on
appeal."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import select

from audit_app.errors import Conflict, PermissionDenied, ValidationFailed
from audit_app.models import Demand, EnforcementAction, OpenTask, WorkflowInstance
from audit_app.services import ledger, recovery
from tests.recoverydata import ORDER, ORDER_REF, OFFICE, RecoveryWorld, rworld  # noqa: F401
from tests.casedata import world  # noqa: F401
from workflows.clock import end_of_day_utc
from workflows.worker import run_once

D = Decimal
TOTAL = sum(ORDER.values())  # 123,000
DAY0 = dt.date(2026, 1, 5)


def _instance(rw: RecoveryWorld, case) -> WorkflowInstance:  # type: ignore[no-untyped-def]
    return rw.session.scalars(select(WorkflowInstance).where(
        WorkflowInstance.case_id == case.id, WorkflowInstance.process_id == "recovery")
        .order_by(WorkflowInstance.id.desc())).first()


def _overdue(app: Flask, rw: RecoveryWorld, case) -> None:  # type: ignore[no-untyped-def]
    """The day after the pay-by date: the worker fires the demand_overdue timer once."""
    demand = recovery.current_demand(rw.session, case.id)
    rw.clock.set(end_of_day_utc(demand.pay_by))
    assert run_once(app.extensions["pca_db"].sessionmaker, rw.clock) >= 1
    rw.session.expire_all()


def test_the_order_standing_raises_the_demand_and_asks_for_the_notice(rworld: RecoveryWorld) -> None:
    case = rworld.order_stands()
    b = ledger.balances(rworld.session, case.id)
    assert b["demanded"] == b["adjudged"] and b.total("demanded") == TOTAL
    raised = ledger.entries(rworld.session, case.id, accounts=["demanded"])
    assert {(e.kind, e.reference) for e in raised} == {("demand_raised", ORDER_REF)}
    demand = recovery.current_demand(rworld.session, case.id)
    assert (demand.order_ref, demand.raised_on, demand.status) == (ORDER_REF, DAY0, "open")
    task = rworld.task(case)
    assert (task.element_id, task.lane, task.directorate_code) == (
        "issue_demand_notice", "recovery_officer", OFFICE)
    assert task.due_on == DAY0 + dt.timedelta(days=7)


def test_notice_defaults_the_pay_by_date_and_checks_dates(rworld: RecoveryWorld) -> None:
    case = rworld.order_stands()
    for form, field, message in [
        ({"notice_date": "2026-01-06"}, "notice_date", "not in the future"),
        ({"notice_date": "2026-01-04"}, "notice_date", "not before the demand was raised"),
        ({"notice_date": "2026-01-05", "pay_by": "2026-01-05"}, "pay_by", "after the notice date"),
        ({"notice_date": "05/01/2026"}, "notice_date", "a date (YYYY-MM-DD)"),
    ]:
        with pytest.raises(ValidationFailed) as err:
            rworld.notice(case, **form)
        assert message in err.value.details[field]
        rworld.session.rollback()
    rworld.notice(case)
    demand = recovery.current_demand(rworld.session, case.id)
    assert demand.notice_date == DAY0 and demand.pay_by == DAY0 + dt.timedelta(days=30)
    assert demand.notice_number and demand.issued_by_id == rworld.officer.id
    task = rworld.task(case)
    assert (task.element_id, task.due_on) == ("await_payment", demand.pay_by)


def test_part_payments_then_the_last_one_closes_as_recovered(rworld: RecoveryWorld) -> None:
    case = rworld.order_stands()
    rworld.notice(case)
    rworld.clock.advance(days=3)
    rworld.pay(case, "cd", "60000", "CH-1")
    rworld.pay(case, "st", "18000", "CH-2")
    assert rworld.step(case) == "await_payment"
    where = recovery.position(rworld.session, case.id)
    assert (where.paid, where.outstanding, where.recoverable) == (D(78_000), D(45_000), D(45_000))
    rworld.pay(case, "cd", "40000", "CH-3")
    rworld.pay(case, "penalty", "5000", "CH-4", user=rworld.officer2)
    assert rworld.step(case) is None
    assert case.status == "recovered" and case.closed_at is None  # the audit still runs here
    assert _instance(rworld, case).end_status == "recovered"
    demand = recovery.current_demand(rworld.session, case.id)
    assert (demand.status, demand.closed_on) == ("recovered", dt.date(2026, 1, 8))
    paid = ledger.entries(rworld.session, case.id, accounts=["paid"])
    assert [(e.reference, e.levy, e.amount_pkr) for e in paid] == [
        ("CH-1", "cd", D(60_000)), ("CH-2", "st", D(18_000)), ("CH-3", "cd", D(40_000)),
        ("CH-4", "penalty", D(5_000))]
    assert paid[-1].actor_id == rworld.officer2.id


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"challan_number": ""}, "challan_number", "required"),
    ({"challan_number": "X" * 41}, "challan_number", "at most 40 characters"),
    ({"challan_number": "ch-1"}, "challan_number", "challan ch-1 is already recorded"),
    ({"payment_date": "2026-02-01"}, "payment_date", "not in the future"),
    ({"payment_date": "2026-01-04"}, "payment_date", "not before the demand was raised"),
    ({"payment_date": "yesterday"}, "payment_date", "a date (YYYY-MM-DD)"),
    ({"levy": "rd"}, "levy", "one of the levies demanded: Customs duty, Sales tax, Penalty"),
    ({"levy": ""}, "levy", "one of the levies demanded"),
    ({"amount": ""}, "amount", "required"),
    ({"amount": "0"}, "amount", "more than 0"),
    ({"amount": "-5"}, "amount", "an amount in rupees, 0 or more"),
    ({"amount": "ten"}, "amount", "an amount in rupees"),
    ({"amount": "10.005"}, "amount", "rupees with at most 2 decimals"),
    ({"amount": "90001"}, "amount", "more than the Rs 90,000 outstanding in customs duty"),
])
def test_payment_errors_name_the_field(rworld: RecoveryWorld, form: dict, field: str,  # type: ignore[type-arg]
                                       message: str) -> None:
    case = rworld.order_stands()
    rworld.notice(case)
    rworld.pay(case, "cd", "10000", "CH-1")
    good = {"challan_number": "CH-2", "payment_date": "2026-01-05", "levy": "cd",
            "amount": "500"}
    with pytest.raises(ValidationFailed) as err:
        recovery.record_payment(rworld.session, case.id, {**good, **form}, actor=rworld.officer,
                                clock=rworld.clock)
    assert err.value.message == "Payment not recorded."
    assert message in err.value.details[field], err.value.details
    rworld.session.rollback()
    assert recovery.position(rworld.session, case.id).paid == D(10_000)


def test_over_payment_message_says_what_is_stayed(rworld: RecoveryWorld) -> None:
    case = rworld.order_stands()
    rworld.notice(case)
    recovery.record_stay(rworld.session, case, forum="collector_appeals", reference="STAY-9",
                         granted_on=DAY0, levies={"cd": D(30_000)}, actor=rworld.appellate,
                         clock=rworld.clock)
    with pytest.raises(ValidationFailed) as err:
        rworld.pay(case, "cd", "70001", "CH-9")
    assert err.value.details == {
        "amount": "more than the Rs 70,000 outstanding in customs duty (Rs 30,000 is stayed)"}


def test_only_the_recovery_office_records_payments(rworld: RecoveryWorld) -> None:
    case = rworld.order_stands()
    rworld.notice(case)
    with pytest.raises(PermissionDenied, match="recovery officer"):
        rworld.pay(case, "cd", "1", "CH-1", user=rworld.w.auditor)
    with pytest.raises(PermissionDenied, match=OFFICE):
        rworld.pay(case, "cd", "1", "CH-1", user=rworld.elsewhere)
    with pytest.raises(Conflict, match="no demand"):
        rworld.pay(rworld.w.open_case(), "cd", "1", "CH-1")


def test_paid_before_the_notice_closes_at_the_notice(rworld: RecoveryWorld) -> None:
    case = rworld.order_stands({"cd": D(5_000)}, paid_before={"cd": D(5_000)})
    rworld.notice(case)
    assert rworld.step(case) is None and case.status == "recovered"


def test_overdue_demand_goes_up_the_enforcement_ladder(app: Flask, rworld: RecoveryWorld) -> None:
    case = rworld.order_stands()
    rworld.notice(case)
    demand = recovery.current_demand(rworld.session, case.id)
    rworld.clock.set(end_of_day_utc(demand.pay_by) - dt.timedelta(seconds=1))
    run_once(app.extensions["pca_db"].sessionmaker, rworld.clock)  # the audit's SLAs only
    rworld.session.expire_all()
    assert rworld.step(case) == "await_payment"
    _overdue(app, rworld, case)
    assert rworld.step(case) == "block_ntn"
    with pytest.raises(ValidationFailed) as err:
        rworld.do(case, "block_ntn", {"outcome": "done"})
    assert err.value.details == {"reference": "the order or letter number is required"}
    rworld.session.rollback()
    rworld.do(case, "block_ntn", {"outcome": "done", "reference": "NTN-BLK-7"})
    assert rworld.step(case) == "attach_bank_accounts"
    with pytest.raises(ValidationFailed) as err:
        rworld.do(case, "attach_bank_accounts", {"outcome": "not_taken"})
    assert err.value.details == {"remarks": "say why the step was not taken"}
    rworld.session.rollback()
    rworld.do(case, "attach_bank_accounts", {"outcome": "not_taken",
                                             "remarks": "No account found with the banks"})
    assert rworld.step(case) == "hold_consignments"
    rworld.do(case, "hold_consignments", {"outcome": "done", "reference": "HOLD-3"})
    assert rworld.step(case) == "review_recovery"
    rworld.do(case, "review_recovery", {"remarks": "Importer asked for instalments"})
    assert rworld.step(case) == "review_recovery"  # reviewed again until recovered
    steps = [(a.step, a.outcome, a.reference) for a in
             recovery.enforcement_actions(rworld.session, case.id)]
    assert steps == [("ntn_block", "done", "NTN-BLK-7"), ("bank_attachment", "not_taken", None),
                     ("consignment_hold", "done", "HOLD-3"), ("review", "done", None)]
    rworld.pay(case, "cd", "100000", "CH-A")
    rworld.pay(case, "st", "18000", "CH-B")
    rworld.pay(case, "penalty", "5000", "CH-C")
    assert rworld.step(case) is None and case.status == "recovered"


@pytest.mark.parametrize("element", ["block_ntn", "attach_bank_accounts", "hold_consignments",
                                     "review_recovery"])
def test_payment_in_full_during_any_enforcement_step_closes(app: Flask, rworld: RecoveryWorld,
                                                            element: str) -> None:
    case = rworld.order_stands({"cd": D(1_000)})
    rworld.notice(case)
    _overdue(app, rworld, case)
    for step in ("block_ntn", "attach_bank_accounts", "hold_consignments"):
        if step == element:
            break
        rworld.do(case, step, {"outcome": "in_force", "reference": "R-1"})
    assert rworld.step(case) == element
    rworld.pay(case, "cd", "1000", "CH-FULL")
    assert rworld.step(case) is None and case.status == "recovered"


@pytest.mark.parametrize("element", ["block_ntn", "attach_bank_accounts", "hold_consignments",
                                     "review_recovery", "watch_stay"])
def test_money_posted_outside_recovery_is_noticed_at_the_next_step(
        app: Flask, rworld: RecoveryWorld, element: str) -> None:
    """E.g. a bank attachment remitted by the bank straight to the treasury, posted to the ledger
    by another service: the gateway after the step sees nothing left and closes."""
    case = rworld.order_stands({"cd": D(1_000)})
    rworld.notice(case)
    if element == "watch_stay":
        recovery.record_stay(rworld.session, case, forum="tribunal", reference="T-1",
                             granted_on=DAY0, amount=D(1_000), actor=None, clock=rworld.clock)
        rworld.session.commit()
    _overdue(app, rworld, case)
    if element == "watch_stay":
        rworld.do(case, "block_ntn", {"outcome": "not_taken", "remarks": "Stayed by the Tribunal"})
    for step in ("block_ntn", "attach_bank_accounts", "hold_consignments"):
        if rworld.step(case) == element:
            break
        rworld.do(case, step, {"outcome": "done", "reference": "R-1"})
    assert rworld.step(case) == element
    if element == "watch_stay":  # the stay ends with the appeal dismissed and the demand paid
        ledger.post(rworld.session, case.id, "stayed", {"cd": D(-1_000)}, on=DAY0,
                    kind="stay_lifted", actor=None, clock=rworld.clock)
    ledger.post(rworld.session, case.id, "paid", {"cd": D(1_000)}, on=DAY0, kind="payment",
                actor=None, clock=rworld.clock, reference="BANK-REMIT-1")
    rworld.session.commit()
    form = ({"remarks": "Checked"} if element in ("review_recovery", "watch_stay")
            else {"outcome": "in_force", "reference": "R-2"})
    rworld.do(case, element, form)
    assert rworld.step(case) is None and case.status == "recovered"


def test_enforcement_cannot_start_before_the_due_date(app: Flask, rworld: RecoveryWorld) -> None:
    case = rworld.order_stands()
    rworld.notice(case)
    with pytest.raises(ValidationFailed) as err:
        rworld.do(case, "await_payment", {"decision": "enforce"})
    assert "the trader has until 04 Feb 2026" in err.value.details["decision"]
    rworld.session.rollback()
    rworld.clock.set(end_of_day_utc(dt.date(2026, 2, 4)))  # the worker has not run yet
    rworld.do(case, "await_payment", {"decision": "enforce"})
    assert rworld.step(case) == "block_ntn"


def test_a_stay_of_everything_waits_on_the_stay_until_lifted(app: Flask, rworld: RecoveryWorld) -> None:
    case = rworld.order_stands()
    rworld.notice(case)
    rworld.pay(case, "penalty", "5000", "CH-P")
    stay = recovery.record_stay(rworld.session, case, forum="collector_appeals",
                                reference="CA-STAY-12", granted_on=dt.date(2026, 1, 5),
                                until=dt.date(2026, 6, 30), amount=D(118_000),
                                actor=rworld.appellate, clock=rworld.clock)
    rworld.session.commit()
    assert stay.levies == {"cd": "100000.00", "st": "18000.00"}
    where = recovery.position(rworld.session, case.id)
    assert (where.stayed, where.recoverable, where.outstanding) == (D(118_000), 0, 0)
    _overdue(app, rworld, case)
    with pytest.raises(ValidationFailed) as err:
        rworld.do(case, "block_ntn", {"outcome": "done", "reference": "X"})
    assert "nothing is recoverable now" in err.value.details["outcome"]
    rworld.session.rollback()
    rworld.do(case, "block_ntn", {"outcome": "not_taken", "remarks": "Recovery stayed"})
    assert rworld.step(case) == "watch_stay"
    rworld.do(case, "watch_stay", {"remarks": "Appeal fixed for hearing in March"})
    assert rworld.step(case) == "watch_stay"  # still stayed: watched again
    rworld.clock.advance(days=40)
    recovery.lift_stay(rworld.session, stay.id, lifted_on=dt.date(2026, 3, 10),
                       reference="CA-ORDER-12", actor=rworld.appellate, clock=rworld.clock)
    rworld.session.commit()
    assert recovery.position(rworld.session, case.id).recoverable == D(118_000)
    assert rworld.step(case) == "block_ntn"  # the stay_lifted signal restarts enforcement
    with pytest.raises(Conflict, match="already lifted"):
        recovery.lift_stay(rworld.session, stay.id, lifted_on=dt.date(2026, 3, 10),
                           reference=None, actor=None, clock=rworld.clock)


def test_everything_stayed_at_the_notice_goes_to_watch_the_stay(rworld: RecoveryWorld) -> None:
    case = rworld.order_stands({"cd": D(9_000)})
    recovery.record_stay(rworld.session, case, forum="high_court", reference="WP-1/2026",
                         granted_on=DAY0, amount=D(9_000), actor=None, clock=rworld.clock)
    rworld.session.commit()
    rworld.notice(case)
    assert rworld.step(case) == "watch_stay"
    # The High Court sets the demand aside: nothing was paid, so the demand is cancelled.
    recovery.change_demand(rworld.session, case, {"levies": {}}, reason="Set aside by the High Court",
                           reference="WP-1/2026 judgment", actor=rworld.appellate,
                           clock=rworld.clock, kind="set_aside_on_appeal")
    rworld.session.commit()
    assert rworld.step(case) is None and case.status == "demand_cancelled"
    b = ledger.balances(rworld.session, case.id)
    assert (b.total("demanded"), b.total("stayed"), b.total("remitted")) == (0, 0, D(9_000))


def test_lifting_a_stay_on_a_settled_demand_closes(rworld: RecoveryWorld) -> None:
    case = rworld.order_stands({"cd": D(2_000)})
    rworld.notice(case)
    rworld.pay(case, "cd", "1000", "CH-1")
    stay = recovery.record_stay(rworld.session, case, forum="tribunal", reference="T-9",
                                granted_on=DAY0, amount=D(1_000), actor=None, clock=rworld.clock)
    ledger.adjust_demand(rworld.session, case.id, {"levies": {"cd": D(1_000)}},
                         reason="Tribunal reduced the value", reference="T-9 order",
                         actor=None, clock=rworld.clock, kind="appeal_reduced")
    rworld.session.commit()
    # The reduction released the stay and left nothing to recover: closed as recovered.
    assert rworld.step(case) is None and case.status == "recovered"
    recovery.lift_stay(rworld.session, stay.id, lifted_on=DAY0, reference=None, actor=None,
                       clock=rworld.clock)
    assert ledger.balances(rworld.session, case.id).total("stayed") == 0


def test_demand_reduced_on_appeal_to_what_was_paid_closes_as_recovered(rworld: RecoveryWorld) -> None:
    case = rworld.order_stands()
    rworld.notice(case)
    rworld.pay(case, "cd", "80000", "CH-1")
    where = recovery.change_demand(
        rworld.session, case, {"levies": {"cd": D(80_000)}, "penalty": D(0)},
        reason="Collector (Appeals) accepted the transaction value in part",
        reference="OIA/2026/77", actor=rworld.appellate, clock=rworld.clock, kind="appeal_reduced")
    rworld.session.commit()
    assert (where.demanded, where.paid, where.remitted, where.outstanding) == (
        D(80_000), D(80_000), D(43_000), 0)
    assert rworld.step(case) is None and case.status == "recovered"
    with pytest.raises(ValidationFailed):
        recovery.change_demand(rworld.session, case, {"levies": {}}, reason=" ", reference=None,
                               actor=None, clock=rworld.clock)


def test_demand_set_aside_with_nothing_paid_is_cancelled(rworld: RecoveryWorld) -> None:
    case = rworld.order_stands()
    rworld.notice(case)
    recovery.change_demand(rworld.session, case, {"levies": {}}, reason="Set aside",
                           reference="OIA/2026/78", actor=None, clock=rworld.clock,
                           kind="set_aside_on_appeal")
    rworld.session.commit()
    assert case.status == "demand_cancelled"
    assert recovery.current_demand(rworld.session, case.id).status == "demand_cancelled"


def test_a_new_order_after_remand_raises_a_new_demand(rworld: RecoveryWorld) -> None:
    from workflows import handoffs
    case = rworld.order_stands()
    rworld.notice(case)
    recovery.change_demand(rworld.session, case, {"levies": {}}, reason="Remanded",
                           reference="OIA/2026/79", actor=None, clock=rworld.clock,
                           kind="remanded")
    rworld.session.commit()
    assert case.status == "demand_cancelled"
    rworld.clock.advance(days=60)
    ledger.adjust_to(rworld.session, case.id, "adjudged", {"cd": D(70_000)},
                     on=dt.date(2026, 3, 6), kind="order_in_original", actor=None,
                     clock=rworld.clock, reference="OIO/ADJ-KHI/2026/000002")
    handoffs.process_ended(rworld.session, case, process_id="adjudication", status="adjudged",
                           clock=rworld.clock)
    rworld.session.commit()
    assert [d.order_ref for d in recovery.demands(rworld.session, case.id)] == [
        ORDER_REF, "OIO/ADJ-KHI/2026/000002"]
    assert ledger.demand(rworld.session, case.id)["total"] == D(70_000)
    assert rworld.step(case) == "issue_demand_notice"


@pytest.mark.parametrize(("kwargs", "field", "message"), [
    ({"forum": "supreme_court"}, "forum", "one of collector_appeals"),
    ({"reference": " "}, "order_ref", "required"),
    ({"granted_on": dt.date(2026, 2, 1)}, "granted_on", "not in the future"),
    ({"until": dt.date(2026, 1, 1)}, "until", "not before the date the stay was granted"),
    ({"amount": D(123_001)}, "amount", "more than the Rs 123,000 outstanding"),
    ({"amount": D(0)}, "amount", "more than 0"),
    ({"amount": None}, "amount", "give the amount stayed"),
    ({"amount": None, "levies": {"cd": D(100_001)}}, "cd", "more than the Rs 100,000 outstanding"),
    ({"amount": None, "levies": {"rd": D(1)}}, "rd", "more than the Rs 0 outstanding"),
])
def test_stay_errors_name_the_field(rworld: RecoveryWorld, kwargs: dict, field: str,  # type: ignore[type-arg]
                                    message: str) -> None:
    case = rworld.order_stands()
    args = {"forum": "tribunal", "reference": "T-1", "granted_on": DAY0, "amount": D(1_000),
            **kwargs}
    with pytest.raises(ValidationFailed) as err:
        recovery.record_stay(rworld.session, case, actor=None, clock=rworld.clock, **args)
    assert message in err.value.details[field], err.value.details


def test_demand_list_overdue_first_with_figures_from_the_ledger(app: Flask, rworld: RecoveryWorld) -> None:
    paid_up = rworld.order_stands({"cd": D(1_000)})
    rworld.notice(paid_up)
    late = rworld.order_stands({"cd": D(50_000)})
    rworld.notice(late)
    rworld.clock.advance(days=10)
    fresh = rworld.order_stands({"cd": D(900_000)})
    rworld.notice(fresh)
    rworld.pay(late, "cd", "20000", "CH-L")
    recovery.record_stay(rworld.session, late, forum="tribunal", reference="T-5",
                         granted_on=dt.date(2026, 1, 15), amount=D(10_000), actor=None,
                         clock=rworld.clock)
    rworld.session.commit()
    rworld.clock.set(end_of_day_utc(dt.date(2026, 2, 4)))  # 5 Feb: late and paid_up overdue
    rows = recovery.demand_list(rworld.session, rworld.officer, clock=rworld.clock)
    # Both overdue since the same day: the larger outstanding first; then the one not yet due.
    assert [r.case_id for r in rows] == [late.id, paid_up.id, fresh.id]
    row = rows[0]
    assert (row.demanded, row.paid, row.stayed, row.outstanding, row.overdue_days) == (
        D(50_000), D(20_000), D(10_000), D(20_000), 1)
    assert row.step == "Await payment by the due date"
    assert rows[2].overdue_days == 0
    assert recovery.demand_list(rworld.session, rworld.elsewhere, clock=rworld.clock) == []
    rworld.pay(paid_up, "cd", "1000", "CH-P")
    assert [r.case_id for r in recovery.demand_list(rworld.session, rworld.officer,
                                                    clock=rworld.clock)] == [late.id, fresh.id]
    closed = recovery.demand_list(rworld.session, rworld.officer, clock=rworld.clock,
                                  include_closed=True)
    assert {r.case_id for r in closed} == {paid_up.id, late.id, fresh.id}


def test_recovery_tasks_belong_to_the_recovery_office(rworld: RecoveryWorld) -> None:
    case = rworld.order_stands()
    with pytest.raises(PermissionDenied):
        rworld.do(case, "issue_demand_notice", {}, user=rworld.elsewhere)
    rworld.session.rollback()
    with pytest.raises(PermissionDenied):
        rworld.do(case, "issue_demand_notice", {}, user=rworld.w.auditor)
    rworld.session.rollback()
    rworld.do(case, "issue_demand_notice", {}, user=rworld.officer2)
    assert rworld.session.scalar(select(Demand.issued_by_id)) == rworld.officer2.id
    assert rworld.session.scalars(select(EnforcementAction)).all() == []
    assert rworld.session.scalars(select(OpenTask.element_id).where(
        OpenTask.case_id == case.id, OpenTask.lane == "recovery_officer")).all() == ["await_payment"]


def test_the_demand_notice_is_an_issued_document(rworld: RecoveryWorld) -> None:
    from audit_app.services import documents
    case = rworld.order_stands()
    rworld.notice(case)
    doc = documents.current(rworld.session, case, "demand_notice")
    demand = recovery.current_demand(rworld.session, case.id)
    assert doc is not None and (demand.notice_number, demand.document_id) == (doc.number, doc.id)
    assert doc.number.startswith(f"DN/{OFFICE}/2026/")
    text = " ".join(documents.text_of(rworld.session, doc).split())
    assert case.case_number in text and ORDER_REF in text
    assert "Pay by 4 February 2026" in text
    assert "Outstanding and payable now Rs 123,000.00" in text
