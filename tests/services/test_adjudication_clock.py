"""The 120-day limit from the SCN, its one extension asked before expiry, the warnings before
it, and the order refused after it unless the case is recorded time-barred."""
from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select

from audit_app.errors import Conflict, PermissionDenied, ValidationFailed
from audit_app.models import CaseEvent, DeadlineRule, WorkflowTimer
from audit_app.services import adjudication
from audit_app.services.adjudication_clock import breaching_within, state
from tests.adjudicationdata import Court, court  # noqa: F401
from tests.casedata import world  # noqa: F401
from workflows.worker import run_once

ORDER = {"outcome": "adjudged", "adjudged_cd": "10000", "penalty": "5000",
         "reasons": "Undervaluation established"}


def _extend(court: Court, case, days: int = 30, reasons: str = "Importer's records awaited "
            "from the bank") -> None:  # type: ignore[no-untyped-def]
    adjudication.request_extension(court.session, case, actor=court.officer_for(case),
                                   clock=court.w.clock, days=days, reasons=reasons)
    court.session.commit()


def test_an_order_on_day_119_stands(court: Court) -> None:
    case = court.referred()
    scn = court.to_order(case)
    court.at_day(scn, 119)
    court.do(case, "record_order", ORDER)
    assert case.status == "adjudged"
    event = court.w.events(case, "order_in_original")[0]
    assert event.data["day"] == 119


def test_an_order_on_day_120_is_the_last_day(court: Court) -> None:
    case = court.referred()
    scn = court.to_order(case)
    court.at_day(scn, 120)
    assert adjudication.clock_state(court.session, case, clock=court.w.clock).days_left == 0
    court.do(case, "record_order", ORDER)
    assert case.status == "adjudged"


def test_an_order_on_day_121_without_extension_is_refused(court: Court) -> None:
    case = court.referred()
    scn = court.to_order(case)
    court.at_day(scn, 121)
    with pytest.raises(ValidationFailed) as err:
        court.do(case, "record_order", ORDER)
    assert "void" in err.value.details["outcome"]
    court.session.rollback()
    with pytest.raises(ValidationFailed):  # nor dated back within the limit
        court.do(case, "record_order", {**ORDER, "order_date": (scn + dt.timedelta(days=119))
                                        .isoformat()})
    court.session.rollback()
    with pytest.raises(ValidationFailed):
        court.do(case, "record_order", {"outcome": "dropped", "reasons": "x"})
    court.session.rollback()
    court.do(case, "record_order", {"outcome": "time_barred", "reasons": "Limit missed"})
    assert case.status == "time_barred"
    adj = court.adj(case)
    assert adj.time_barred_on == scn + dt.timedelta(days=121) and "Limit missed" in \
        adj.time_barred_reason


def test_time_barred_cannot_be_recorded_within_the_limit(court: Court) -> None:
    case = court.referred()
    scn = court.to_order(case)
    court.at_day(scn, 100)
    with pytest.raises(ValidationFailed) as err:
        court.do(case, "record_order", {"outcome": "time_barred", "reasons": "x"})
    assert "20 days are left" in err.value.details["outcome"]


def test_an_extension_asked_on_day_125_is_refused(court: Court) -> None:
    case = court.referred()
    scn = court.to_order(case)
    court.at_day(scn, 125)
    with pytest.raises(Conflict, match="before expiry"):
        _extend(court, case)


def test_an_extension_asked_before_expiry_allows_an_order_on_day_140(court: Court) -> None:
    case = court.referred()
    scn = court.to_order(case)
    court.at_day(scn, 100)
    _extend(court, case)
    adj = court.adj(case)
    assert adj.order_due_on == scn + dt.timedelta(days=150) and adj.extension_days == 30
    assert court.w.events(case, "order_limit_extended")[0].data["days"] == 30
    with pytest.raises(Conflict, match="one extension"):
        _extend(court, case, days=5)
    court.at_day(scn, 140)
    court.do(case, "record_order", ORDER)
    assert case.status == "adjudged"


def test_an_extension_beyond_the_last_day_is_refused_on_day_151(court: Court) -> None:
    case = court.referred()
    scn = court.to_order(case)
    court.at_day(scn, 120)  # the last day: still before expiry
    _extend(court, case, days=30)
    court.at_day(scn, 151)
    with pytest.raises(ValidationFailed):
        court.do(case, "record_order", ORDER)


@pytest.mark.parametrize(("days", "reasons", "field"), [
    (31, "Importer's records awaited", "days"), (0, "Importer's records awaited", "days"),
    (10, "", "reasons")])
def test_an_extension_needs_reasons_and_at_most_30_days(court: Court, days: int, reasons: str,
                                                        field: str) -> None:
    case = court.referred()
    court.to_order(case)
    with pytest.raises(ValidationFailed) as err:
        _extend(court, case, days=days, reasons=reasons)
    assert field in err.value.details


def test_only_the_adjudicating_officer_extends(court: Court) -> None:
    case = court.referred()
    court.to_order(case)
    with pytest.raises(PermissionDenied):
        adjudication.request_extension(court.session, case, actor=court.officers["deputy_collector"],
                                       clock=court.w.clock, days=10, reasons="Records awaited")
    with pytest.raises(PermissionDenied):
        adjudication.request_extension(court.session, case, actor=court.w.auditor,
                                       clock=court.w.clock, days=10, reasons="Records awaited")


def test_the_limit_and_extension_are_configuration(court: Court) -> None:
    court.session.add(DeadlineRule(key="adjudication.order_days", days=90,
                                   valid_from=dt.date(2026, 1, 1)))
    court.session.commit()
    case = court.referred()
    scn = court.to_order(case)
    assert court.adj(case).order_due_on == scn + dt.timedelta(days=90)


def test_warnings_fire_once_at_90_and_110_days_and_when_the_limit_passes(
        app: Flask, court: Court) -> None:
    sessions = app.extensions["pca_db"].sessionmaker
    case = court.referred()
    scn = court.to_order(case)
    court.session.commit()
    court.at_day(scn, 89)
    run_once(sessions, court.w.clock)
    assert court.w.events(case, "order_limit_warning") == []
    for day, level in ((90, 1), (110, 2), (121, 3)):
        court.at_day(scn, day)
        run_once(sessions, court.w.clock)
        run_once(sessions, court.w.clock)
        court.session.expire_all()
        events = court.w.events(case, "order_limit_warning")
        assert [e.data["level"] for e in events][-1] == level and len(events) == level
    assert [e.data["days_left"] for e in court.w.events(case, "order_limit_warning")] == [
        30, 10, -1]
    collector = court.officers["collector"].id
    assert court.w.events(case, "order_limit_warning")[0].data["escalated_to_id"] == collector
    assert court.adj(case).warning_level == 3


def test_an_extension_moves_the_warnings_and_an_order_cancels_them(app: Flask,
                                                                   court: Court) -> None:
    sessions = app.extensions["pca_db"].sessionmaker
    case = court.referred()
    scn = court.to_order(case)
    court.at_day(scn, 95)
    run_once(sessions, court.w.clock)
    _extend(court, case, days=30)
    pending = court.session.scalars(select(WorkflowTimer.due_at).where(
        WorkflowTimer.kind == "adj_limit", WorkflowTimer.fired_at.is_(None))).all()
    assert len(pending) == 3
    court.at_day(scn, 118)
    run_once(sessions, court.w.clock)  # 32 days left now: no warning
    court.session.expire_all()
    assert len(court.w.events(case, "order_limit_warning")) == 1
    court.do(case, "record_order", ORDER)
    assert court.session.scalars(select(WorkflowTimer).where(
        WorkflowTimer.kind == "adj_limit", WorkflowTimer.fired_at.is_(None))).all() == []


def test_days_left_and_risk(court: Court) -> None:
    case = court.referred()
    assert adjudication.clock_state(court.session, case, clock=court.w.clock).risk == "none"
    scn = court.to_order(case)
    adj = court.adj(case)
    cases = [(10, "ok", 110), (95, "warning", 25), (112, "critical", 8), (121, "passed", -1)]
    for day, risk, left in cases:
        s = state(adj, scn + dt.timedelta(days=day))
        assert (s.risk, s.days_left, s.day_number) == (risk, left, day)
    assert "days left" in state(adj, scn).label


def test_breaching_within_30_days(court: Court) -> None:
    soon = court.referred()
    scn = court.to_order(soon)
    later = court.referred()
    court.at_day(scn, 60)
    court.to_order(later)
    court.at_day(scn, 95)
    today = court.today()
    rows = breaching_within(court.session, today, 30)
    assert [case_id for _, case_id, _ in rows] == [soon.id]
    assert rows[0][2] == scn + dt.timedelta(days=120)
    assert {c for _, c, _ in breaching_within(court.session, today, 100)} == {soon.id, later.id}
    court.do(soon, "record_order", ORDER)
    assert breaching_within(court.session, today, 30) == []


def test_the_console_lists_breaches_and_records_ranks(runner, court: Court) -> None:  # type: ignore[no-untyped-def]
    import json
    case = court.referred()
    scn = court.to_order(case)
    soon = (scn + dt.timedelta(days=100)).isoformat()
    result = runner.invoke(args=["adjudication", "breaching", "--today", soon])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["case_id"], r["days_left"]) for r in rows] == [(case.id, 20)]
    result = runner.invoke(args=["adjudication", "breaching", "--today", scn.isoformat()])
    assert result.output == ""
    result = runner.invoke(args=["adjudication", "rank", "adj_north", "collector"])
    assert result.exit_code == 0 and "Collector" in result.output
    result = runner.invoke(args=["adjudication", "rank", "aud", "collector"])
    assert result.exit_code != 0 and "not an adjudication officer" in result.output
    assert "adj_north" in runner.invoke(args=["adjudication", "officers"]).output
