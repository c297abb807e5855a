"""Revenue recovery dashboard: every figure against sums computed here from the ledger rows."""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import select

from audit_app.models import AuditCase, LedgerEntry, Role
from audit_app.services import ledger
from dashboards.access import Viewer
from dashboards.filters import Filters
from dashboards.revenue import callbacks, drill, queries
from tests.conftest import login
from tests.dashboards.data import Cases3, as_user, cases3, money, user, world  # noqa: F401

D = Decimal
OUT = {k: i for i, k in enumerate(
    ["detected", "adjudged", "recovered", "rate", "outstanding", "stayed", "detected_note",
     "adjudged_note", "recovered_note", "funnel", "trend", "breakdown", "breakdown_table",
     "arrears", "top"])}


def _ledger_sum(s, account: str, start: dt.date, end: dt.date, case_ids=None) -> Decimal:  # type: ignore[no-untyped-def]
    total = D(0)
    for e in s.scalars(select(LedgerEntry)):
        if e.account == account and start <= e.entry_date <= end and (case_ids is None or e.case_id in case_ids):
            total += e.amount_pkr
    return total


def _update(app: Flask, w, *values):  # type: ignore[no-untyped-def]
    ctx = as_user(app, user(w, "boss"))
    try:
        return callbacks.update(*values)
    finally:
        ctx.pop()


def test_funnel_and_headline_agree_with_the_ledger(app: Flask, money: Cases3, make_user) -> None:
    make_user(Role.MANAGEMENT, username="boss")
    s = money.world.session
    out = _update(app, money.world, "2026", None, None, None, None, "directorate")
    year = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    detected = _ledger_sum(s, "detected", *year)
    assert detected == D("278696") + D("5000.50")
    assert out[OUT["detected"]] == "Rs 283,697"  # whole rupees, half up
    assert out[OUT["adjudged"]] == "Rs 229,800" and out[OUT["recovered"]] == "Rs 69,800"
    assert out[OUT["rate"]] == f"{D(69800) / D(229800) * 100:.1f}%"
    # Outstanding at the end of 2026 = demanded - paid - stayed; stayed apart.
    assert out[OUT["outstanding"]] == "Rs 120,000" and out[OUT["stayed"]] == "Rs 40,000"
    funnel = out[OUT["funnel"]]["data"][0]
    amounts = dict(zip(funnel["customdata"], funnel["x"]))
    for account in ("detected", "observed", "contravened", "adjudged", "demanded", "paid"):
        assert D(str(amounts[account])) == _ledger_sum(s, account, *year), account
    assert "2 cases" in funnel["text"][0] and "1 cases" in funnel["text"][-1]


def test_trend_against_targets_and_the_previous_period(app: Flask, money: Cases3, make_user) -> None:
    make_user(Role.MANAGEMENT, username="boss")
    march = _update(app, money.world, "2026-03", None, None, None, None, "directorate")
    assert march[OUT["recovered"]] == "Rs 60,000"
    assert "120% of target Rs 50,000" in march[OUT["recovered_note"]]
    assert "nothing in the previous period" in march[OUT["recovered_note"]]
    april = _update(app, money.world, "2026-04", None, None, None, None, "directorate")
    assert april[OUT["recovered"]] == "Rs 9,800" and "-84% on the previous period" in april[OUT["recovered_note"]]
    trend = {t["name"]: dict(zip(t["x"], t["y"])) for t in april[OUT["trend"]]["data"]}
    assert list(trend["Recovered"])[0] == "2025-05"  # the 12 months to the period's end
    assert trend["Recovered"]["2026-03"] == 60000 and trend["Recovered"]["2026-04"] == 9800
    assert trend["Recovery target"]["2026-03"] == 50000 and trend["Recovery target"]["2026-01"] is None


def test_breakdowns_add_up_to_the_total(app: Flask, money: Cases3, make_user) -> None:
    make_user(Role.MANAGEMENT, username="boss")
    s = money.world.session
    f = Filters.build(Viewer(0, "boss", None), "2026")
    total = _ledger_sum(s, "detected", dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    for dimension in queries.DIMENSIONS:
        rows = queries.breakdown(s, f, dimension)
        assert sum(r["detected"] for r in rows) == total, dimension
    kinds = {r["value"]: r for r in queries.breakdown(s, f, "fraud_kind")}
    assert kinds["UNDERVALUATION"]["paid"] == D(69800)
    directorates = {r["value"]: r["detected"] for r in queries.breakdown(s, f, "directorate")}
    assert directorates == {"PCA-S": D(278696), "PCA-N": D("5000.50")}
    ids = set(s.scalars(drill(s, f, "rev-breakdown", "directorate:PCA-N").case_ids))
    assert ids == {money.north.id}


def test_funnel_and_directorates_in_one_pass_agree_with_the_separate_queries(money: Cases3) -> None:
    s = money.world.session
    viewer = Viewer(0, "boss", None)
    for args in (("2026",), ("2026-03",), ("2025",), ("2026", "PCA-S"), ("2026", "PCA-N"),
                 ("2026", None, None, "UNDERVALUATION"), ("2026", None, None, None, "84")):
        f = Filters.build(viewer, *args)
        stages, rows = queries.funnel_and_directorates(s, f)
        assert stages == queries.funnel(s, f), args
        assert rows == queries.breakdown(s, f, "directorate"), args
    stages, rows = queries.funnel_and_directorates(s, Filters.build(viewer, "2026"))
    assert {st.account: st.cases for st in stages}["detected"] == 2  # one case in each directorate
    assert {r["value"]: r["cases"] for r in rows} == {"PCA-S": 1, "PCA-N": 1}


def test_supervisor_sees_own_directorate_only(app: Flask, money: Cases3) -> None:
    ctx = as_user(app, money.world.supervisor)
    try:
        out = callbacks.update("2026", "PCA-N", None, None, None, "directorate")
    finally:
        ctx.pop()
    assert out[OUT["detected"]] == "Rs 278,696"  # PCA-S only, though PCA-N was asked


def test_arrears_by_age_with_stays_apart(money: Cases3) -> None:
    s = money.world.session
    f = Filters.build(Viewer(0, "boss", None), "2026-06")
    buckets = {b.label: b for b in queries.arrears(s, f)}
    # Demand raised 21 Mar 2026, 101 days before 30 Jun 2026.
    assert buckets["91-180 days"].outstanding == D(120000) and buckets["91-180 days"].stayed == D(40000)
    assert list(s.scalars(queries.arrears_cases(f, "91-180 days"))) == [money.hit.id]
    assert buckets["91-180 days"].cases == 1
    assert sum(b.cases for b in buckets.values()) == 1


def test_arrears_and_top_cases_in_one_pass_agree_with_the_separate_queries(money: Cases3) -> None:
    s = money.world.session
    viewer = Viewer(0, "boss", None)
    for args in (("2026",), ("2026-06",), ("2026-03",), ("2025",), ("2026", "PCA-N"),
                 ("2026", None, None, "UNDERVALUATION")):
        f = Filters.build(viewer, *args)
        for limit in (1, 10):  # 1: ranked from the shared pass; 10: fewer demands, top_cases ranks
            buckets, top = queries.arrears_and_top(s, f, limit=limit)
            assert buckets == queries.arrears(s, f), args
            assert top == queries.top_cases(s, f, limit=limit), (args, limit)
    buckets, top = queries.arrears_and_top(s, Filters.build(viewer, "2026-06"), limit=1)
    assert [r["id"] for r in top] == [money.hit.id] and top[0]["demanded"] > 0
    assert sum(b.outstanding for b in buckets) == D(120000)


def test_funnel_stage_drills_to_cases_with_ledger_figures(app: Flask, money: Cases3, client, make_user) -> None:
    make_user(Role.MANAGEMENT, username="boss")
    login(client, "boss")
    page = client.get("/dashboards/cases?dashboard=revenue&source=rev-funnel&key=paid&period=2026")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "1 case" in html and f'href="/cases/{money.hit.id}"' in html
    rows = list(csv.DictReader(io.StringIO(client.get(
        "/dashboards/cases?dashboard=revenue&source=rev-funnel&key=detected&period=2026&format=csv")
        .get_data(as_text=True).lstrip("\ufeff"))))
    figures = ledger.totals(money.world.session, [money.hit.id, money.north.id])
    for row in rows:
        case_id = money.hit.id if row["Case"] == money.hit.case_number else money.north.id
        assert D(row["Detected"]) == figures[case_id]["detected"]
        assert D(row["Outstanding"]) == figures[case_id]["outstanding"]


def test_exports_of_the_breakdown_follow_the_dimension(app: Flask, money: Cases3, client, make_user) -> None:
    make_user(Role.MANAGEMENT, username="boss")
    login(client, "boss")
    body = client.get("/dashboards/export/revenue/breakdown.csv?period=2026&dimension=chapter")
    rows = list(csv.DictReader(io.StringIO(body.get_data(as_text=True).lstrip("\ufeff"))))
    assert "PCT chapter" in rows[0]
    assert sum(D(r["Detected"]) for r in rows) == D("283696.50")
