"""A case runs several processes in turn (audit, then adjudication, disputes, recovery), and
a process may run again (a remand starts a new adjudication). Driven with a small follow-up
process beside the real audit one, so the runtime is tested apart from any later BPMN file."""
from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from audit_app.errors import Conflict, PermissionDenied
from audit_app.models import OpenTask, Role, User, WorkflowInstance, WorkflowTimer
from audit_app.services import cases
from audit_app.services.findings import CorrectFacts, record_finding
from tests.casedata import World, drive_to, tariff, world  # noqa: F401
from workflows import handoffs, runtime, specs
from workflows.worker import fire

FOLLOW_UP = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="follow_up_defs"
  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:signal id="Signal_follow_up_expired" name="follow_up_expired" />
  <bpmn:process id="follow_up" isExecutable="true">
    <bpmn:laneSet id="follow_up_lanes">
      <bpmn:lane id="lane_follow_up_officer" name="adjudication_officer">
        <bpmn:flowNodeRef>follow_up_received</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>follow_up_decide</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>follow_up_expired</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>follow_up_done</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>follow_up_lapsed</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="follow_up_received"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="follow_up_decide" name="Decide the follow-up">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="sla_key" value="audit.review_days" />
        <spiffworkflow:property name="timer_signal" value="follow_up_expired" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:boundaryEvent id="follow_up_expired" attachedToRef="follow_up_decide" cancelActivity="true">
      <bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:signalEventDefinition id="follow_up_expired_def" signalRef="Signal_follow_up_expired" />
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="follow_up_done" name="Followed up">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="case_status" value="followed_up" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="follow_up_lapsed" name="Lapsed">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="case_status" value="follow_up_lapsed" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="follow_up_received" targetRef="follow_up_decide" />
    <bpmn:sequenceFlow id="f2" sourceRef="follow_up_decide" targetRef="follow_up_done" />
    <bpmn:sequenceFlow id="f3" sourceRef="follow_up_expired" targetRef="follow_up_lapsed" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> specs.SpecLibrary:
    shutil.copy(specs.BPMN_DIR / "pca_audit.bpmn", tmp_path / "pca_audit.bpmn")
    (tmp_path / "follow_up.bpmn").write_text(FOLLOW_UP)
    lib = specs.SpecLibrary(tmp_path)
    monkeypatch.setattr(runtime, "library", lambda: lib)
    # Only this test's hand-offs and guards: the real services' ones are not loaded.
    monkeypatch.setattr(handoffs, "_HANDLERS", {})
    monkeypatch.setattr(handoffs, "HANDOFF_MODULES", [])
    monkeypatch.setattr(runtime, "LANE_GUARDS", {})
    return lib


def _referred(w: World):  # type: ignore[no-untyped-def]
    tariff(w.session, "84713010")
    case = w.open_case([{"hs_code": "84713010", "declared_value_pkr": Decimal(1_000_000)}])
    drive_to(w, case, "examine_records")
    record_finding(w.session, case.items[0].id, w.auditor,
                   CorrectFacts(value_pkr=Decimal(1_500_000)), evidence="Invoice", clock=w.clock)
    w.do(case, "examine_records")
    w.do(case, "review_findings", {"decision": "approve"})
    w.do(case, "issue_observation", {"observation_date": "2026-02-02"})
    w.do(case, "record_reply", {"reply_outcome": "contravention"})
    return case


def _officer(w: World, name: str = "adj", office: str | None = "PCA-S") -> User:
    from audit_app.auth.service import create_user
    create_user(w.session, name, "x" * 12, name.title(), [Role.ADJUDICATION_OFFICER],
                directorate_code=office)
    w.session.flush()
    return w.session.scalar(select(User).where(User.username == name))


def test_a_hand_off_starts_the_next_process_in_the_same_step(library, world: World) -> None:
    started = []

    @handoffs.on("referred_to_adjudication")
    def _next(session, case, clock, *, process_id):  # type: ignore[no-untyped-def]
        started.append(process_id)
        case.adjudication_office = "PCA-S"
        runtime.start(session, case, clock=clock, actor_id=None, process_id="follow_up")

    case = _referred(world)
    assert started == ["pca_audit"]
    assert case.status == "referred_to_adjudication" and case.closed_at is None
    rows = world.session.scalars(select(WorkflowInstance).order_by(WorkflowInstance.id)).all()
    assert [(r.process_id, r.status, r.end_status) for r in rows] == [
        ("pca_audit", "completed", "referred_to_adjudication"), ("follow_up", "running", None)]
    task = world.task(case)
    assert (task.element_id, task.lane, task.directorate_code, task.instance_id) == (
        "follow_up_decide", "adjudication_officer", "PCA-S", rows[1].id)
    # `load` without a process gives the running one; by process, that process's latest.
    assert runtime.load(world.session, case.id).instance.id == rows[1].id
    assert runtime.load(world.session, case.id, process_id="pca_audit").instance.id == rows[0].id

    pictures = cases.diagrams(world.session, case)
    assert [(d.process_id, d.status, d.active_elements) for d in pictures] == [
        ("pca_audit", "completed", []), ("follow_up", "running", ["follow_up_decide"])]
    assert 'id="follow_up_decide"' in pictures[1].bpmn_xml
    assert cases.diagram(world.session, case).process_id == "follow_up"


def test_tasks_of_each_instance_complete_on_that_instance(library, world: World) -> None:
    case = _referred(world)
    officer = _officer(world)
    runtime.start(world.session, case, clock=world.clock, actor_id=None, process_id="follow_up")
    world.session.commit()
    task = world.task(case)
    runtime.complete_task(world.session, task.task_id, officer, {"note": "ok"}, clock=world.clock)
    world.session.commit()
    assert case.status == "followed_up" and case.closed_at is not None
    assert world.session.scalars(select(OpenTask)).all() == []
    statuses = [e.data["status"] for e in world.events(case, "case_closed")]
    assert statuses == ["referred_to_adjudication", "followed_up"]


def test_a_process_runs_again_but_never_twice_at_once(library, world: World) -> None:
    case = _referred(world)
    officer = _officer(world)
    runtime.start(world.session, case, clock=world.clock, actor_id=None, process_id="follow_up")
    with pytest.raises(Conflict, match="already running"):
        runtime.start(world.session, case, clock=world.clock, actor_id=None,
                      process_id="follow_up")
    runtime.complete_task(world.session, world.task(case).task_id, officer, {},
                          clock=world.clock)
    again = runtime.start(world.session, case, clock=world.clock, actor_id=officer.id,
                          process_id="follow_up")  # e.g. a remand
    world.session.commit()
    assert case.closed_at is None and case.status == "followed_up"
    assert world.task(case).instance_id == again.instance.id
    assert len(runtime.instances(world.session, case.id, process_id="follow_up")) == 2
    assert [d.status for d in runtime.diagrams(world.session, case.id)] == [
        "completed", "completed", "running"]


def test_a_timer_signals_its_own_instance(library, world: World) -> None:
    case = _referred(world)
    runtime.start(world.session, case, clock=world.clock, actor_id=None, process_id="follow_up")
    world.session.commit()
    timer = world.session.scalar(select(WorkflowTimer).where(WorkflowTimer.kind == "timer"))
    assert timer.element_id == "follow_up_expired"
    assert fire(world.session, timer, world.clock) == "signal follow_up_expired delivered"
    world.session.commit()
    assert case.status == "follow_up_lapsed"
    audit = runtime.load(world.session, case.id, process_id="pca_audit")
    assert audit.instance.end_status == "referred_to_adjudication"


def test_offices_and_lane_guards(library, world: World) -> None:
    case = _referred(world)
    case.adjudication_office = "KAPE"
    runtime.start(world.session, case, clock=world.clock, actor_id=None, process_id="follow_up")
    world.session.commit()
    task = world.task(case)
    assert task.directorate_code == "KAPE"
    with pytest.raises(PermissionDenied, match="office KAPE"):
        runtime.check_can_work(_officer(world, "southern", "PCA-S"), task)
    with pytest.raises(PermissionDenied, match="office KAPE"):
        runtime.check_can_work(_officer(world, "nowhere", None), task)
    kape = _officer(world, "kape", "KAPE")
    runtime.check_can_work(kape, task)

    @runtime.lane_guard("adjudication_officer")
    def _no_kape(user, task):  # type: ignore[no-untyped-def]
        if user.username == "kape":
            raise PermissionDenied("no jurisdiction")

    with pytest.raises(PermissionDenied, match="jurisdiction"):
        runtime.check_can_work(kape, task)
    with pytest.raises(PermissionDenied, match="Adjudication officer"):
        runtime.check_can_work(world.auditor, task)


def test_lanes_without_an_office() -> None:
    from audit_app.models import AuditCase
    case = AuditCase(directorate_code="PCA-S", adjudication_office=None, auditor_id=1,
                     supervisor_id=2, adjudicating_officer_id=3, appellate_officer_id=4,
                     recovery_officer_id=5)
    assert [runtime.lane_office(case, lane) for lane in
            ("auditor", "supervisor", "adjudication_officer", "appellate_officer",
             "recovery_officer")] == ["PCA-S", "PCA-S", None, None, None]
    assert [runtime.lane_assignee(case, lane) for lane in
            ("auditor", "supervisor", "adjudication_officer", "appellate_officer",
             "recovery_officer")] == [1, 2, 3, 4, 5]
