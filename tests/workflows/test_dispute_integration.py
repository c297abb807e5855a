"""Disputes on a real order-in-original: adjudication passes the order, recovery raises the
demand, and the appeal's stay, reduction, set-aside or remand flow back through recovery and
adjudication (no stand-ins)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from audit_app.models import Role, User
from audit_app.services import adjudication, dispute_decisions, disputes, ledger, recovery
from tests.adjudicationdata import Court, court  # noqa: F401
from tests.casedata import world  # noqa: F401
from workflows import runtime
from workflows.clock import local_date

D = Decimal
ORDER = {"outcome": "adjudged", "adjudged_cd": "100000", "adjudged_st": "50000",
         "penalty": "25000", "fine": "0", "reasons": "Undervaluation established"}


@pytest.fixture
def officer(court: Court, make_user) -> User:  # type: ignore[no-untyped-def]
    make_user(Role.APPELLATE_OFFICER, username="appellate", directorate=None)
    return court.session.scalar(select(User).where(User.username == "appellate"))


def _ordered(court: Court):  # type: ignore[no-untyped-def]
    case = court.referred()
    court.to_order(case)
    court.do(case, "record_order", ORDER)
    return case, local_date(court.w.clock.now())


def _file(court: Court, officer: User, case, forum: str, on: dt.date):  # type: ignore[no-untyped-def]
    court.w.clock.set(court.w.clock.now() + dt.timedelta(days=(on - court.today()).days))
    dispute = disputes.file(court.session, case, {"forum": forum, "filed_on": on.isoformat(),
                                                  "grounds": "Value was genuine"},
                            actor=officer, clock=court.w.clock)
    court.session.commit()
    return dispute


def _decide(court: Court, officer: User, dispute, outcome: str, **form):  # type: ignore[no-untyped-def]
    court.w.clock.set(court.w.clock.now() + dt.timedelta(days=10))
    dispute_decisions.decide(court.session, dispute, {"outcome": outcome, "reasons": "Heard",
                                             "order_number": "OIA/1",
                                             "decided_on": court.today().isoformat(), **form},
                    actor=officer, clock=court.w.clock)
    court.session.commit()


def test_an_appeal_against_a_real_order_with_a_stay_and_a_reduction(court: Court,
                                                                     officer: User) -> None:
    case, order_date = _ordered(court)
    order = adjudication.latest_order(court.session, case)
    assert disputes.opening(court.session, case).order.number == order.number
    assert recovery.position(court.session, case.id).demanded == D(175_000)
    appeal = _file(court, officer, case, "collector_appeals", order_date + dt.timedelta(days=30))
    assert appeal.order_appealed == order.number and appeal.demand_before_pkr == D(175_000)
    disputes.record_stay(court.session, appeal, {"amount": "50000", "order_ref": "STAY/1",
                                                 "granted_on": court.today().isoformat()},
                         actor=officer, clock=court.w.clock)
    court.session.commit()
    assert recovery.position(court.session, case.id).stayed == D(50_000)
    _decide(court, officer, appeal, "reduced", after_cd="40000", after_penalty="0")
    where = recovery.position(court.session, case.id)
    assert (where.demanded, where.remitted) == (D(90_000), D(85_000))
    assert appeal.demand_after_pkr == D(90_000) and appeal.decided_by_id == officer.id
    from audit_app.services import documents
    record = documents.current(court.session, case, "order_in_appeal")
    assert record is not None and record.id == appeal.document_id
    assert record.number.startswith("OIA/")
    disputes.accept(court.session, case, actor=officer, clock=court.w.clock)
    court.session.commit()
    running = [d.process_id for d in runtime.diagrams(court.session, case.id)
               if d.status == "running"]
    assert running == ["recovery"]  # the reduced demand is still being recovered


def test_an_appeal_filed_a_day_late_against_a_real_order_is_refused(court: Court,
                                                                    officer: User) -> None:
    case, order_date = _ordered(court)
    with pytest.raises(Exception) as err:
        _file(court, officer, case, "collector_appeals", order_date + dt.timedelta(days=31))
    assert "out of time" in str(err.value.details["filed_on"])


def test_set_aside_cancels_the_demand(court: Court, officer: User) -> None:
    case, order_date = _ordered(court)
    appeal = _file(court, officer, case, "collector_appeals", order_date + dt.timedelta(days=3))
    _decide(court, officer, appeal, "set_aside")
    assert recovery.position(court.session, case.id).demanded == 0
    statuses = {d.process_id: (d.status, d.end_status)
                for d in runtime.diagrams(court.session, case.id)}
    assert statuses["dispute"] == ("completed", "set_aside_on_appeal")
    # Recovery still at its notice step closes by itself when that step is done (recovery's
    # rule); nothing is left to recover.
    assert recovery.position(court.session, case.id).recoverable == 0


def test_a_remand_returns_the_case_to_adjudication(court: Court, officer: User) -> None:
    case, order_date = _ordered(court)
    first = adjudication.current(court.session, case)
    appeal = _file(court, officer, case, "collector_appeals", order_date + dt.timedelta(days=3))
    _decide(court, officer, appeal, "remanded",
            reasons="Re-examine the valuation with the supplier's price list")
    assert ledger.balances(court.session, case.id).total("demanded") == 0
    again = adjudication.current(court.session, case)
    assert again.id != first.id and again.remand_of_id == first.id
    assert again.remand_order_ref == "OIA/1"
    running = [d.process_id for d in runtime.diagrams(court.session, case.id)
               if d.status == "running"]
    assert "adjudication" in running and "dispute" not in running
    # Until the fresh order, nothing is open to appeal.
    assert disputes.opening(court.session, case) is None


# --- the demand notice, stays and the forum's decision -----------------------------------------

def _notice(court: Court, make_user, case) -> None:  # type: ignore[no-untyped-def]
    """The recovery officer of the office issues the demand notice."""
    from audit_app.models import OpenTask
    from audit_app.services import cases
    make_user(Role.RECOVERY_OFFICER, username="recov", directorate="PCA-S")
    officer = court.session.scalar(select(User).where(User.username == "recov"))
    task = court.session.scalar(select(OpenTask).where(
        OpenTask.case_id == case.id, OpenTask.element_id == "issue_demand_notice"))
    cases.complete_task(court.session, task.task_id, officer, {}, clock=court.w.clock)
    court.session.commit()


def _notices(court: Court, case):  # type: ignore[no-untyped-def]
    from audit_app.models import IssuedDocument
    return list(court.session.scalars(select(IssuedDocument).where(
        IssuedDocument.case_id == case.id, IssuedDocument.kind == "demand_notice")
        .order_by(IssuedDocument.version)))


def test_a_reduction_re_issues_the_demand_notice_with_the_demand_as_changed(
        court: Court, officer: User, make_user) -> None:  # type: ignore[no-untyped-def]
    from audit_app.services import documents
    case, order_date = _ordered(court)
    _notice(court, make_user, case)
    first = recovery.current_demand(court.session, case.id)
    pay_by = first.pay_by
    appeal = _file(court, officer, case, "collector_appeals", order_date + dt.timedelta(days=10))
    _decide(court, officer, appeal, "reduced", after_cd="40000", after_penalty="0")
    v1, v2 = _notices(court, case)
    assert (v1.number, v1.version, v2.number, v2.version) == (v1.number, 1, v1.number, 2)
    assert v2.replaces_id == v1.id and "Collector (Appeals)" in v2.reissue_reason
    text = documents.text_of(court.session, v2)
    oia = documents.current(court.session, case, "order_in_appeal")
    assert oia.number in text  # the order the demand now rests on
    assert "90,000" in text and "175,000" not in text
    demand = recovery.current_demand(court.session, case.id)
    assert demand.document_id == v2.id and demand.pay_by == pay_by
    # Upheld changes nothing: no new version.
    disputes.accept(court.session, case, actor=officer, clock=court.w.clock)
    court.session.commit()
    assert len(_notices(court, case)) == 2


def test_set_aside_after_the_notice_closes_recovery_without_a_new_notice(
        court: Court, officer: User, make_user) -> None:  # type: ignore[no-untyped-def]
    case, order_date = _ordered(court)
    _notice(court, make_user, case)
    appeal = _file(court, officer, case, "collector_appeals", order_date + dt.timedelta(days=3))
    _decide(court, officer, appeal, "set_aside")
    statuses = {d.process_id: d.end_status for d in runtime.diagrams(court.session, case.id)}
    assert statuses["recovery"] == "demand_cancelled"
    assert recovery.current_demand(court.session, case.id).status == "demand_cancelled"
    assert len(_notices(court, case)) == 1


@pytest.mark.parametrize("outcome, form", [("upheld", {}),
                                           ("reduced", {"after_cd": "80000"})])
def test_a_forums_stay_ends_with_its_decision(court: Court, officer: User, make_user,
                                              outcome: str, form: dict) -> None:  # type: ignore[no-untyped-def]
    case, order_date = _ordered(court)
    _notice(court, make_user, case)
    appeal = _file(court, officer, case, "collector_appeals", order_date + dt.timedelta(days=5))
    stay = disputes.record_stay(court.session, appeal, {
        "amount": "60000", "order_ref": "STAY/9", "granted_on": court.today().isoformat()},
        actor=officer, clock=court.w.clock)
    court.session.commit()
    assert recovery.position(court.session, case.id).stayed == D(60_000)
    _decide(court, officer, appeal, outcome, **form)
    court.session.refresh(stay)
    assert stay.lifted_on == court.today() and stay.lift_reference == "OIA/1"
    where = recovery.position(court.session, case.id)
    assert where.stayed == 0 and where.recoverable == where.demanded > 0
    assert [e.summary for e in court.w.events(case, "stay_lifted")] == [
        "Stay STAY/9 ended with the Collector (Appeals)'s decision"]


def _worker(app, court: Court):  # type: ignore[no-untyped-def]
    """`pca worker` run once at a given instant, as the clock then says."""
    from workflows.worker import run_once
    sessions = app.extensions["pca_db"].sessionmaker

    def worker_at(instant: dt.datetime) -> None:
        court.w.clock.set(instant)
        run_once(sessions, court.w.clock)
        court.session.expire_all()
    return worker_at


def test_a_stay_granted_until_a_date_lapses_through_the_worker(
        app, court: Court, officer: User, make_user) -> None:  # type: ignore[no-untyped-def]
    from workflows.clock import end_of_day_utc
    case, order_date = _ordered(court)
    _notice(court, make_user, case)
    appeal = _file(court, officer, case, "collector_appeals", order_date + dt.timedelta(days=5))
    until = court.today() + dt.timedelta(days=20)
    stay = disputes.record_stay(court.session, appeal, {
        "amount": "175000", "order_ref": "STAY/10", "granted_on": court.today().isoformat(),
        "until": until.isoformat()}, actor=officer, clock=court.w.clock)
    court.session.commit()
    worker_at = _worker(app, court)
    worker_at(end_of_day_utc(until) - dt.timedelta(minutes=1))  # the last minute of `until`
    assert court.session.get(type(stay), stay.id).lifted_on is None
    assert recovery.position(court.session, case.id).stayed == D(175_000)
    worker_at(end_of_day_utc(until))
    lapsed = court.session.get(type(stay), stay.id)
    assert lapsed.lifted_on == until + dt.timedelta(days=1) and lapsed.lifted_by_id is None
    where = recovery.position(court.session, case.id)
    assert where.stayed == 0 and where.recoverable == D(175_000)
    assert [e.summary for e in court.w.events(case, "stay_lifted")] == [
        f"Stay STAY/10 lapsed: granted until {until:%d %b %Y}"]
    # The appeal decided later finds no stay to end.
    _decide(court, officer, appeal, "upheld")
    assert len(court.w.events(case, "stay_lifted")) == 1


def test_a_forums_stay_ends_when_its_decision_limit_passes_undecided(
        app, court: Court, officer: User, make_user) -> None:  # type: ignore[no-untyped-def]
    """The Collector (Appeals) lets the 120-day limit pass: the filing lapses, the demand stands
    and the forum's stay ends the day after the limit, so recovery can resume at once."""
    from workflows.clock import end_of_day_utc
    case, order_date = _ordered(court)
    _notice(court, make_user, case)
    appeal = _file(court, officer, case, "collector_appeals", order_date + dt.timedelta(days=5))
    stay = disputes.record_stay(court.session, appeal, {
        "amount": "175000", "order_ref": "STAY/11", "granted_on": court.today().isoformat()},
        actor=officer, clock=court.w.clock)
    court.session.commit()
    limit = appeal.decision_due_on
    assert limit is not None
    worker_at = _worker(app, court)
    worker_at(end_of_day_utc(limit) - dt.timedelta(minutes=1))
    assert court.session.get(type(stay), stay.id).lifted_on is None
    assert court.session.get(type(appeal), appeal.id).outcome is None
    worker_at(end_of_day_utc(limit) + dt.timedelta(hours=1))
    lapsed_appeal = court.session.get(type(appeal), appeal.id)
    assert lapsed_appeal.outcome == "lapsed"
    assert lapsed_appeal.demand_after_pkr == lapsed_appeal.demand_before_pkr == D(175_000)
    ended = court.session.get(type(stay), stay.id)
    assert ended.lifted_on == limit + dt.timedelta(days=1) and ended.lifted_by_id is None
    where = recovery.position(court.session, case.id)
    assert where.stayed == 0 and where.recoverable == D(175_000)
    assert [e.summary for e in court.w.events(case, "stay_lifted")] == [
        f"Stay STAY/11 ended when the Collector (Appeals)'s decision limit of "
        f"{limit:%d %b %Y} passed undecided"]
    # The tribunal may still be approached; the stay does not come back by itself.
    assert disputes.waiting_for_filing(court.session, case) is not None


def test_a_case_recovered_in_full_stays_recovered_when_the_appeal_ends_later(
        court: Court, officer: User, make_user) -> None:  # type: ignore[no-untyped-def]
    """Recovery collects everything while the appeal is pending (no stay); the appeal is then
    dismissed and the trader goes no further. The case ends "recovered", not "appeal
    concluded", and the risk model's labels say so."""
    from audit_app.models import AuditOutcome
    case, order_date = _ordered(court)
    _notice(court, make_user, case)
    appeal = _file(court, officer, case, "collector_appeals", order_date + dt.timedelta(days=5))
    recov = court.session.scalar(select(User).where(User.username == "recov"))
    owed = ledger.balances(court.session, case.id)["demanded"]
    for n, (levy, amount) in enumerate(sorted(owed.items())):
        if amount > 0:
            recovery.record_payment(court.session, case.id, {
                "challan_number": f"CH-{n}", "payment_date": court.today().isoformat(),
                "levy": levy, "amount": str(amount)}, actor=recov, clock=court.w.clock)
            court.session.commit()
    court.session.refresh(case)
    assert case.status == "recovered" and recovery.position(court.session, case.id).recoverable == 0
    assert case.closed_at is None  # the appeal still runs
    _decide(court, officer, appeal, "upheld")
    disputes.accept(court.session, case, actor=officer, clock=court.w.clock)
    court.session.commit()
    court.session.refresh(case)
    assert case.status == "recovered" and case.closed_at is not None
    ends = [e.data["status"] for e in court.w.events(case, "case_closed")]
    assert ends[-2:] == ["recovered", "appeal_concluded"]
    labels = court.session.scalars(select(AuditOutcome).where(
        AuditOutcome.item_id.in_([i.item_id for i in case.items]))).all()
    assert labels and {o.attributes["case_status"] for o in labels} == {"recovered"}
