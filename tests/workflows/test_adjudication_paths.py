"""Every path of adjudication.bpmn, driven through the case services with a simulated clock."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from audit_app.errors import Conflict, ValidationFailed
from audit_app.models import Hearing, OpenTask, OrderInOriginal, WorkflowInstance
from audit_app.services import adjudication, cases
from tests.adjudicationdata import SHORT_LEVY, Court, court  # noqa: F401
from tests.casedata import world  # noqa: F401
from workflows import runtime


def test_a_contravention_starts_adjudication_with_its_report(court: Court) -> None:
    case = court.referred()
    adj = court.adj(case)
    assert case.status == "referred_to_adjudication" and case.closed_at is None
    assert adj.amount_involved_pkr == SHORT_LEVY == sum(adj.contravened().values())
    assert adj.contravened_cd_pkr > 0 and adj.contravened_st_pkr > 0
    assert adj.framed_by_id == court.w.auditor.id and adj.relevant_date == dt.date(2025, 3, 12)
    assert adj.cr_number == f"CR/PCA-S/2026/{case.id:06d}"
    task = court.task(case)
    assert (task.element_id, task.lane, task.assignee_id) == (
        "frame_contravention_report", "auditor", court.w.auditor.id)
    processes = [(d.process_id, d.status) for d in cases.diagrams(court.session, case)]
    assert processes == [("pca_audit", "completed"), ("adjudication", "running")]


def test_framing_routes_by_amount_to_a_pooled_allocation(court: Court) -> None:
    case = court.referred()
    court.frame(case, nature="false_statement_or_collusion")
    adj = court.adj(case)
    assert (adj.limitation_section, adj.limitation_ends) == ("32(2)", dt.date(2030, 3, 12))
    assert adj.competent_rank == "superintendent"  # Rs 278,696: up to Rs 500,000
    task = court.task(case)
    assert (task.element_id, task.lane, task.assignee_id, task.directorate_code) == (
        "assign_officer", "adjudication_officer", None, "PCA-S")
    assert case.adjudication_office == "PCA-S"


def test_the_full_path_to_an_order_that_stands(court: Court) -> None:
    case = court.referred()
    court.frame(case)
    officer = court.officers["superintendent"]
    court.do(case, "assign_officer", {"officer_id": officer.id}, user=court.officers["collector"])
    assert case.adjudicating_officer_id == officer.id
    court.do(case, "draft_scn", {"facts": "Laptops declared at Rs 1,000,000"})
    assert court.task(case).assignee_id == officer.id
    court.do(case, "approve_scn", {"decision": "return", "comments": "Cite the invoice"})
    court.do(case, "draft_scn", {"facts": "Laptops declared at Rs 1,000,000; invoice shows more"})
    court.do(case, "approve_scn", {"decision": "approve"})
    scn_date = court.today()
    court.do(case, "issue_scn")
    adj = court.adj(case)
    assert adj.scn.number and adj.scn.issued_on == scn_date
    assert adj.order_due_on == scn_date + dt.timedelta(days=120)
    reply = court.task(case)
    assert reply.element_id == "record_scn_reply" and reply.due_on == adj.scn.reply_due_date
    court.do(case, "record_scn_reply", {"reply_summary": "The invoice was genuine"})
    first = scn_date + dt.timedelta(days=30)
    court.do(case, "schedule_hearing", {"hearing_date": first.isoformat()})
    court.at_day(first, 0)
    assert court.task(case).due_on == first
    second = first + dt.timedelta(days=14)
    court.do(case, "record_hearing", {"outcome": "adjourned", "notes": "Counsel unwell",
                                      "next_date": second.isoformat()})
    court.at_day(second, 0)
    third = second + dt.timedelta(days=7)
    court.do(case, "record_hearing", {"outcome": "continued", "next_date": third.isoformat(),
                                      "appearances": "Ali Raza, counsel\nS. Khan, department"})
    court.at_day(third, 0)
    court.do(case, "record_hearing", {"outcome": "concluded",
                                      "appearances": "Ali Raza, counsel"})
    hearings = court.session.scalars(select(Hearing).order_by(Hearing.id)).all()
    assert [(h.scheduled_for, h.status) for h in hearings] == [
        (first, "adjourned"), (second, "held"), (third, "held")]
    assert hearings[1].appearances == [{"name": "Ali Raza", "for": "counsel"},
                                       {"name": "S. Khan", "for": "department"}]
    court.do(case, "record_order", {"outcome": "adjudged", "adjudged_cd": "100000",
                                    "adjudged_st": "50000", "penalty": "25000", "fine": "0",
                                    "reasons": "Undervaluation established"})
    order = adjudication.latest_order(court.session, case)
    assert (order.outcome, order.total_pkr, order.duty_taxes_pkr) == (
        "adjudged", Decimal(175_000), Decimal(150_000))
    assert order.appeal_window_ends == third + dt.timedelta(days=30)
    assert adj.stage == "adjudged" and adj.ended_on == third
    # The order stands: adjudication has ended and recovery of the demand has begun.
    rows = court.session.scalars(select(OpenTask).where(OpenTask.case_id == case.id)).all()
    assert [r.lane for r in rows] == ["recovery_officer"]
    assert [(d.process_id, d.status) for d in runtime.diagrams(court.session, case.id)] == [
        ("pca_audit", "completed"), ("adjudication", "completed"), ("recovery", "running")]


def test_an_order_cannot_adjudge_more_than_the_notice(court: Court) -> None:
    case = court.referred()
    court.to_order(case)
    with pytest.raises(ValidationFailed) as err:
        court.do(case, "record_order", {"outcome": "adjudged", "adjudged_cd": "99999999",
                                        "reasons": "x"})
    assert "adjudged_cd" in err.value.details


def test_an_order_dropping_the_case(court: Court) -> None:
    case = court.referred()
    court.to_order(case)
    court.do(case, "record_order", {"outcome": "dropped", "reasons": "Explanation accepted"})
    assert case.status == "dropped" and case.closed_at is not None
    assert adjudication.latest_order(court.session, case).total_pkr == 0


def test_no_reply_in_time_goes_to_the_hearing(court: Court) -> None:
    from workflows.worker import fire
    from audit_app.models import WorkflowTimer
    case = court.referred()
    court.to_scn(case)
    court.do(case, "issue_scn")
    timer = court.session.scalar(select(WorkflowTimer).where(WorkflowTimer.kind == "timer"))
    assert timer.element_id == "scn_reply_period_expired"
    assert fire(court.session, timer, court.w.clock).startswith("signal")
    court.session.commit()
    assert court.task(case).element_id == "schedule_hearing"


def test_under_the_minimum_is_not_pursued(court: Court) -> None:
    case = court.referred(Decimal("19999.99"))
    court.frame(case)
    assert case.status == "not_pursued" and court.adj(case).stage == "not_pursued"
    assert case.closed_at is not None


def test_time_barred_on_receipt(court: Court) -> None:
    case = court.referred()
    court.frame(case, relevant_date="2022-12-31")  # 3 years ended on 31 Dec 2025
    assert case.status == "time_barred" and court.adj(case).limitation_ends == dt.date(2025, 12, 31)


def test_an_scn_after_limitation_is_refused_and_the_case_recorded_time_barred(
        court: Court) -> None:
    case = court.referred()
    court.frame(case, relevant_date="2023-01-20")  # limitation ends 20 Jan 2026
    court.do(case, "assign_officer", {"officer_id": court.officers["superintendent"].id})
    court.do(case, "draft_scn")
    court.do(case, "approve_scn", {"decision": "approve"})
    with pytest.raises(ValidationFailed) as err:
        court.do(case, "issue_scn", {"record_time_barred": "1"})
    assert err.value.details["record_time_barred"].startswith("not time-barred")
    court.session.rollback()
    court.at_day(dt.date(2026, 1, 21), 0)
    with pytest.raises(ValidationFailed) as err:
        court.do(case, "issue_scn")
    assert "time-barred" in err.value.details["scn_date"]
    court.session.rollback()
    with pytest.raises(ValidationFailed) as err:  # nor is a notice dated back within it
        court.do(case, "issue_scn", {"scn_date": "2026-01-19"})
    assert "time-barred" in err.value.details["scn_date"]
    court.session.rollback()
    court.do(case, "issue_scn", {"record_time_barred": "1"})
    assert case.status == "time_barred" and court.adj(case).time_barred_on == dt.date(2026, 1, 21)


def test_a_remand_adjudicates_again_from_the_hearings(court: Court) -> None:
    case = court.referred()
    court.to_order(case)
    court.do(case, "record_order", {"outcome": "adjudged", "adjudged_cd": "1000", "reasons": "x"})
    first = court.adj(case)
    with pytest.raises(ValidationFailed):
        adjudication.remand(court.session, case, actor=None, clock=court.w.clock)
    court.at_day(court.today(), 200)
    again = adjudication.remand(court.session, case, actor=None, clock=court.w.clock,
                                reasons="Hear the clearing agent", order_ref="OIA-7/2026")
    court.session.commit()
    assert (again.sequence, again.remand_of_id, again.cr_number) == (2, first.id, first.cr_number)
    assert again.order_due_on == court.today() + dt.timedelta(days=120)
    assert adjudication.scn_of(again) is first.scn
    assert case.status == "adjudged" and case.closed_at is None
    assert court.task(case).element_id == "assign_officer"
    with pytest.raises(Conflict):
        adjudication.remand(court.session, case, actor=None, clock=court.w.clock, reason="x")
    officer = court.officers["superintendent"]
    court.do(case, "assign_officer", {"officer_id": officer.id})
    assert court.task(case).element_id == "schedule_hearing"
    hearing = court.today() + dt.timedelta(days=10)
    court.do(case, "schedule_hearing", {"hearing_date": hearing.isoformat()})
    court.at_day(hearing, 0)
    court.do(case, "record_hearing", {"outcome": "concluded"})
    court.do(case, "record_order", {"outcome": "dropped", "reasons": "Agent's evidence"})
    assert case.status == "dropped"
    instances = runtime.instances(court.session, case.id, process_id="adjudication")
    assert [i.end_status for i in instances] == ["adjudged", "dropped"]
    assert len(court.session.scalars(select(OrderInOriginal)).all()) == 2
    processes = [i.process_id for i in court.session.scalars(
        select(WorkflowInstance).order_by(WorkflowInstance.id))]
    assert processes == ["pca_audit", "adjudication", "recovery", "adjudication"]


def test_contravened_and_adjudged_amounts_are_posted_to_the_ledger(court: Court) -> None:
    from audit_app.services import ledger
    case = court.referred()
    court.to_order(case)
    books = ledger.balances(court.session, case.id)
    adj = court.adj(case)
    assert {levy: books["contravened"][levy] for levy in adj.contravened()} == adj.contravened()
    assert books.total("adjudged") == 0
    court.do(case, "record_order", {"outcome": "adjudged", "adjudged_cd": "1000",
                                    "penalty": "500", "reasons": "x"})
    books = ledger.balances(court.session, case.id)
    assert (books["adjudged"]["cd"], books["adjudged"]["penalty"], books.total("adjudged")) == (
        Decimal(1000), Decimal(500), Decimal(1500))
    court.at_day(court.today(), 10)
    adjudication.remand(court.session, case, actor=None, clock=court.w.clock, reason="Rehear")
    court.do(case, "assign_officer", {"officer_id": court.officers["superintendent"].id})
    day = court.today() + dt.timedelta(days=5)
    court.do(case, "schedule_hearing", {"hearing_date": day.isoformat()})
    court.at_day(day, 0)
    court.do(case, "record_hearing", {"outcome": "concluded"})
    court.do(case, "record_order", {"outcome": "dropped", "reasons": "Rehearing"})
    assert ledger.balances(court.session, case.id).total("adjudged") == 0


def test_the_service_registers_its_hand_off_and_forms_for_the_app() -> None:
    from audit_app.services import task_forms
    from workflows import handoffs
    assert "audit_app.services.adjudication" in handoffs.HANDOFF_MODULES
    assert "adjudication" in task_forms.FORM_MODULES
