"""Cases over JSON: the list, one case with items, reasons, findings (short levy per levy),
amounts, open tasks and timeline, and its diagrams; checked against the OpenAPI document."""
from __future__ import annotations

from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient

from audit_app.auth.service import issue_api_token
from audit_app.models import Role
from audit_app.services.findings import CorrectFacts, record_finding
from tests.api.openapi_check import Checked, api_doc, checked  # noqa: F401
from tests.api.test_tasks_api import as_user
from tests.casedata import World, drive_to, tariff, world  # noqa: F401

LAPTOP = "84713010"


@pytest.fixture
def api(app: Flask, client: FlaskClient, api_doc, world: World) -> Checked:  # type: ignore[no-untyped-def]
    app.extensions["pca_clock"] = world.clock
    return checked(client, api_doc)


def _case_with_finding(world: World):  # type: ignore[no-untyped-def]
    tariff(world.session, LAPTOP)
    case = world.open_case([{"hs_code": LAPTOP, "declared_value_pkr": Decimal(1_000_000),
                             "quantity": 100}])
    drive_to(world, case, "examine_records")
    record_finding(world.session, case.items[0].id, world.auditor,
                   CorrectFacts(value_pkr=Decimal(1_500_000)),
                   evidence="Supplier's export invoice", clock=world.clock)
    world.session.commit()
    return case


def test_a_case_with_its_items_findings_amounts_tasks_and_timeline(api: Checked,
                                                                   world: World) -> None:
    case = _case_with_finding(world)
    as_user(api, world.auditor)
    body = api.get(f"/api/v1/cases/{case.id}").get_json()
    assert (body["case_number"], body["status"], body["audit_type"]) == (
        case.case_number, "open", "desk")
    assert body["auditor"]["username"] == world.auditor.username
    (item,) = body["items"]
    assert item["risk_reasons"] == ["Unit value far below comparable imports"]
    # Same figures as tests/services/test_findings.py::test_undervaluation.
    assert item["finding"]["short_levy_pkr"] == {
        "cd": "100000.00", "rd": "0.00", "acd": "10000.00", "st": "109800.00",
        "ast": "18300.00", "it": "40596.00", "total": "278696.00"}
    assert item["finding"]["kinds"] == ["UNDERVALUATION"]
    assert item["finding"]["correct"]["value_pkr"] == "1500000.00"
    assert body["amounts"]["short_levy_pkr"]["total"] == "278696.00"
    assert body["amounts"]["short_levy_pkr"]["st"] == "109800.00"
    assert body["amounts"]["outstanding_pkr"] == "278696.00"
    assert [t["element_id"] for t in body["open_tasks"]] == ["examine_records"]
    kinds = [e["kind"] for e in body["timeline"]]
    assert kinds[:2] == ["case_opened", "process_started"] and kinds[-1] == "finding_recorded"
    completed = [e for e in body["timeline"] if e["kind"] == "task_completed"]
    assert completed[0]["actor"]["username"] == world.supervisor.username
    assert completed[0]["at"] == world.clock.now().isoformat()


def test_diagrams_carry_the_bpmn_and_the_active_elements(api: Checked, world: World) -> None:
    case = world.open_case()
    drive_to(world, case, "issue_notice")
    as_user(api, world.supervisor)
    body = api.get(f"/api/v1/cases/{case.id}/diagrams").get_json()
    (diagram,) = body["diagrams"]
    assert diagram["process_id"] == "pca_audit" and diagram["active_elements"] == ["issue_notice"]
    assert 'id="issue_notice"' in diagram["bpmn_xml"]


def test_cases_of_another_directorate_are_not_readable(api: Checked, world: World) -> None:
    case = world.open_case()
    as_user(api, world.outsider)
    assert api.get(f"/api/v1/cases/{case.id}").status_code == 403
    assert api.get(f"/api/v1/cases/{case.id}/diagrams").status_code == 403
    assert api.get("/api/v1/cases").get_json()["total"] == 0
    assert api.get(f"/api/v1/cases/{case.id + 1000}").status_code == 404


def test_the_case_list_pages_and_filters(api: Checked, world: World) -> None:
    first, second = world.open_case(), world.open_case()
    as_user(api, world.auditor)
    body = api.get("/api/v1/cases?per_page=1").get_json()
    assert body["total"] == 2 and [c["id"] for c in body["cases"]] in ([second.id], [first.id])
    assert api.get("/api/v1/cases?status=open").get_json()["total"] == 2
    assert api.get("/api/v1/cases?status=closed").get_json()["total"] == 0
    assert api.get("/api/v1/cases?status=lost").status_code == 422


def test_cases_by_personal_token_only(api: Checked, world: World, make_user) -> None:  # type: ignore[no-untyped-def]
    case = world.open_case()
    api.client.post("/logout")
    _, machine = issue_api_token(world.session, "clearance", ["declarations:write"])
    _, personal = issue_api_token(world.session, "laptop", ["cases:read"], user=world.auditor)
    _, wrong = issue_api_token(world.session, "laptop", ["tasks:read"], user=world.auditor)
    world.session.commit()
    path = f"/api/v1/cases/{case.id}"
    assert api.get(path, headers={"Authorization": f"Bearer {machine}"}).status_code == 403
    assert api.get(path, headers={"Authorization": f"Bearer {wrong}"}).status_code == 403
    assert api.get(path, headers={"Authorization": f"Bearer {personal}"}).status_code == 200
    make_user(Role.COMMITTEE_MEMBER, username="member")
    api.client.post("/login", data={"username": "member", "password": "correct-horse-battery"})
    assert api.get(path).status_code == 403
