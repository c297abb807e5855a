"""Jurisdiction by the amount involved (bpmn/adjudication_jurisdiction.dmn, date-effective) and
segregation of duties: only the competent rank adjudicates, never the auditor who framed it."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from audit_app.auth.service import create_user
from audit_app.errors import PermissionDenied, ValidationFailed
from audit_app.models import Role
from audit_app.services import adjudication, cases
from tests.adjudicationdata import Court, court  # noqa: F401
from tests.casedata import world  # noqa: F401
from workflows import runtime
from workflows.clock import PKT

# (amount involved, competent rank) at each edge of the bands in force from 1 July 2024.
EDGES = [("19999.99", "not_pursued"), ("20000", "superintendent"),
         ("500000", "superintendent"), ("500000.01", "assistant_collector"),
         ("2000000", "assistant_collector"), ("2000000.01", "deputy_collector"),
         ("4000000", "deputy_collector"), ("4000000.01", "additional_collector"),
         ("10000000", "additional_collector"), ("10000000.01", "collector")]


@pytest.mark.parametrize(("amount", "rank"), EDGES)
def test_jurisdiction_at_each_band_edge(court: Court, amount: str, rank: str) -> None:
    case = court.referred(Decimal(amount))
    court.frame(case)
    adj = court.adj(case)
    assert adj.competent_rank == rank
    if rank == "not_pursued":
        assert case.status == "not_pursued"
    else:
        assert court.task(case).element_id == "assign_officer"
        assert [u.id for u in adjudication.competent_officers(court.session, adj, case)] == [
            court.officers[rank].id]


@pytest.mark.parametrize(("day", "amount", "rank"), [
    (dt.date(2024, 6, 30), "200000", "superintendent"),
    (dt.date(2024, 6, 30), "200000.01", "assistant_collector"),
    (dt.date(2024, 7, 1), "200000.01", "superintendent"),
    (dt.date(2024, 6, 30), "5000000.01", "collector"),
    (dt.date(2024, 7, 1), "5000000.01", "additional_collector")])
def test_the_bands_in_force_on_the_report_date_apply(court: Court, day: dt.date, amount: str,
                                                     rank: str) -> None:
    case = court.referred(Decimal(amount))
    court.w.clock.set(dt.datetime.combine(day, dt.time(9), tzinfo=PKT))
    court.frame(case, relevant_date="2024-01-15")
    assert court.adj(case).competent_rank == rank


def test_an_officer_without_jurisdiction_cannot_be_assigned(court: Court) -> None:
    case = court.referred()  # Rs 278,696: a Superintendent's
    court.frame(case)
    for officer in (court.officers["deputy_collector"], court.officers["collector"],
                    court.elsewhere):
        with pytest.raises(ValidationFailed) as err:
            court.do(case, "assign_officer", {"officer_id": officer.id})
        court.session.rollback()
        assert "officer_id" in err.value.details
    with pytest.raises(ValidationFailed, match="not assigned"):
        court.do(case, "assign_officer", {"officer_id": court.w.auditor.id})
    court.session.rollback()
    court.do(case, "assign_officer", {"officer_id": court.officers["superintendent"].id})
    assert case.adjudicating_officer_id == court.officers["superintendent"].id


def test_an_officer_without_jurisdiction_cannot_work_the_case(court: Court) -> None:
    case = court.referred()
    court.frame(case)
    court.do(case, "assign_officer", {"officer_id": court.officers["superintendent"].id})
    task = court.task(case)
    loose = cases._unassigned(task)
    with pytest.raises(PermissionDenied, match="jurisdiction"):
        runtime.check_can_work(court.officers["collector"], loose)
    with pytest.raises(PermissionDenied, match="office PCA-S"):
        runtime.check_can_work(court.elsewhere, loose)
    runtime.check_can_work(court.officers["superintendent"], task)


def test_the_auditor_who_framed_the_case_never_adjudicates_it(court: Court) -> None:
    session = court.session
    both = create_user(session, "aud_adj", "x" * 12, "Auditor Adjudicator",
                       [Role.AUDITOR, Role.ADJUDICATION_OFFICER], directorate_code="PCA-S")
    adjudication.set_rank(session, both, "superintendent")
    session.commit()
    original = court.w.auditor
    court.w.auditor = both  # this officer audits the case and frames its report
    try:
        case = court.referred()
        assert case.auditor_id == both.id
        court.frame(case)
    finally:
        court.w.auditor = original
    assert court.adj(case).framed_by_id == both.id
    task = court.task(case)
    with pytest.raises(PermissionDenied, match="framed this case"):
        cases.claim_task(session, task.task_id, both, clock=court.w.clock)
    with pytest.raises(PermissionDenied, match="framed this case"):
        court.do(case, "assign_officer", {"officer_id": court.officers["superintendent"].id},
                 user=both)
    session.rollback()
    with pytest.raises(ValidationFailed, match="not assigned") as err:
        court.do(case, "assign_officer", {"officer_id": both.id})
    assert "framed this case" in err.value.details["officer_id"]
    session.rollback()
    assert both not in adjudication.competent_officers(session, court.adj(case), case)


def test_ranks_are_recorded_for_adjudication_officers_only(court: Court) -> None:
    with pytest.raises(ValidationFailed):
        adjudication.set_rank(court.session, court.w.auditor, "collector")
    with pytest.raises(ValidationFailed):
        adjudication.set_rank(court.session, court.officers["collector"], "judge")


def test_an_overdue_adjudication_task_escalates_to_the_collector(app, court: Court) -> None:  # type: ignore[no-untyped-def]
    from workflows.worker import run_once
    case = court.referred()
    court.frame(case)
    court.session.commit()
    court.w.clock.advance(days=8)  # assignment is due in 7 days
    run_once(app.extensions["pca_db"].sessionmaker, court.w.clock)
    court.session.expire_all()
    task = court.task(case)
    assert task.escalated_to_id == court.officers["collector"].id
    breach = court.w.events(case, "sla_breached")[0]
    assert "officer in charge" in breach.summary
