"""The work queue and the task pages: overdue first, claim, reassign (supervisor only), each
audit task's form with its server-side validation shown next to the fields, conflicts and
refusals shown clearly, and the approval of a proposal opening a case."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from audit_app.models import AuditCase, AuditProposal, OpenTask, Role
from audit_app.services import cases
from tests.casedata import (NOTICE, PLAN, World, approved_proposal, drive_to, tariff,  # noqa: F401
                            world)
from tests.casedata import HOSTILE_IMPORTER_SHOWN, HOSTILE_OFFICER_SHOWN, case_with_hostile_names
from tests.conftest import login
from tests.web.test_declarations_pages import nav_of, text_of

LAPTOP = "84713010"


@pytest.fixture
def clocked(app: Flask, world: World) -> World:
    app.extensions["pca_clock"] = world.clock
    return world


def _error(response, field: str) -> str:  # type: ignore[no-untyped-def]
    found = re.search(rf'id="{field}-error">([^<]*)<', response.get_data(as_text=True))
    return found.group(1) if found else ""


# --------------------------------------------------------------------------- work queue

def test_my_tasks_overdue_first_with_due_dates_and_case_links(client: FlaskClient,
                                                              clocked: World) -> None:
    early = clocked.open_case()
    clocked.do(early, "assign_auditor", {"auditor_id": clocked.auditor.id})  # plan: 10 days
    clocked.clock.advance(days=8)
    late = clocked.open_case()
    clocked.do(late, "assign_auditor", {"auditor_id": clocked.auditor.id})
    clocked.clock.advance(days=5)  # the first plan is now overdue, the second is not
    login(client, "aud")
    response = client.get("/tasks/")
    html = response.get_data(as_text=True)
    mine = html.split('data-testid="my-tasks"')[1].split("</table>")[0]
    rows = re.findall(r'<tr class="([^"]*)" data-testid="task-row"', mine)
    assert rows == ["overdue", ""]
    assert mine.index(early.case_number) < mine.index(late.case_number)
    page = text_of(response)
    assert "15 Jan 2026 Overdue" in page  # opened 05 Jan + 10 days, Pakistan dates
    assert "23 Jan 2026" in page
    assert f'href="/cases/{early.id}"' in mine
    assert "Work queue" in nav_of(response)


def test_the_team_sees_unassigned_tasks_and_claims_one(client: FlaskClient,
                                                       clocked: World) -> None:
    case = clocked.open_case()
    clocked.do(case, "assign_auditor", {"auditor_id": clocked.auditor.id})
    task = clocked.task(case)
    task.assignee_id = None  # e.g. its auditor left; the team picks it up
    clocked.session.commit()
    login(client, "aud2")
    html = client.get("/tasks/").get_data(as_text=True)
    team = html.split('data-testid="team-tasks"')[1]
    assert case.case_number in team and "Claim" in team
    assert "Reassign" not in html  # an auditor cannot reassign
    response = client.post(f"/tasks/{task.task_id}/claim")
    assert response.status_code == 302 and response.headers["Location"].endswith(task.task_id)
    clocked.session.expire_all()
    assert clocked.task(case).assignee_id == clocked.auditor2.id
    again = client.post(f"/tasks/{task.task_id}/claim", follow_redirects=True)
    assert "You claimed" in text_of(again)


def test_a_supervisor_reassigns_to_an_officer_of_the_lane(client: FlaskClient,
                                                          clocked: World) -> None:
    case = clocked.open_case()
    clocked.do(case, "assign_auditor", {"auditor_id": clocked.auditor.id})
    task = clocked.task(case)
    login(client, "sup")
    html = client.get("/tasks/").get_data(as_text=True)
    team = html.split('data-testid="team-tasks"')[1]
    # Only PCA-S auditors are offered for an auditor's task.
    assert "Aud2" in team and "North" not in team
    response = client.post(f"/tasks/{task.task_id}/reassign",
                           data={"assignee_id": str(clocked.auditor2.id)}, follow_redirects=True)
    assert "reassigned to Aud2" in text_of(response)
    clocked.session.expire_all()
    assert clocked.task(case).assignee_id == clocked.auditor2.id
    refused = client.post(f"/tasks/{task.task_id}/reassign",
                          data={"assignee_id": str(clocked.outsider.id)}, follow_redirects=True)
    assert "Not reassigned" in text_of(refused) and "belongs to" in text_of(refused)
    clocked.session.expire_all()
    assert clocked.task(case).assignee_id == clocked.auditor2.id


def test_queue_rows_escape_what_people_typed(client: FlaskClient, clocked: World) -> None:
    """The rows are written in Python (web/task_rows.py), not by the template: the importer's
    and the officer's names still reach the page as text, never as markup."""
    case_with_hostile_names(clocked)
    login(client, "sup")
    html = client.get("/tasks/").get_data(as_text=True)
    team = html.split('data-testid="team-tasks"')[1].split("</table>")[0]
    assert "<script>" not in team and "<b>" not in team
    assert f'<td data-testid="task-importer">{HOSTILE_IMPORTER_SHOWN}</td>' in team
    assert f"<td>{HOSTILE_OFFICER_SHOWN}</td>" in team  # the assignee column
    assert f"{HOSTILE_OFFICER_SHOWN}</option>" in team  # the reassign list


def test_an_auditor_may_not_reassign(client: FlaskClient, clocked: World) -> None:
    case = clocked.open_case()
    clocked.do(case, "assign_auditor", {"auditor_id": clocked.auditor.id})
    login(client, "aud")
    response = client.post(f"/tasks/{clocked.task(case).task_id}/reassign",
                           data={"assignee_id": str(clocked.auditor2.id)})
    assert response.status_code == 403


def test_escalations_reach_the_supervisor(client: FlaskClient, clocked: World) -> None:
    case = clocked.open_case()
    clocked.do(case, "assign_auditor", {"auditor_id": clocked.auditor.id})
    task = clocked.task(case)
    task.escalated_to_id, task.escalated_at = clocked.supervisor.id, clocked.clock.advance(days=11)
    clocked.session.commit()
    login(client, "sup")
    html = client.get("/tasks/").get_data(as_text=True)
    assert 'data-testid="escalations"' in html
    section = html.split('data-testid="escalations"')[1].split("</table>")[0]
    assert case.case_number in section and "Overdue" in section and "Reassign" in section


@pytest.mark.parametrize("role", [Role.MANAGEMENT, Role.COMMITTEE_MEMBER, Role.ADMINISTRATOR])
def test_roles_without_lanes_have_no_work_queue(logged_in, role: Role) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(role)
    assert client.get("/tasks/").status_code == 403
    assert "Work queue" not in nav_of(client.get("/"))


# --------------------------------------------------------------------------- task forms

def test_assign_preselects_the_suggested_auditor_and_can_be_overridden(
        client: FlaskClient, clocked: World) -> None:
    busy = clocked.open_case()
    clocked.do(busy, "assign_auditor", {"auditor_id": clocked.auditor.id})  # aud has 1 task
    case = clocked.open_case()
    task = clocked.task(case)
    login(client, "sup")
    html = client.get(f"/tasks/{task.task_id}").get_data(as_text=True)
    selected = re.search(r'<option value="(\d+)" selected>([^<]*)<', html)
    assert selected and selected.group(1) == str(clocked.auditor2.id)
    assert "(suggested)" in selected.group(2) and "0 open tasks" in selected.group(2)
    assert "North" not in html  # another directorate's auditor is not offered
    response = client.post(f"/tasks/{task.task_id}", data={"auditor_id": clocked.auditor.id})
    assert response.status_code == 302
    clocked.session.expire_all()
    assert clocked.session.get(AuditCase, case.id).auditor_id == clocked.auditor.id


def test_assigning_another_directorates_auditor_is_refused_next_to_the_field(
        client: FlaskClient, clocked: World) -> None:
    case = clocked.open_case()
    login(client, "sup")
    response = client.post(f"/tasks/{clocked.task(case).task_id}",
                           data={"auditor_id": clocked.outsider.id})
    assert response.status_code == 422
    assert _error(response, "auditor_id") == "not in directorate PCA-S"


@pytest.mark.parametrize("form, field, message", [
    ({**PLAN, "audit_type": "aerial"}, "audit_type", "desk or field"),
    ({**PLAN, "planned_scope": " "}, "planned_scope", "required"),
    ({**PLAN, "period_from": "2025-13-01"}, "period_from", "a date (YYYY-MM-DD)"),
    ({**PLAN, "period_to": "2024-01-01"}, "period_to", "must not be before the start"),
])
def test_plan_errors_are_shown_next_to_the_field_and_values_kept(
        client: FlaskClient, clocked: World, form: dict, field: str, message: str) -> None:  # type: ignore[type-arg]
    case = clocked.open_case()
    drive_to(clocked, case, "prepare_plan")
    login(client, "aud")
    response = client.post(f"/tasks/{clocked.task(case).task_id}", data=form)
    assert response.status_code == 422
    assert message in _error(response, field)
    html = response.get_data(as_text=True)
    assert "Audit plan not saved." in text_of(response)
    assert f'value="{form["period_from"]}"' in html  # what was typed stays
    assert clocked.task(case).element_id == "prepare_plan"


def test_notice_dates_are_checked(client: FlaskClient, clocked: World) -> None:
    case = clocked.open_case()
    drive_to(clocked, case, "issue_notice")
    login(client, "aud")
    page = client.get(f"/tasks/{clocked.task(case).task_id}").get_data(as_text=True)
    assert 'value="2026-01-05"' in page  # today in Pakistan, by default
    response = client.post(f"/tasks/{clocked.task(case).task_id}",
                           data={"notice_date": "2026-01-10", "records_due_date": "2026-01-09"})
    assert response.status_code == 422
    assert "must be after the notice date" in _error(response, "records_due_date")


def test_an_auditor_works_the_case_to_the_observation(client: FlaskClient,
                                                      clocked: World) -> None:
    tariff(clocked.session, LAPTOP)
    case = clocked.open_case([{"hs_code": LAPTOP, "declared_value_pkr": Decimal(1_000_000)}])
    clocked.do(case, "assign_auditor", {"auditor_id": clocked.auditor.id})
    login(client, "aud")
    plan = clocked.task(case)
    response = client.post(f"/tasks/{plan.task_id}", data=PLAN)
    notice = clocked.task(case)
    # The next task is the auditor's too: they land on it.
    assert response.headers["Location"] == f"/tasks/{notice.task_id}"
    client.post(f"/tasks/{notice.task_id}", data=NOTICE)
    examine = clocked.task(case)
    assert examine.element_id == "examine_records"
    item = case.items[0]

    page = text_of(client.get(f"/tasks/{examine.task_id}"))
    assert "Unit value far below comparable imports" in page and "Record a finding" in page
    # A refused finding: messages by the fields, what was typed kept.
    refused = client.post(f"/tasks/{examine.task_id}/findings/{item.id}",
                          data={"value_pkr": "lots", "hs_code": LAPTOP, "evidence": ""})
    assert refused.status_code == 422
    assert _error(refused, f"value_pkr-{item.id}") == "a number, e.g. 1500000 or 12.5"
    assert 'value="lots"' in refused.get_data(as_text=True)
    refused = client.post(f"/tasks/{examine.task_id}/findings/{item.id}",
                          data={"value_pkr": "1500000", "hs_code": "9999", "evidence": ""})
    assert _error(refused, f"hs_code-{item.id}") == "an 8-digit PCT code"
    assert _error(refused, f"evidence-{item.id}") == "say what the finding rests on"

    saved = client.post(f"/tasks/{examine.task_id}/findings/{item.id}",
                        data={"value_pkr": "1,500,000", "hs_code": LAPTOP,
                              "origin": item.item.origin_country, "quantity": "",
                              "evidence": "Supplier's export invoice",
                              "documents": "INV-2025-118"}, follow_redirects=True)
    page = text_of(saved)
    assert "short levy Rs 278,696 recorded" not in page
    assert "recorded: short levy Rs 278,696" in page
    assert "Total short levy so far: Rs 278,696" in page
    assert "Rs 109,800" in page  # ST short levy, per levy

    client.post(f"/tasks/{examine.task_id}", data={})
    review = clocked.task(case)
    assert review.element_id == "review_findings"
    client.post("/logout")
    login(client, "sup")
    returned = client.post(f"/tasks/{review.task_id}", data={"decision": "return"})
    assert returned.status_code == 422
    assert _error(returned, "comments") == "say what must be re-examined"
    client.post(f"/tasks/{review.task_id}", data={"decision": "approve", "comments": "Sound"})
    observation = clocked.task(case)
    assert observation.element_id == "issue_observation"
    client.post("/logout")
    login(client, "aud")
    page = text_of(client.get(f"/tasks/{observation.task_id}"))
    assert "short levy of Rs 278,696" in page
    response = client.post(f"/tasks/{observation.task_id}",
                           data={"observation_date": "2026-01-06"}, follow_redirects=True)
    page = text_of(response)
    assert "Record trader's reply or payment" in page and "Reply due by 21 Jan 2026" in page


def test_an_unassigned_auditor_sees_the_form_but_cannot_complete(client: FlaskClient,
                                                                clocked: World) -> None:
    case = clocked.open_case()
    drive_to(clocked, case, "prepare_plan")
    task = clocked.task(case)
    login(client, "aud2")
    page = client.get(f"/tasks/{task.task_id}")
    assert page.status_code == 200 and "You can read this task but not complete it" in \
        text_of(page)
    response = client.post(f"/tasks/{task.task_id}", data=PLAN)
    assert response.status_code == 403
    assert "assigned to someone else" in text_of(response)
    assert clocked.task(case).element_id == "prepare_plan"


def test_another_directorate_cannot_open_the_task(client: FlaskClient, clocked: World) -> None:
    case = clocked.open_case()
    drive_to(clocked, case, "prepare_plan")
    login(client, "north")
    assert client.get(f"/tasks/{clocked.task(case).task_id}").status_code == 403


def test_a_task_completed_meanwhile_is_a_clear_conflict(client: FlaskClient,
                                                        clocked: World) -> None:
    case = clocked.open_case()
    drive_to(clocked, case, "prepare_plan")
    task_id = clocked.task(case).task_id
    login(client, "aud")
    clocked.do(case, "prepare_plan", PLAN)  # the same auditor, in another tab
    response = client.post(f"/tasks/{task_id}", data=PLAN)
    assert response.status_code == 409
    assert "no longer open" in text_of(response) and "work queue" in text_of(response)
    assert client.get(f"/tasks/{task_id}").status_code == 409


def test_a_task_without_a_form_partial_says_so(client: FlaskClient, clocked: World) -> None:
    case = clocked.open_case()
    task = clocked.task(case)
    task.element_id = "some_future_task"
    clocked.session.commit()
    login(client, "sup")
    assert "No form is defined for this task (some_future_task)" in \
        text_of(client.get(f"/tasks/{task.task_id}"))


# --------------------------------------------------------------------------- approval -> case

def test_approving_a_proposal_opens_the_case_and_lands_on_the_assignment(
        client: FlaskClient, clocked: World) -> None:
    proposal = approved_proposal(clocked.session, clocked.supervisor, 2)
    proposal.status, proposal.decided_by_id, proposal.decided_at = "proposed", None, None
    clocked.session.commit()
    login(client, "sup")
    response = client.post(f"/risk/proposals/{proposal.id}/decision",
                           data={"decision": "approve", "note": ""})
    assert response.status_code == 302
    case = clocked.session.scalar(select(AuditCase).where(AuditCase.proposal_id == proposal.id))
    task = clocked.session.scalar(select(OpenTask).where(OpenTask.case_id == case.id))
    assert task.element_id == "assign_auditor"
    assert response.headers["Location"] == f"/tasks/{task.task_id}"
    page = text_of(client.get(response.headers["Location"]))
    assert f"case {case.case_number} opened" in page and "Assign auditor" in page
    assert clocked.session.get(AuditProposal, proposal.id).status == "converted"
    selection = text_of(client.get("/risk/selection"))
    assert f"Case {case.case_number}" in selection


def test_a_rejected_proposal_opens_no_case(client: FlaskClient, clocked: World) -> None:
    proposal = approved_proposal(clocked.session, clocked.supervisor, 1)
    proposal.status = "proposed"
    clocked.session.commit()
    login(client, "sup")
    client.post(f"/risk/proposals/{proposal.id}/decision",
                data={"decision": "reject", "note": "Audited last year"})
    assert clocked.session.scalar(select(AuditCase)) is None
    assert cases.list_tasks(clocked.session, clocked.supervisor, clock=clocked.clock) == []


def test_the_reply_records_a_voluntary_payment_and_closes_the_case(
        client: FlaskClient, clocked: World) -> None:
    tariff(clocked.session, LAPTOP)
    case = clocked.open_case([{"hs_code": LAPTOP, "declared_value_pkr": Decimal(1_000_000)}])
    drive_to(clocked, case, "examine_records")
    from audit_app.services.findings import CorrectFacts, record_finding
    record_finding(clocked.session, case.items[0].id, clocked.auditor,
                   CorrectFacts(value_pkr=Decimal(1_500_000)), evidence="Invoice",
                   clock=clocked.clock)
    clocked.session.commit()
    for element, form in (("examine_records", {}), ("review_findings", {"decision": "approve"}),
                          ("issue_observation", {"observation_date": "2026-01-06"})):
        clocked.do(case, element, form)
    task = clocked.task(case, "record_reply")
    login(client, "aud")
    too_much = client.post(f"/tasks/{task.task_id}", data={
        "reply_outcome": "voluntary_payment", "amount_paid": "300000"})
    assert too_much.status_code == 422
    assert "more than the short levy of Rs 278,696" in _error(too_much, "amount_paid")
    assert 'value="300000"' in too_much.get_data(as_text=True)
    done = client.post(f"/tasks/{task.task_id}", data={
        "reply_outcome": "voluntary_payment", "amount_paid": "278696",
        "challan_number": "CH-2026-0042", "payment_date": "2026-01-12"}, follow_redirects=True)
    page = text_of(done)
    assert "Closed on voluntary payment" in page and "Paid voluntarily Rs 278,696" in page
    assert "No open tasks" in page


def test_only_the_cases_auditor_records_findings(client: FlaskClient, clocked: World) -> None:
    case = clocked.open_case()
    drive_to(clocked, case, "examine_records")
    task = clocked.task(case)
    login(client, "sup")  # a supervisor may read the examination but not record findings
    response = client.post(f"/tasks/{task.task_id}/findings/{case.items[0].id}",
                           data={"value_pkr": "1", "evidence": "x"})
    assert response.status_code == 403
    assert "Only the case's auditor records findings." in text_of(response)


def test_the_work_queue_never_loads_a_workflow(client: FlaskClient, clocked: World,
                                               app: Flask) -> None:
    from sqlalchemy import event
    for _ in range(3):
        drive_to(clocked, clocked.open_case(), "examine_records")
    login(client, "sup")
    statements: list[str] = []
    engine = app.extensions["pca_db"].engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get("/tasks/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert not [s for s in statements if "workflow_instances" in s]
    # Mine, team, escalations: each one page of rows and its length.
    assert len([s for s in statements if "FROM open_tasks" in s]) <= 6


def test_returned_findings_show_the_supervisors_comments(client: FlaskClient,
                                                         clocked: World) -> None:
    case = clocked.open_case()
    drive_to(clocked, case, "review_findings")
    clocked.do(case, "review_findings", {"decision": "return",
                                         "comments": "Check the freight on item 2"})
    login(client, "aud")
    page = text_of(client.get(f"/tasks/{clocked.task(case).task_id}"))
    assert "Returned for re-examination on 05 Jan 2026 09:00: Check the freight on item 2" in page


def test_a_long_queue_shows_the_most_urgent_and_pages_the_rest(
        client: FlaskClient, clocked: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from audit_app.web import tasks as task_views
    monkeypatch.setattr(task_views, "QUEUE_ROWS", 2)
    opened = []
    for _ in range(3):
        opened.append(clocked.open_case(1))
        clocked.clock.advance(days=1)
    login(client, "sup")
    page = text_of(client.get("/tasks/"))
    assert "The 2 most urgent of 3. See them all" in page
    assert opened[0].case_number in page and opened[2].case_number not in \
        page.split("My team's tasks")[0]
    second = text_of(client.get("/tasks/?list=mine&page=2"))
    assert "3–3 of 3" in second and opened[2].case_number in second
    assert opened[0].case_number not in second and "My team's tasks" not in second
