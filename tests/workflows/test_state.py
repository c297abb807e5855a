"""Stored state: Decimal and date survive a round trip, old formats are upgraded, running
cases keep their spec version, and the state stays small and quick to load."""
from __future__ import annotations

import datetime as dt
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from audit_app.errors import NotFound
from audit_app.models import WorkflowInstance
from tests.casedata import World, drive_to, world  # noqa: F401
from workflows import runtime, serializer, specs
from workflows.script_engine import ENGINE


def _fresh(spec: specs.ProcessSpec) -> BpmnWorkflow:
    workflow = BpmnWorkflow(spec.spec, spec.subprocess_specs, script_engine=ENGINE)
    workflow.do_engine_steps()
    return workflow


def _ready(workflow: BpmnWorkflow) -> list[str]:
    return [t.task_spec.name for t in workflow.get_tasks(state=TaskState.READY, manual=True)]


def test_round_trip_keeps_decimal_date_and_datetime() -> None:
    spec = specs.library().current("pca_audit")
    workflow = _fresh(spec)
    task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
    values = {"amount": Decimal("278696.50"), "due": dt.date(2026, 2, 17),
              "at": dt.datetime(2026, 1, 5, 4, tzinfo=dt.timezone.utc), "n": 3, "s": "x"}
    task.data.update(values)
    text = serializer.dumps(workflow)
    assert '"spec"' not in text[:200] and len(text) < 50_000
    restored = serializer.loads(text, serializer.STATE_FORMAT, spec)
    again = restored.get_task_from_id(task.id)
    assert {k: again.data[k] for k in values} == values
    assert type(again.data["due"]) is dt.date and type(again.data["amount"]) is Decimal


def test_format_1_with_the_spec_embedded_is_upgraded() -> None:
    spec = specs.library().current("pca_audit")
    workflow = _fresh(spec)
    workflow.get_tasks(state=TaskState.READY, manual=True)[0].data["amount"] = Decimal("7")
    registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)  # SpiffWorkflow's stock layout
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda d: Decimal(d["value"]))
    stock = BpmnWorkflowSerializer(registry).serialize_json(workflow)
    assert "spec" in json.loads(stock)
    restored = serializer.loads(stock, 1, spec)
    assert _ready(restored) == ["assign_auditor"]
    assert restored.get_tasks(state=TaskState.READY, manual=True)[0].data["amount"] == 7
    with pytest.raises(ValueError):
        serializer.upgrade({}, serializer.STATE_FORMAT + 1)


def test_a_changed_process_applies_to_new_cases_only(world: World, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    old_case = world.open_case()
    old_hash = world.session.scalar(select(WorkflowInstance.spec_hash))
    source = specs.BPMN_DIR / "pca_audit.bpmn"
    (tmp_path / "archive").mkdir()
    shutil.copy(source, tmp_path / "archive" / f"pca_audit.{old_hash[:12]}.bpmn")
    changed = source.read_text().replace('name="Assign auditor"', 'name="Assign audit team"')
    (tmp_path / "pca_audit.bpmn").write_text(changed)
    monkeypatch.setattr(runtime, "library", lambda: specs.SpecLibrary(tmp_path))

    new_case = world.open_case()
    hashes = dict(world.session.execute(select(WorkflowInstance.case_id,
                                               WorkflowInstance.spec_hash)).all())
    assert hashes[old_case.id] == old_hash != hashes[new_case.id]
    assert world.task(new_case).name == "Assign audit team"
    drive_to(world, old_case, "prepare_plan")  # the running case still moves on its version
    assert runtime.load(world.session, old_case.id).spec.spec_hash == old_hash

    (tmp_path / "archive" / f"pca_audit.{old_hash[:12]}.bpmn").unlink()
    with pytest.raises(NotFound, match="archive"):
        runtime.load(world.session, old_case.id)


def test_state_stays_small_and_grows_by_a_constant_per_step(world: World) -> None:
    case = world.open_case(5)
    instance = world.session.scalar(select(WorkflowInstance))
    drive_to(world, case, "review_findings")
    sizes = [len(instance.state)]
    for n in range(6):  # the supervisor returns the findings six times
        world.do(case, "review_findings", {"decision": "return", "comments": f"round {n}"})
        world.do(case, "examine_records")
        sizes.append(len(instance.state))
    world.do(case, "review_findings", {"decision": "approve"})
    world.do(case, "issue_observation", {"observation_date": "2026-02-02"})
    world.do(case, "record_reply", {"reply_outcome": "contravention"})
    assert len(instance.state) < 50_000, sizes
    # Earlier passes around the loop are compacted away when the state is saved
    # (serializer.compact_loops): the first return adds the loop's tasks once, later ones
    # add nothing, so the state and the load time stay flat however often findings return.
    growth = [b - a for a, b in zip(sizes, sizes[1:])]
    assert growth[0] < 3_000 and max(abs(g) for g in growth[1:]) < 100, growth
    # The load time itself is measured by bench/workflow_state.py, not asserted here (a
    # shared machine makes timings flaky).
