"""Loop history is compacted when state is saved: earlier passes around the review loop are
dropped, every remaining task keeps its data, and the process runs on exactly as before."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from workflows import serializer, specs
from workflows.script_engine import ENGINE

PLAN = {"audit_type": "desk"}
NOTICE = {"notice_date": dt.date(2026, 1, 6), "records_due_date": dt.date(2026, 1, 20)}


def _fresh() -> BpmnWorkflow:
    spec = specs.library().current("pca_audit")
    workflow = BpmnWorkflow(spec.spec, spec.subprocess_specs, script_engine=ENGINE)
    workflow.data.update({"case_id": 1, "short_levy_total": Decimal(0)})
    workflow.do_engine_steps()
    return workflow


def _do(workflow: BpmnWorkflow, element: str, data: dict[str, Any]) -> None:
    (task,) = [t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
               if t.task_spec.name == element]
    task.data.update(data)
    task.run()
    workflow.do_engine_steps()


def _reloaded(workflow: BpmnWorkflow) -> BpmnWorkflow:
    spec = specs.library().current("pca_audit")
    restored = serializer.loads(serializer.dumps(workflow), serializer.STATE_FORMAT, spec)
    restored.script_engine = ENGINE
    return restored


def _to_review(loops: int) -> BpmnWorkflow:
    workflow = _fresh()
    _do(workflow, "assign_auditor", {"auditor_id": 7})
    _do(workflow, "prepare_plan", PLAN)
    _do(workflow, "issue_notice", NOTICE)
    for n in range(loops):
        _do(workflow, "examine_records", {"findings_count": n,
                                          "short_levy_total": Decimal(n * 1000)})
        _do(workflow, "review_findings", {"review_decision": "return",
                                          "review_comments": f"round {n}"})
    _do(workflow, "examine_records", {"findings_count": 9,
                                      "short_levy_total": Decimal("278696.50")})
    return workflow


def test_every_kept_task_keeps_its_data_and_state() -> None:
    workflow = _to_review(loops=4)
    restored = _reloaded(workflow)
    assert len(restored.tasks) < len(workflow.tasks)
    for task_id, task in restored.tasks.items():
        original = workflow.tasks[task_id]
        assert (task.data, task.state, task.task_spec.name) == (
            original.data, original.state, original.task_spec.name)
    ready = [t.task_spec.name for t in restored.get_tasks(state=TaskState.READY, manual=True)]
    assert ready == ["review_findings"]
    (task,) = restored.get_tasks(state=TaskState.READY, manual=True)
    assert task.data["review_comments"] == "round 3"
    assert task.data["short_levy_total"] == Decimal("278696.50")
    assert task.data["notice_date"] == dt.date(2026, 1, 6)


def test_a_compacted_workflow_runs_on_to_the_same_end() -> None:
    for outcome, end in (("explanation_accepted", "closed_no_change"),
                         ("contravention", "referred_to_adjudication")):
        workflow = _reloaded(_to_review(loops=3))
        _do(workflow, "review_findings", {"review_decision": "approve"})
        workflow = _reloaded(workflow)
        _do(workflow, "issue_observation", {"observation_date": dt.date(2026, 2, 2)})
        workflow = _reloaded(workflow)
        _do(workflow, "record_reply", {"reply_outcome": outcome, "amount_paid": Decimal(0)})
        workflow = _reloaded(workflow)
        assert workflow.is_completed()
        done = [t.task_spec.name for t in workflow.get_tasks(state=TaskState.COMPLETED)]
        assert end in done and "assign_auditor" in done


def test_state_size_does_not_grow_with_review_loops() -> None:
    sizes = [len(serializer.dumps(_to_review(loops))) for loops in (1, 5, 20)]
    assert max(sizes) - min(sizes) < 300, sizes
    assert max(sizes) < 50_000


def test_merged_deltas_follow_deletions_and_re_additions() -> None:
    first = {"updates": {"a": 1, "b": 2}, "deletions": ["x", "y"]}
    second = {"updates": {"x": 3, "b": 4}, "deletions": ["a"]}
    assert serializer._merged_delta(first, second) == {
        "updates": {"b": 4, "x": 3}, "deletions": ["a", "y"]}


def test_nothing_is_dropped_without_a_loop() -> None:
    workflow = _fresh()
    _do(workflow, "assign_auditor", {"auditor_id": 7})
    dct = json.loads(serializer.dumps(workflow))
    assert serializer.compact_loops(dct) == 0
    assert len(dct["tasks"]) == len(workflow.tasks)
