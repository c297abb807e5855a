"""The case list, the case page and its diagrams endpoint: who may open what, and what a reader
sees (summary, items with their reasons, findings with the short levy per levy, timeline)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient

from audit_app.models import CaseEvent, Role
from audit_app.services import cases
from audit_app.services.findings import CorrectFacts, record_finding
from tests.casedata import World, drive_to, tariff, world  # noqa: F401
from tests.casedata import HOSTILE_IMPORTER_SHOWN, HOSTILE_OFFICER_SHOWN, case_with_hostile_names
from audit_app.web.cases import TIMELINE_LATEST
from tests.conftest import login
from tests.web.test_declarations_pages import nav_of, text_of

LAPTOP = "84713010"


@pytest.fixture
def clocked(app: Flask, world: World) -> World:
    """The app reads the same simulated clock as the services in the test."""
    app.extensions["pca_clock"] = world.clock
    return world


def _case_with_finding(w: World):  # type: ignore[no-untyped-def]
    tariff(w.session, LAPTOP)
    case = w.open_case([{"hs_code": LAPTOP, "declared_value_pkr": Decimal(1_000_000)}, {}])
    drive_to(w, case, "examine_records")
    record_finding(w.session, case.items[0].id, w.auditor,
                   CorrectFacts(value_pkr=Decimal(1_500_000)), evidence="Supplier's invoice",
                   clock=w.clock)
    w.session.commit()
    return case


def test_the_case_page_shows_summary_items_findings_amounts_and_timeline(
        client: FlaskClient, clocked: World) -> None:
    case = _case_with_finding(clocked)
    login(client, "aud")
    page = text_of(client.get(f"/cases/{case.id}"))
    assert f"Audit case {case.case_number}" in page
    assert case.importer.name in page and "PCA-S" in page
    assert "Auditor Aud" in page and "Supervisor Sup" in page
    assert "Desk audit" in page and "01 Jan 2025 to 31 Dec 2025" in page
    assert "GDs of 2025" in page
    assert "Unit value far below comparable imports" in page  # the reason it was picked
    # Declared 1,000,000, correct 1,500,000: the per-levy short levy (see test_findings).
    for levy, amount in (("CD", "Rs 100,000"), ("ACD", "Rs 10,000"), ("ST", "Rs 109,800"),
                         ("AST", "Rs 18,300"), ("IT", "Rs 40,596")):
        assert f"{levy} " in page and amount in page
    assert "Total short levy Rs 278,696" in page
    assert "Rs 1,500,000" in page and "Undervaluation" in page
    # The timeline: who, when (Pakistan time), what changed.
    assert "05 Jan 2026 09:00" in page and "Sup Case " in page
    assert "Prepare audit plan completed" in page and "audit type: desk" in page
    assert "Finding on GD" in page and "short levy Rs 278,696" in page
    # The open task, with its due date in Pakistan, links to its form.
    assert "Examine records and record findings" in page
    assert "/tasks/" in client.get(f"/cases/{case.id}").get_data(as_text=True)


def test_a_long_timeline_shows_its_latest_events_and_links_to_the_whole(
        client: FlaskClient, clocked: World) -> None:
    case = clocked.open_case()
    login(client, "sup")
    short = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'data-testid="timeline-latest"' not in short  # a short timeline is shown whole
    before = len(cases.timeline(clocked.session, case))
    start = clocked.clock.now()
    for n in range(1, 61):
        clocked.session.add(CaseEvent(case_id=case.id, at=start + dt.timedelta(minutes=n),
                                      actor_id=clocked.supervisor.id, kind="note",
                                      summary=f"Note number {n:02d}"))
    clocked.session.commit()
    total = before + 60

    page = text_of(client.get(f"/cases/{case.id}"))
    assert f"The latest {TIMELINE_LATEST} of {total} events." in page
    assert f"Show all {total} events" in page
    shown = [n for n in range(1, 61) if f"Note number {n:02d}" in page]
    assert shown == list(range(61 - TIMELINE_LATEST, 61))  # the latest, oldest first
    assert page.index("Note number 11") < page.index("Note number 60")

    whole = client.get(f"/cases/{case.id}?timeline=all")
    assert 'data-testid="timeline-latest"' not in whole.get_data(as_text=True)
    assert all(f"Note number {n:02d}" in text_of(whole) for n in range(1, 61))


def test_the_case_page_loads_the_diagram_from_static_files_without_inline_script(
        client: FlaskClient, clocked: World) -> None:
    case = clocked.open_case()
    login(client, "sup")
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "<script>" not in html and "<script " in html
    assert 'src="/static/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js"' in html
    assert 'src="/static/js/case-diagram.js"' in html
    assert f'data-diagram-url="/cases/{case.id}/diagram.json"' in html
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    for asset in ("/static/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js",
                  "/static/js/case-diagram.js", "/static/vendor/bpmn-js/assets/bpmn-js.css",
                  "/static/vendor/bpmn-js/assets/diagram-js.css"):
        assert client.get(asset).status_code == 200, asset


def test_the_diagram_json_lists_each_process_with_its_active_tasks(
        client: FlaskClient, clocked: World) -> None:
    case = clocked.open_case()
    login(client, "aud")
    body = client.get(f"/cases/{case.id}/diagram.json").get_json()
    assert body["case_number"] == case.case_number
    [audit] = body["diagrams"]
    assert audit["process_id"] == "pca_audit" and audit["active"] == ["assign_auditor"]
    assert audit["xml"].startswith("<?xml") and 'id="assign_auditor"' in audit["xml"]
    clocked.do(case, "assign_auditor", {"auditor_id": clocked.auditor.id})
    body = client.get(f"/cases/{case.id}/diagram.json").get_json()
    assert body["diagrams"][0]["active"] == ["prepare_plan"]


@pytest.mark.parametrize("path", ["/cases/{id}", "/cases/{id}/diagram.json"])
def test_another_directorate_may_not_read_the_case(client: FlaskClient, clocked: World,
                                                   path: str) -> None:
    case = clocked.open_case()
    login(client, "north")
    response = client.get(path.format(id=case.id))
    assert response.status_code == 403
    assert "belongs to directorate PCA-S" in text_of(response)


def test_management_reads_every_directorate_and_the_committee_reads_no_case(
        client: FlaskClient, clocked: World, make_user) -> None:  # type: ignore[no-untyped-def]
    case = clocked.open_case()
    login(client, make_user(Role.MANAGEMENT, username="dg", directorate=None))
    assert client.get(f"/cases/{case.id}").status_code == 200
    assert case.case_number in text_of(client.get("/cases/"))
    client.post("/logout")
    login(client, make_user(Role.COMMITTEE_MEMBER, username="member", directorate=None))
    assert client.get(f"/cases/{case.id}").status_code == 403
    assert client.get("/cases/").status_code == 403
    assert "Cases" not in nav_of(client.get("/"))


def test_an_unknown_case_is_not_found(client: FlaskClient, clocked: World) -> None:
    login(client, "aud")
    assert client.get("/cases/999999").status_code == 404


def test_the_case_list_shows_my_directorates_cases_only(client: FlaskClient,
                                                         clocked: World) -> None:
    mine = clocked.open_case(3)
    login(client, "north")
    assert mine.case_number not in text_of(client.get("/cases/"))
    client.post("/logout")
    login(client, "aud")
    page = text_of(client.get("/cases/"))
    assert mine.case_number in page and mine.importer.name in page and "Open" in page
    assert "Cases" in nav_of(client.get("/"))
    assert mine.case_number not in text_of(client.get("/cases/?status=closed"))
    assert mine.case_number in text_of(client.get("/cases/?status=open"))


def test_the_case_list_row_links_counts_and_escapes(client: FlaskClient, clocked: World) -> None:
    """The rows are written in Python (web/case_rows.py), not by the template: the link, the
    counts, the auditor and the amounts are there, and what people typed stays text."""
    case = case_with_hostile_names(clocked, items=3)
    login(client, "aud")
    html = client.get("/cases/").get_data(as_text=True)
    row = html.split(f'<a href="/cases/{case.id}">{case.case_number}</a>')[1].split("</tr>")[0]
    assert "<script>" not in row and "<b>" not in row
    assert HOSTILE_IMPORTER_SHOWN in row and f"<td>{HOSTILE_OFFICER_SHOWN}</td>" in row
    assert f"NTN {case.importer.ntn}" in row and '<span class="badge case-open">Open</span>' in row
    assert '<td class="num">3</td>' in row  # items
    assert '<td class="num">1</td>' in row  # open tasks: the plan


def test_a_closed_case_says_so_and_has_no_open_tasks(client: FlaskClient,
                                                      clocked: World) -> None:
    case = clocked.open_case()
    drive_to(clocked, case, "record_reply")
    clocked.do(case, "record_reply", {"reply_outcome": "explanation_accepted"})
    login(client, "sup")
    page = text_of(client.get(f"/cases/{case.id}"))
    assert "Closed, no change" in page and "No open tasks" in page
    assert client.get(f"/cases/{case.id}/diagram.json").get_json()["diagrams"][0]["active"] == []


def test_the_case_list_pages_through_many_cases(client: FlaskClient, clocked: World,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from audit_app.web import cases as case_views
    monkeypatch.setattr(case_views, "CASES_PER_PAGE", 2)
    opened = [clocked.open_case(1) for _ in range(3)]
    login(client, "aud")
    first = text_of(client.get("/cases/"))
    assert "3 cases" in first and "Page 1 of 2" in first
    assert opened[2].case_number in first and opened[0].case_number not in first
    second = text_of(client.get("/cases/?page=2"))
    assert opened[0].case_number in second and opened[2].case_number not in second
