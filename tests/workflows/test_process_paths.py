"""Every path of pca_audit.bpmn, driven through the case services as users would."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from audit_app.errors import PermissionDenied, ValidationFailed
from audit_app.models import AuditProposal, OpenTask, WorkflowInstance
from audit_app.services import cases
from audit_app.services.findings import CorrectFacts, record_finding
from tests.casedata import World, drive_to, tariff, world  # noqa: F401
from workflows import runtime


def _with_short_levy(w: World) -> tuple:  # type: ignore[type-arg]
    tariff(w.session, "84713010")
    case = w.open_case([{"hs_code": "84713010", "declared_value_pkr": Decimal(1_000_000)}])
    drive_to(w, case, "examine_records")
    record_finding(w.session, case.items[0].id, w.auditor,
                   CorrectFacts(value_pkr=Decimal(1_500_000)), evidence="Invoice from supplier",
                   clock=w.clock)
    w.session.commit()
    assert case.short_levy_total_pkr == Decimal(278_696)
    w.do(case, "examine_records")
    w.do(case, "review_findings", {"decision": "approve"})
    w.do(case, "issue_observation", {"observation_date": "2026-02-02"})
    return case, Decimal(278_696)


def test_opening_a_case_copies_the_items_and_waits_for_assignment(world: World) -> None:
    case = world.open_case(3)
    assert case.case_number.startswith("PCA-S/2026/")
    assert len(case.items) == 3 and case.status == "open"
    task = world.task(case)
    assert (task.element_id, task.lane, task.assignee_id) == ("assign_auditor", "supervisor",
                                                              world.supervisor.id)
    assert world.session.get(AuditProposal, case.proposal_id).status == "converted"
    assert world.events(case, "case_opened")


def test_no_short_levy_closes_with_no_change(world: World) -> None:
    case = world.open_case()
    drive_to(world, case, "record_reply")
    world.do(case, "record_reply", {"reply_outcome": "explanation_accepted"})
    assert case.status == "closed_no_change" and case.closed_at is not None
    assert world.session.scalars(select(OpenTask)).all() == []
    instance = world.session.scalar(select(WorkflowInstance))
    assert instance.status == "completed"
    completed = [e.element_id for e in world.events(case, "task_completed")]
    assert completed == ["assign_auditor", "prepare_plan", "issue_notice", "examine_records",
                         "review_findings", "issue_observation", "record_reply"]


def test_explanation_accepted_closes_with_no_change_despite_a_finding(world: World) -> None:
    case, _ = _with_short_levy(world)
    world.do(case, "record_reply", {"reply_outcome": "explanation_accepted"})
    assert case.status == "closed_no_change"


def test_payment_in_full_closes_on_voluntary_payment(world: World) -> None:
    case, short = _with_short_levy(world)
    world.do(case, "record_reply", {"reply_outcome": "voluntary_payment", "amount_paid": str(short)})
    assert case.status == "closed_voluntary_payment"
    assert case.amount_paid_pkr == short


def test_part_payment_leaves_a_contravention(world: World) -> None:
    case, short = _with_short_levy(world)
    world.do(case, "record_reply", {"reply_outcome": "voluntary_payment",
                                    "amount_paid": str(short - 1)})
    assert case.status == "referred_to_adjudication"


def test_contravention_is_handed_to_adjudication(world: World) -> None:
    case, _ = _with_short_levy(world)
    world.do(case, "record_reply", {"reply_outcome": "contravention"})
    assert case.status == "referred_to_adjudication"
    loaded = runtime.load(world.session, case.id, process_id="pca_audit")
    assert loaded.workflow.last_task.data["handover"] == "adjudication"
    assert world.events(case, "case_closed")[0].data == {"status": "referred_to_adjudication"}


def test_review_returned_then_approved(world: World) -> None:
    case = world.open_case()
    drive_to(world, case, "review_findings")
    with pytest.raises(ValidationFailed) as err:
        world.do(case, "review_findings", {"decision": "return"})
    assert err.value.details == {"comments": "say what must be re-examined"}
    world.session.rollback()
    world.do(case, "review_findings", {"decision": "return", "comments": "Check item 2 origin"})
    assert world.task(case).element_id == "examine_records"
    world.do(case, "examine_records")
    world.do(case, "review_findings", {"decision": "approve"})
    assert world.task(case).element_id == "issue_observation"
    reviews = [e.data["changed"] for e in world.events(case, "task_completed")
               if e.element_id == "review_findings"]
    assert reviews[0]["review_decision"] == "return"
    assert reviews[0]["review_comments"] == "Check item 2 origin"
    assert reviews[1]["review_decision"] == "approve"


def test_auditor_suggested_by_workload_and_overridable(world: World) -> None:
    busy = world.open_case()
    world.do(busy, "assign_auditor", {"auditor_id": world.auditor.id})
    assert cases.suggest_auditor(world.session, "PCA-S").id == world.auditor2.id
    case = world.open_case()
    world.do(case, "assign_auditor", {})  # no choice made: the suggestion is taken
    assert case.auditor_id == world.auditor2.id
    other = world.open_case()
    world.do(other, "assign_auditor", {"auditor_id": world.auditor.id})  # overridden
    assert other.auditor_id == world.auditor.id
    with pytest.raises(ValidationFailed):
        world.do(world.open_case(), "assign_auditor", {"auditor_id": world.outsider.id})


def test_roles_and_assignees_are_checked(world: World) -> None:
    case = world.open_case()
    with pytest.raises(PermissionDenied, match="supervisor"):
        world.do(case, "assign_auditor", {"auditor_id": world.auditor.id}, user=world.auditor)
    world.session.rollback()
    world.do(case, "assign_auditor", {"auditor_id": world.auditor.id})
    with pytest.raises(PermissionDenied, match="assigned to someone else"):
        world.do(case, "prepare_plan", {}, user=world.auditor2)
    world.session.rollback()
    task = world.task(case)
    cases.reassign_task(world.session, task.task_id, world.auditor2.id, world.supervisor,
                        clock=world.clock)
    world.session.commit()
    from tests.casedata import PLAN
    world.do(case, "prepare_plan", PLAN, user=world.auditor2)
    assert world.events(case, "task_reassigned")[0].actor_id == world.supervisor.id
    with pytest.raises(PermissionDenied):
        cases.reassign_task(world.session, world.task(case).task_id, world.auditor.id,
                            world.auditor2, clock=world.clock)


def test_queues_mine_and_team_overdue_first(world: World) -> None:
    first = world.open_case()
    world.clock.advance(days=1)
    second = world.open_case()
    mine = cases.list_tasks(world.session, world.supervisor, clock=world.clock)
    assert [r.task.case_id for r in mine] == [first.id, second.id]
    world.clock.advance(days=3)
    assert [r.overdue for r in cases.list_tasks(world.session, world.supervisor,
                                                 clock=world.clock)] == [True, False]
    assert cases.list_tasks(world.session, world.auditor, clock=world.clock) == []
    assert cases.list_tasks(world.session, world.auditor, team=True, clock=world.clock) == []
    world.do(first, "assign_auditor", {"auditor_id": world.auditor.id})
    team = cases.list_tasks(world.session, world.auditor2, team=True, clock=world.clock)
    assert [r.task.element_id for r in team] == ["prepare_plan"]


def test_claiming_an_unassigned_task(world: World) -> None:
    case = world.open_case()
    task = world.task(case)
    task.assignee_id = None
    world.session.commit()
    cases.claim_task(world.session, task.task_id, world.supervisor, clock=world.clock)
    world.session.commit()
    assert task.assignee_id == world.supervisor.id
    assert world.events(case, "task_claimed")[0].actor_id == world.supervisor.id


def test_forms_are_validated_server_side(world: World) -> None:
    case = world.open_case()
    world.do(case, "assign_auditor", {"auditor_id": world.auditor.id})
    with pytest.raises(ValidationFailed) as err:
        world.do(case, "prepare_plan", {"audit_type": "phone", "period_from": "2025-05-01",
                                        "period_to": "2025-01-01"})
    assert set(err.value.details) == {"audit_type", "planned_scope", "period_to"}


def test_case_reading_timeline_and_diagram(world: World) -> None:
    case = world.open_case()
    world.do(case, "assign_auditor", {"auditor_id": world.auditor.id})
    assert cases.get_case(world.session, case.id, world.auditor) is case
    with pytest.raises(PermissionDenied):
        cases.get_case(world.session, case.id, world.outsider)
    kinds = [e.kind for e in cases.timeline(world.session, case)]
    assert kinds == ["case_opened", "process_started", "task_completed"]
    picture = cases.diagram(world.session, case)
    assert picture.active_elements == ["prepare_plan"]
    assert 'id="prepare_plan"' in picture.bpmn_xml and "bpmndi:BPMNShape" in picture.bpmn_xml
