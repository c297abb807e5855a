"""Starting many cases' processes at once (`runtime.start_many`) leaves exactly what starting
each with `runtime.start` leaves: the same state, open tasks, timers and timeline."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from audit_app.errors import Conflict, ValidationFailed
from audit_app.models import AuditCase, CaseEvent, CaseItem, OpenTask, WorkflowInstance, WorkflowTimer
from tests.casedata import PLAN, START, World, approved_proposal, world  # noqa: F401
from workflows import runtime


def _bare_case(w: World) -> AuditCase:
    """A case row whose process has not started (as a bulk import leaves it)."""
    proposal = approved_proposal(w.session, w.supervisor, 1)
    case = AuditCase(case_number=f"PCA-S/2026/T{proposal.id:05d}", proposal_id=proposal.id,
                     importer_id=proposal.importer_id, directorate_code="PCA-S",
                     supervisor_id=w.supervisor.id, created_by_id=w.supervisor.id,
                     created_at=w.clock.now(), status="open")
    case.items = [CaseItem(item_id=i.item_id, expected_short_levy_pkr=i.expected_short_levy_pkr,
                           reasons=i.reasons) for i in proposal.items]
    w.session.add(case)
    w.session.flush()
    return case


def _data(case: AuditCase) -> dict:  # type: ignore[type-arg]
    return {"case_id": case.id, "short_levy_total": Decimal(0)}


def _picture(w: World, case: AuditCase) -> dict:  # type: ignore[type-arg]
    """Everything the start left for the case, with its own ids and task uuids taken out."""
    instance = w.session.scalar(select(WorkflowInstance).where(WorkflowInstance.case_id == case.id))
    loaded = runtime.load_instance(w.session, instance.id)
    tasks = []
    for task in loaded.workflow.get_tasks():
        data = {k: v for k, v in task.data.items() if k != "case_id"}
        tasks.append((task.task_spec.name, task.state, repr(sorted(data.items()))))
    state = json.loads(instance.state)
    opened = w.session.scalars(select(OpenTask).where(OpenTask.case_id == case.id)).all()
    timers = w.session.scalars(select(WorkflowTimer).where(
        WorkflowTimer.instance_id == instance.id)).all()
    events = w.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                               .order_by(CaseEvent.id)).all()
    uuids = {t.task_id for t in opened}
    assert {t.task_id for t in timers} == uuids  # each open task's timer names that task
    assert uuids <= set(state["tasks"])
    return {
        "instance": (instance.process_id, instance.spec_hash, instance.status,
                     instance.state_format, instance.version,
                     instance.created_at.replace(tzinfo=None) == START.replace(tzinfo=None)),
        "workflow_data": {k: v for k, v in loaded.workflow.data.items() if k != "case_id"},
        "case_id_in_data": loaded.workflow.data["case_id"] == case.id,
        "tasks": tasks,
        "open": [(t.element_id, t.name, t.lane, t.directorate_code, t.assignee_id, t.opened_at,
                  t.due_on, t.due_at) for t in opened],
        "timers": [(t.kind, t.element_id, t.due_at, t.fired_at) for t in timers],
        "events": [(e.kind, e.element_id, e.summary, e.actor_id, e.at) for e in events],
    }


def test_bulk_start_leaves_what_one_by_one_starts_leave(world: World) -> None:
    single = [_bare_case(world) for _ in range(2)]
    for case in single:
        runtime.start(world.session, case, clock=world.clock, actor_id=world.supervisor.id,
                      data=_data(case))
    world.session.commit()
    bulk = [_bare_case(world) for _ in range(3)]
    started = runtime.start_many(world.session, [(c, _data(c)) for c in bulk],
                                 clock=world.clock, actor_id=world.supervisor.id)
    world.session.commit()
    assert [s.case.id for s in started] == [c.id for c in bulk]
    world.session.expire_all()  # compare what was stored, not the objects built here
    expected = _picture(world, single[0])
    assert expected["open"] and expected["timers"] and expected["case_id_in_data"]
    assert _picture(world, single[1]) == expected
    for case in bulk:
        assert _picture(world, case) == expected
    # Every task uuid is the case's own: no state was shared between the cases.
    uuids = world.session.scalars(select(OpenTask.task_id)).all()
    assert len(set(uuids)) == len(uuids) == 5


def test_a_bulk_started_case_is_worked_like_any_other(world: World) -> None:
    case = _bare_case(world)
    runtime.start_many(world.session, [(case, _data(case))], clock=world.clock,
                       actor_id=world.supervisor.id)
    world.session.commit()
    world.do(case, "assign_auditor", {"auditor_id": world.auditor.id})
    world.do(case, "prepare_plan", PLAN)
    assert world.task(case).element_id == "issue_notice"
    assert [e.element_id for e in world.events(case, "task_completed")] == [
        "assign_auditor", "prepare_plan"]


def test_bulk_start_refuses_a_case_whose_process_runs_and_starts_none(world: World) -> None:
    running = world.open_case()
    fresh = _bare_case(world)
    with pytest.raises(Conflict, match=running.case_number):
        runtime.start_many(world.session, [(fresh, _data(fresh)), (running, _data(running))],
                           clock=world.clock, actor_id=world.supervisor.id)
    world.session.rollback()
    assert world.session.scalars(select(WorkflowInstance.case_id)).all() == [running.id]


def test_bulk_start_refuses_a_case_listed_twice(world: World) -> None:
    case = _bare_case(world)
    with pytest.raises(ValidationFailed, match="twice"):
        runtime.start_many(world.session, [(case, _data(case)), (case, _data(case))],
                           clock=world.clock, actor_id=world.supervisor.id)


def test_bulk_start_of_nothing_is_nothing(world: World) -> None:
    assert runtime.start_many(world.session, [], clock=world.clock, actor_id=None) == []
