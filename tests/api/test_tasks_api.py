"""Work queues over JSON: listing (overdue first, paginated), claiming, reassigning and
completing tasks, by session and by personal token; every response is checked against the
OpenAPI document."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from audit_app.auth.service import issue_api_token
from audit_app.errors import ValidationFailed
from audit_app.models import AuditCase, CaseEvent, OpenTask, Role, User
from tests.api.openapi_check import Checked, api_doc, checked  # noqa: F401
from audit_app.services.findings import CorrectFacts, record_finding
from tests.casedata import PLAN, World, drive_to, tariff, world  # noqa: F401
from tests.conftest import login


@pytest.fixture
def api(app: Flask, client: FlaskClient, api_doc, world: World) -> Checked:  # type: ignore[no-untyped-def]
    app.extensions["pca_clock"] = world.clock
    return checked(client, api_doc)


def as_user(api: Checked, user: User) -> Checked:
    api.client.post("/logout")
    assert login(api.client, user.username).status_code == 302
    return api


def bearer(world: World, user: User | None, *scopes: str) -> dict[str, str]:
    _, plain = issue_api_token(world.session, f"{user.username if user else 'machine'} laptop",
                               list(scopes), user=user)
    world.session.commit()
    return {"Authorization": f"Bearer {plain}"}


def test_my_tasks_come_overdue_first_a_page_at_a_time(api: Checked, world: World) -> None:
    old = world.open_case()
    world.clock.advance(days=30)  # the first assignment (3 days) is now overdue
    new = world.open_case()
    as_user(api, world.supervisor)
    body = api.get("/api/v1/tasks?per_page=1").get_json()
    assert body["total"] == 2 and body["page"] == 1 and body["list"] == "mine"
    (first,) = body["tasks"]
    assert (first["case_id"], first["element_id"], first["overdue"]) == (old.id, "assign_auditor",
                                                                         True)
    (second,) = api.get("/api/v1/tasks?per_page=1&page=2").get_json()["tasks"]
    assert (second["case_number"], second["overdue"]) == (new.case_number, False)
    assert api.get("/api/v1/tasks?page=3&per_page=1").get_json()["tasks"] == []
    invalid = api.get("/api/v1/tasks?list=everyone&per_page=0")
    assert invalid.status_code == 422
    assert set(invalid.get_json()["error"]["details"]) == {"list", "per_page"}


def test_the_team_queue_holds_the_lanes_i_work_in_my_directorate(api: Checked,
                                                                 world: World) -> None:
    case = world.open_case()
    drive_to(world, case, "prepare_plan")
    as_user(api, world.auditor2)
    assert api.get("/api/v1/tasks").get_json()["total"] == 0
    team = api.get("/api/v1/tasks?list=team").get_json()
    assert [t["element_id"] for t in team["tasks"]] == ["prepare_plan"]
    assert team["tasks"][0]["assignee_id"] == world.auditor.id
    as_user(api, world.outsider)  # an auditor of another directorate
    assert api.get("/api/v1/tasks?list=team").get_json()["total"] == 0


def test_completing_a_task_moves_the_case_and_records_who_and_when(api: Checked,
                                                                   world: World) -> None:
    case = world.open_case()
    task_id = world.task(case).task_id
    as_user(api, world.supervisor)
    response = api.post(f"/api/v1/tasks/{task_id}/complete",
                        json={"auditor_id": world.auditor.id})
    assert response.status_code == 200
    body = response.get_json()
    assert body["completed_by"] == world.supervisor.id
    assert body["completed_at"] == world.clock.now().isoformat()
    assert [(t["element_id"], t["assignee_id"]) for t in body["open_tasks"]] == [
        ("prepare_plan", world.auditor.id)]
    (event,) = world.events(case, "task_completed")
    assert (event.actor_id, event.element_id) == (world.supervisor.id, "assign_auditor")
    assert event.at.replace(tzinfo=dt.timezone.utc) == world.clock.now()
    assert event.data["changed"]["auditor_id"] == world.auditor.id
    again = api.post(f"/api/v1/tasks/{task_id}/complete", json={"auditor_id": world.auditor.id})
    assert again.status_code == 409


def test_a_bad_form_is_422_with_a_message_per_field(api: Checked, world: World) -> None:
    case = world.open_case()
    drive_to(world, case, "prepare_plan")
    task_id = world.task(case).task_id
    as_user(api, world.auditor)
    response = api.post(f"/api/v1/tasks/{task_id}/complete",
                        json={**PLAN, "audit_type": "remote", "period_to": "2024-12-31"})
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == {
        "audit_type": "desk or field", "period_to": "must not be before the start of the period"}
    assert api.post(f"/api/v1/tasks/{task_id}/complete", data="[1, 2]",
                    content_type="application/json").status_code == 422
    assert api.post(f"/api/v1/tasks/{task_id}/complete", data="{not json",
                    content_type="application/json").status_code == 422
    # Found by fuzzing: nesting deeper than the JSON parser's stack was a server error.
    assert api.post(f"/api/v1/tasks/{task_id}/complete", data="[" * 100_000 + "]" * 100_000,
                    content_type="application/json").status_code == 422
    world.session.expire_all()
    assert world.task(case).element_id == "prepare_plan"  # nothing moved


def test_json_amounts_stay_exact(api: Checked, world: World) -> None:
    tariff(world.session, "84713010")
    case = world.open_case([{"hs_code": "84713010", "declared_value_pkr": Decimal(1_000_000)}])
    drive_to(world, case, "examine_records")
    record_finding(world.session, case.items[0].id, world.auditor,
                   CorrectFacts(value_pkr=Decimal(1_500_000)), evidence="invoice",
                   clock=world.clock)
    for element, form in (("examine_records", {}), ("review_findings", {"decision": "approve"}),
                          ("issue_observation", {"observation_date": "2026-02-02"})):
        world.do(case, element, form)
    as_user(api, world.auditor)
    response = api.post(f"/api/v1/tasks/{world.task(case).task_id}/complete",
                        data='{"reply_outcome": "voluntary_payment", "amount_paid": 1500.10}',
                        content_type="application/json")
    assert response.status_code == 200, response.get_json()
    world.session.expire_all()
    assert world.session.get(AuditCase, case.id).amount_paid_pkr == Decimal("1500.10")


def test_only_the_assignee_or_the_lane_may_work_a_task(api: Checked, world: World) -> None:
    case = world.open_case()
    drive_to(world, case, "prepare_plan")
    task_id = world.task(case).task_id
    for user in (world.auditor2, world.outsider, world.supervisor):
        as_user(api, user)
        assert api.post(f"/api/v1/tasks/{task_id}/complete", json=PLAN).status_code == 403
    as_user(api, world.outsider)
    assert api.get(f"/api/v1/tasks/{task_id}").status_code == 403
    assert api.get("/api/v1/tasks/00000000-0000-0000-0000-000000000000").status_code == 404


def test_claim_an_unassigned_task(api: Checked, world: World) -> None:
    case = world.open_case()
    drive_to(world, case, "prepare_plan")
    task = world.task(case)
    task.assignee_id = None  # e.g. an officer left and the supervisor released the task
    world.session.commit()
    as_user(api, world.auditor2)
    claimed = api.post(f"/api/v1/tasks/{task.task_id}/claim")
    assert claimed.status_code == 200
    assert claimed.get_json()["assignee_id"] == world.auditor2.id
    assert claimed.get_json()["claimed_at"] == world.clock.now().isoformat()
    assert [e.actor_id for e in world.events(case, "task_claimed")] == [world.auditor2.id]
    as_user(api, world.auditor)
    assert api.post(f"/api/v1/tasks/{task.task_id}/claim").status_code == 409


def test_a_supervisor_reassigns(api: Checked, world: World) -> None:
    case = world.open_case()
    drive_to(world, case, "prepare_plan")
    task_id = world.task(case).task_id
    as_user(api, world.auditor)
    assert api.post(f"/api/v1/tasks/{task_id}/reassign",
                    json={"assignee_id": world.auditor2.id}).status_code == 403
    as_user(api, world.supervisor)
    missing = api.post(f"/api/v1/tasks/{task_id}/reassign", json={"assignee_id": "x"})
    assert missing.get_json()["error"]["details"] == {"assignee_id": "a user id (integer)"}
    assert api.post(f"/api/v1/tasks/{task_id}/reassign",
                    json={"assignee_id": 987654}).status_code == 422
    done = api.post(f"/api/v1/tasks/{task_id}/reassign", json={"assignee_id": world.auditor2.id})
    assert done.status_code == 200 and done.get_json()["assignee_id"] == world.auditor2.id
    (event,) = world.events(case, "task_reassigned")
    assert (event.actor_id, event.data["to_user_id"]) == (world.supervisor.id, world.auditor2.id)


def test_a_personal_token_acts_as_its_user(api: Checked, world: World) -> None:
    case = world.open_case()
    drive_to(world, case, "prepare_plan")
    task_id = world.task(case).task_id
    api.client.post("/logout")
    reader = bearer(world, world.auditor, "tasks:read")
    assert api.get("/api/v1/tasks", headers=reader).get_json()["total"] == 1
    assert api.post(f"/api/v1/tasks/{task_id}/complete", json=PLAN,
                    headers=reader).status_code == 403
    writer = bearer(world, world.auditor, "tasks:read", "tasks:write")
    response = api.post(f"/api/v1/tasks/{task_id}/complete", json=PLAN, headers=writer)
    assert response.status_code == 200
    (event,) = [e for e in world.events(case, "task_completed")
                if e.element_id == "prepare_plan"]
    token_id = world.session.scalar(select(CaseEvent.data).where(CaseEvent.id == event.id))
    assert event.actor_id == world.auditor.id and token_id["api_token_id"] > 0


def test_a_token_without_a_person_or_the_role_does_not_work_tasks(api: Checked, world: World,
                                                                  make_user) -> None:  # type: ignore[no-untyped-def]
    case = world.open_case()
    task_id = world.task(case).task_id
    api.client.post("/logout")
    machine = bearer(world, None, "declarations:write")
    assert api.get("/api/v1/tasks", headers=machine).status_code == 403
    assert api.post(f"/api/v1/tasks/{task_id}/complete", json={},
                    headers=machine).status_code == 403
    with pytest.raises(ValidationFailed, match="act for a person"):
        issue_api_token(world.session, "clearance", ["tasks:write"])
    make_user(Role.MANAGEMENT, username="boss")
    boss = world.session.scalar(select(User).where(User.username == "boss"))
    headers = bearer(world, boss, "tasks:read", "tasks:write")
    assert api.post(f"/api/v1/tasks/{task_id}/complete", json={},
                    headers=headers).status_code == 403
    assert api.get("/api/v1/tasks").status_code == 401
    world.session.expire_all()
    assert world.session.scalar(select(OpenTask.element_id)) == "assign_auditor"
