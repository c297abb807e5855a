"""The adjudication officer's screens: the docket by days left with time-bar risk, the hearing
diary, the task forms and the case page showing the days left, the extension, and who may see
what."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from audit_app.models import Role
from tests.adjudicationdata import Court, court  # noqa: F401
from tests.casedata import world  # noqa: F401
from tests.conftest import login


@pytest.fixture
def clocked(app: Flask, court: Court) -> Court:
    app.extensions["pca_clock"] = court.w.clock
    return court


def _html(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_the_docket_is_sorted_by_days_left_and_flags_time_bar_risk(client: FlaskClient,
                                                                   clocked: Court) -> None:
    c = clocked
    first = c.referred()
    scn = c.to_order(first)
    second = c.referred()
    c.at_day(scn, 40)
    c.to_order(second)
    waiting = c.referred()
    c.frame(waiting)  # routed to a Superintendent, not assigned yet: no clock
    c.at_day(scn, 112)
    login(client, "adj_superintendent")
    html = _html(client.get("/adjudication/"))
    rows = re.findall(r'<tr class="risk-(\w+)" data-testid="docket-row">\s*<td[^>]*>(.*?)</td>',
                      html, re.S)
    assert [risk for risk, _ in rows] == ["critical", "ok", "none"]
    assert "<strong>8</strong>" in rows[0][1] and "time-bar risk" in rows[0][1]
    assert "no SCN yet" in rows[2][1]
    assert first.case_number in html.split('data-testid="docket-row"')[1]
    assert 'data-testid="docket-alert"' in html
    assert 'href="/adjudication/"' in html  # in the navigation


def test_the_hearing_diary_lists_hearings_to_hold(client: FlaskClient, clocked: Court) -> None:
    c = clocked
    case = c.referred()
    c.to_scn(case)
    c.do(case, "issue_scn")
    c.do(case, "record_scn_reply", {"reply_summary": "Denied"})
    day = c.today() + dt.timedelta(days=9)
    c.do(case, "schedule_hearing", {"hearing_date": day.isoformat()})
    login(client, "adj_superintendent")
    html = _html(client.get("/adjudication/hearings"))
    assert case.case_number in html and day.strftime("%d %b %Y") in html
    assert "(by " in html  # the days left to pass the order


def test_every_adjudication_task_page_shows_the_days_left(client: FlaskClient,
                                                          clocked: Court) -> None:
    c = clocked
    case = c.referred()
    c.to_order(case)
    c.at_day(c.adj(case).clock_started_on, 100)
    login(client, "adj_superintendent")
    html = _html(client.get(f"/tasks/{c.task(case).task_id}"))
    assert 'data-testid="days-left">20 days left' in html
    assert "risk-warning" in html and 'name="adjudged_cd"' in html
    c.at_day(c.adj(case).clock_started_on, 121)
    html = _html(client.get(f"/tasks/{c.task(case).task_id}"))
    assert "Order limit passed" in html


def test_an_order_after_the_limit_is_refused_on_the_page(client: FlaskClient,
                                                         clocked: Court) -> None:
    c = clocked
    case = c.referred()
    c.to_order(case)
    c.at_day(c.adj(case).clock_started_on, 121)
    login(client, "adj_superintendent")
    task_id = c.task(case).task_id
    response = client.post(f"/tasks/{task_id}", data={"outcome": "adjudged",
                                                      "adjudged_cd": "100", "reasons": "x"})
    assert response.status_code == 422
    assert "void" in response.get_data(as_text=True)
    response = client.post(f"/tasks/{task_id}", data={"outcome": "time_barred",
                                                      "reasons": "Limit missed"})
    assert response.status_code == 302
    c.session.expire_all()
    assert case.status == "time_barred"


def test_the_case_page_shows_adjudication_and_takes_an_extension(client: FlaskClient,
                                                                 clocked: Court) -> None:
    c = clocked
    case = c.referred()
    c.to_order(case)
    start = c.adj(case).clock_started_on
    c.at_day(start, 100)
    login(client, "adj_superintendent")
    html = _html(client.get(f"/cases/{case.id}"))
    section = html.split('<h2 id="adjudication"', 1)[1]
    assert "20 days left" in section and c.adj(case).cr_number in section
    assert 'data-testid="extension"' in section and "Ali Raza" in section
    response = client.post(f"/adjudication/cases/{case.id}/extension",
                           data={"days": "30", "reasons": "Bank records awaited from abroad"})
    assert response.status_code == 302
    c.session.expire_all()
    assert c.adj(case).order_due_on == start + dt.timedelta(days=150)
    html = _html(client.get(f"/cases/{case.id}"))
    assert "50 days left" in html and 'data-testid="extension"' not in html
    assert "Bank records awaited" in html


def test_an_extension_after_expiry_is_refused_with_a_message(client: FlaskClient,
                                                             clocked: Court) -> None:
    c = clocked
    case = c.referred()
    c.to_order(case)
    c.at_day(c.adj(case).clock_started_on, 125)
    login(client, "adj_superintendent")
    response = client.post(f"/adjudication/cases/{case.id}/extension",
                           data={"days": "30", "reasons": "Too late to ask now"},
                           follow_redirects=True)
    assert "before expiry" in response.get_data(as_text=True)
    c.session.expire_all()
    assert c.adj(case).extension_days == 0


@pytest.mark.parametrize(("role", "docket", "extend"), [
    (Role.ADJUDICATION_OFFICER, 200, 302), (Role.MANAGEMENT, 200, 403),
    (Role.AUDITOR, 403, 403), (Role.RECOVERY_OFFICER, 403, 403)])
def test_who_may_see_the_docket_and_extend(client: FlaskClient, clocked: Court, make_user,  # type: ignore[no-untyped-def]
                                           role: Role, docket: int, extend: int) -> None:
    case = clocked.referred()
    login(client, make_user(role, username=f"who_{role.value}"))
    assert client.get("/adjudication/").status_code == docket
    assert client.get("/adjudication/hearings").status_code == docket
    response = client.post(f"/adjudication/cases/{case.id}/extension",
                           data={"days": "5", "reasons": "Reasons recorded here"})
    assert response.status_code == extend


def test_the_collector_sees_a_proceeding_near_its_limit_among_escalations(
        app: Flask, client: FlaskClient, clocked: Court) -> None:
    from workflows.worker import run_once
    c = clocked
    case = c.referred()
    scn = c.to_order(case)  # the order is due: 'Record the order-in-original' is open
    login(client, "adj_collector")
    c.at_day(scn, 21)
    run_once(app.extensions["pca_db"].sessionmaker, c.w.clock)
    assert 'data-testid="escalations"' not in _html(client.get("/tasks/"))
    c.at_day(scn, 91)  # overdue, and 30 days or fewer left to the order limit
    run_once(app.extensions["pca_db"].sessionmaker, c.w.clock)
    html = _html(client.get("/tasks/"))
    escalated = html.split('data-testid="escalations"')[1].split("</table>")[0]
    assert case.case_number in escalated and "Record the order-in-original" in escalated
    # Every work-queue row names the importer whose case it is.
    assert (f'<td data-testid="task-importer">{case.importer.name}</td>'
            in escalated.replace("&#39;", "'"))
