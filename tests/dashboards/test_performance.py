"""Performance dashboard: each callback output for given filters, against counts and sums
computed here from the cases and their events."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from audit_app.models import AuditCase, CaseEvent, Role
from dashboards.performance import callbacks, drill
from dashboards.filters import Filters
from dashboards.access import Viewer
from tests.conftest import login
from tests.dashboards.data import Cases3, as_user, cases3, user, world  # noqa: F401

OUT = {name: i for i, name in enumerate(
    ["started", "completed", "closed", "hit", "conversion", "detected", "hit_note", "intime",
     "intime_note", "timebar", "timelimits", "monthly",
     "directorates", "officers", "stages", "officers_table", "appeals"])}


def _observed(session, case) -> object:  # type: ignore[no-untyped-def]
    return session.scalar(select(CaseEvent.at).where(CaseEvent.case_id == case.id,
                                                     CaseEvent.element_id == "issue_observation"))


def test_headline_figures_for_the_year(app: Flask, cases3: Cases3, make_user) -> None:  # noqa: F811
    make_user(Role.MANAGEMENT, username="boss")
    s = cases3.world.session
    everything = s.scalars(select(AuditCase)).all()
    detected = sum((c.short_levy_total_pkr for c in everything if _observed(s, c)), Decimal(0))
    ctx = as_user(app, user(cases3.world, "boss"))
    try:
        out = callbacks.update("2026", None, None, None, None)
    finally:
        ctx.pop()
    assert out[OUT["started"]] == f"{len(everything)}" == "3"
    assert out[OUT["completed"]] == "2"  # two observations issued
    assert out[OUT["closed"]] == "1"  # the clean case, closed with no change
    assert out[OUT["hit"]] == "50.0%"
    assert out[OUT["conversion"]] == "50.0%"  # one contravention report of two observations
    assert detected == Decimal("278696") and out[OUT["detected"]] == "Rs 278,696"
    monthly = out[OUT["monthly"]]
    started = dict(zip(monthly["data"][0]["x"], monthly["data"][0]["y"]))
    assert started["2026-01"] == 1 and started["2026-02"] == 2 and sum(started.values()) == 3
    completed = dict(zip(monthly["data"][1]["x"], monthly["data"][1]["y"]))
    assert completed["2026-01"] == 1 and completed["2026-02"] == 1


def test_filters_narrow_every_figure(app: Flask, cases3: Cases3, make_user) -> None:  # noqa: F811
    make_user(Role.MANAGEMENT, username="boss")
    ctx = as_user(app, user(cases3.world, "boss"))
    try:
        north = callbacks.update("2026", "PCA-N", None, None, None)
        january = callbacks.update("2026-01", None, None, None, None)
        undervalued = callbacks.update("2026", None, None, "UNDERVALUATION", None)
        chapter = callbacks.update("2026", None, None, None, "84")
        other_chapter = callbacks.update("2026", None, None, None, "01")
    finally:
        ctx.pop()
    assert north[:3] == ["1", "0", "0"]
    assert january[:3] == ["1", "1", "0"] and january[OUT["detected"]] == "Rs 278,696"
    assert undervalued[:3] == ["1", "1", "0"] and undervalued[OUT["hit"]] == "100.0%"
    assert chapter[0] == "1"  # only the laptop case has chapter 84 goods
    assert other_chapter[:3] == ["0", "0", "0"]


def test_a_supervisor_sees_only_their_directorate_whatever_they_ask(app: Flask, cases3: Cases3) -> None:  # noqa: F811
    ctx = as_user(app, cases3.world.supervisor)  # PCA-S
    try:
        asked_north = callbacks.update("2026", "PCA-N", None, None, None)
    finally:
        ctx.pop()
    assert asked_north[:3] == ["2", "2", "1"]  # the two PCA-S cases, not PCA-N's


def test_stage_days_and_officer_workload(app: Flask, cases3: Cases3, make_user) -> None:  # noqa: F811
    make_user(Role.MANAGEMENT, username="boss")
    s = cases3.world.session
    viewer = Viewer(0, "boss", None)
    from dashboards.performance import queries
    f = Filters.build(viewer, "2026")
    days = sorted(queries.selection_to_observation(s, f))
    # Selection (proposal created, test default: now) to observation, computed from the rows.
    assert len(days) == 2
    stages = queries.stage_days(s, f)[0]
    assert stages.cases == 2 and stages.median == pytest.approx(sum(days) / 2)
    officers = {o.name: o for o in queries.workload(s, f, cases3.world.clock.now())}
    auditor = officers[cases3.world.auditor.full_name]
    assert auditor.completed == 2 and auditor.with_finding == 1
    assert auditor.detected_pkr == Decimal("278696")


def test_chart_click_drills_down_to_the_cases_and_their_pages(app: Flask, cases3: Cases3, client, make_user) -> None:  # noqa: F811
    make_user(Role.MANAGEMENT, username="boss")
    ctx = as_user(app, user(cases3.world, "boss"))
    try:
        from dashboards.components import drill_from_click
        href = drill_from_click("performance", "perf-monthly",
                                {"perf-monthly": {"points": [{"customdata": "started:2026-02"}]}},
                                "2026", None, None, None, None)
    finally:
        ctx.pop()
    assert href.startswith("/dashboards/cases?")
    login(client, "boss")
    page = client.get(href).get_data(as_text=True)
    assert "2 cases" in page
    assert f'href="/cases/{cases3.clean.id}"' in page and f'href="/cases/{cases3.north.id}"' in page
    assert f'href="/cases/{cases3.hit.id}"' not in page
    exported = client.get(href + "&format=csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"))))
    assert {r["Case"] for r in rows} == {cases3.clean.case_number, cases3.north.case_number}


def test_drill_of_a_directorate_bar(cases3: Cases3) -> None:  # noqa: F811
    s = cases3.world.session
    f = Filters.build(Viewer(0, "boss", None), "2026")
    ids = set(s.scalars(drill(s, f, "perf-directorates", "PCA-S").case_ids))
    assert ids == {cases3.hit.id, cases3.clean.id}


def test_tables_export_as_csv_and_excel(app: Flask, cases3: Cases3, client, make_user) -> None:  # noqa: F811
    make_user(Role.MANAGEMENT, username="boss")
    login(client, "boss")
    response = client.get("/dashboards/export/performance/officers.csv?period=2026")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    auditor = next(r for r in rows if r["Officer"] == cases3.world.auditor.full_name)
    assert auditor["Audits completed"] == "2" and Decimal(auditor["Detected"]) == Decimal("278696")
    response = client.get("/dashboards/export/performance/directorates.xlsx?period=2026")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ("Directorate", "Audits completed", "With a short levy")
    assert values[1][0] == "PCA-S" and values[1][1] == 2 and values[1][4] == 278696


def test_days_to_order_and_to_recovery_from_the_ledger(cases3: Cases3) -> None:  # noqa: F811
    import datetime as dt

    from audit_app.services import ledger
    from dashboards.performance import queries
    w, s = cases3.world, cases3.world.session
    ledger.post(s, cases3.hit.id, "adjudged", {"cd": Decimal(100)}, on=dt.date(2026, 5, 15),
                kind="order_in_original", actor=None, clock=w.clock)
    ledger.post(s, cases3.hit.id, "paid", {"cd": Decimal(100)}, on=dt.date(2026, 6, 14),
                kind="payment", actor=None, clock=w.clock)
    s.execute(AuditCase.__table__.update().where(AuditCase.id == cases3.hit.id).values(status="recovered"))
    s.commit()
    f = Filters.build(Viewer(0, "boss", None), "2026")
    stages = {x.stage: x for x in queries.stage_days(s, f)}
    # Observation issued 15 Jan 2026 (Karachi), order 15 May: 120 days; paid in full 30 days on.
    assert stages["Audit observation to order-in-original"].median == 120
    assert stages["Order-in-original to recovery"].median == 30
    assert queries.stage_days(s, Filters.build(Viewer(0, "boss", None), "2026-Q1"))[1].cases == 0
    # The observation's day is its date in Karachi (UTC+5): 20:00 UTC on 14 Jan is 15 Jan there.
    event = (CaseEvent.case_id == cases3.hit.id) & (CaseEvent.element_id == "issue_observation")
    for at, days in ((dt.datetime(2026, 1, 14, 20, 0, tzinfo=dt.timezone.utc), 120),
                     (dt.datetime(2026, 1, 14, 18, 59, tzinfo=dt.timezone.utc), 121)):
        s.execute(CaseEvent.__table__.update().where(event).values(at=at))
        assert queries.observation_to_order(s, f) == [float(days)], at


def test_time_limits_orders_in_time_and_cases_at_risk(app: Flask, cases3: Cases3, make_user) -> None:  # noqa: F811
    import datetime as dt

    from audit_app.models.adjudication import Adjudication, OrderInOriginal
    s = cases3.world.session
    d = dt.date
    in_time = Adjudication(case_id=cases3.hit.id, cr_number="CR/1", cr_date=d(2026, 2, 1),
                           order_due_on=d(2026, 6, 10), ended_on=d(2026, 6, 1),
                           amount_involved_pkr=Decimal(1000))
    late = Adjudication(case_id=cases3.clean.id, cr_number="CR/2", cr_date=d(2026, 2, 1),
                        order_due_on=d(2026, 6, 10), ended_on=d(2026, 6, 20),
                        amount_involved_pkr=Decimal(2000))
    due_soon = Adjudication(case_id=cases3.north.id, cr_number="CR/3", cr_date=d(2026, 3, 1),
                            order_due_on=d(2026, 7, 20), amount_involved_pkr=Decimal(3000))
    s.add_all([in_time, late, due_soon])
    s.flush()
    s.add_all([OrderInOriginal(adjudication_id=in_time.id, number="OIO/1", order_date=d(2026, 6, 1),
                               outcome="adjudged", reasons="x"),
               OrderInOriginal(adjudication_id=late.id, number="OIO/2", order_date=d(2026, 6, 20),
                               outcome="adjudged", reasons="x")])
    s.commit()
    from dashboards.performance import queries
    f = Filters.build(Viewer(0, "boss", None), "2026")
    risk = queries.time_limits(s, f, today=d(2026, 7, 1))
    assert (risk.orders, risk.orders_in_time, risk.in_time_share) == (2, 1, 0.5)
    assert risk.windows == [(30, 1, Decimal(3000)), (60, 1, Decimal(3000)), (90, 1, Decimal(3000))]
    south = queries.time_limits(s, Filters.build(Viewer(0, "sup", "PCA-S"), "2026"), today=d(2026, 7, 1))
    assert south.windows[0][1] == 0 and south.orders == 2  # the due case is PCA-N's


def test_appeal_outcomes_by_forum(app: Flask, cases3: Cases3, make_user) -> None:  # noqa: F811
    import datetime as dt

    from audit_app.models.dispute import Dispute
    s = cases3.world.session

    def filing(case: AuditCase, forum: str, outcome: str | None, decided: dt.date | None) -> Dispute:
        return Dispute(case_id=case.id, forum=forum, order_appealed="OIO/1",
                       order_appealed_on=dt.date(2026, 3, 1), original_order="OIO/1",
                       filed_on=dt.date(2026, 3, 20), grounds="x", amount_disputed_pkr=Decimal(1),
                       demand_before={}, demand_before_pkr=Decimal(1), outcome=outcome,
                       decided_on=decided)
    s.add_all([filing(cases3.hit, "collector_appeals", "reduced", dt.date(2026, 5, 1)),
               filing(cases3.hit, "tribunal", "upheld", dt.date(2026, 9, 1)),
               filing(cases3.north, "collector_appeals", "set_aside", dt.date(2026, 6, 1)),
               filing(cases3.clean, "collector_appeals", None, None)])
    s.commit()
    from dashboards.performance import queries
    rows = queries.appeal_outcomes(s, Filters.build(Viewer(0, "boss", None), "2026"))
    assert [(r["forum"][:9], r["decided"]) for r in rows] == [("Collector", 2), ("Customs A", 1)]
    assert rows[0]["reduced"] == 1 and rows[0]["set_aside"] == 1 and rows[1]["upheld"] == 1
    south = queries.appeal_outcomes(s, Filters.build(Viewer(0, "sup", "PCA-S"), "2026-Q2"))
    assert [(r["decided"], r.get("reduced")) for r in south] == [(1, 1)]
    make_user(Role.MANAGEMENT, username="boss")
    ctx = as_user(app, user(cases3.world, "boss"))
    try:
        html = str(callbacks.update("2026", None, None, None, None)[OUT["appeals"]])
    finally:
        ctx.pop()
    assert "Collector (Appeals) (s.193)" in html and "Reduced" in html


def test_started_and_closed_in_one_pass_agree_with_the_cases(cases3: Cases3) -> None:  # noqa: F811
    from dashboards.performance import queries
    from workflows.clock import PKT, as_utc
    s = cases3.world.session
    everything = s.scalars(select(AuditCase)).all()
    viewer = Viewer(0, "boss", None)
    for args in (("2026",), ("2026-01",), ("2026-01-15..2026-02-10",), ("2025-06-20..2026-08-03",),
                 ("2026", "PCA-S"), ("2026", None, None, "UNDERVALUATION")):
        f = Filters.build(viewer, *args)
        matching = set(s.scalars(select(AuditCase.id).where(*f.case_conditions())))
        period, window = f.window, f.window.trailing_months(12)

        def within(at, p) -> bool:  # type: ignore[no-untyped-def]
            return at is not None and p.start_utc <= as_utc(at) < p.end_utc
        cases = [c for c in everything if c.id in matching]
        closed = [c for c in cases if c.status.startswith("closed")]
        counts = queries.opened_and_closed(s, f)
        assert counts.started == sum(within(c.created_at, period) for c in cases), args
        assert counts.closed == sum(within(c.closed_at, period) for c in closed), args
        assert counts.started == len(s.scalars(queries.started_cases(f)).all())
        assert counts.closed == len(s.scalars(queries.closed_cases(f)).all())
        for month, figures in counts.per_month.items():
            assert figures["started"] == sum(within(c.created_at, window) and as_utc(c.created_at)
                                             .astimezone(PKT).strftime("%Y-%m") == month
                                             for c in cases), (args, month)
            assert figures["closed"] == sum(within(c.closed_at, window) and as_utc(c.closed_at)
                                            .astimezone(PKT).strftime("%Y-%m") == month
                                            for c in closed), (args, month)
    assert queries.opened_and_closed(s, Filters.build(viewer, "2026")).started > 0


def test_contraventions_counted_on_the_events_agree_with_the_cases(cases3: Cases3) -> None:  # noqa: F811
    from dashboards.performance import queries
    s = cases3.world.session
    viewer = Viewer(0, "boss", None)
    for args in (("2026",), ("2026-01",), ("2025",), ("2026", "PCA-S"), ("2026", "PCA-N"),
                 ("2026", None, None, "UNDERVALUATION")):
        f = Filters.build(viewer, *args)
        assert queries.contraventions(s, f) == len(s.scalars(queries.contravention_cases(f)).all()), args
