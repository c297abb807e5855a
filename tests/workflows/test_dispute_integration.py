"""Disputes on a real order-in-original: adjudication passes the order, recovery raises the
demand, and the appeal's stay, reduction, set-aside or remand flow back through recovery and
adjudication (no stand-ins)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from audit_app.models import Role, User
from audit_app.services import adjudication, disputes, ledger, recovery
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
    disputes.decide(court.session, dispute, {"outcome": outcome, "reasons": "Heard",
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
