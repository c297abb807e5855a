"""Workflow state <-> JSON text, with Decimal and date converters and format upgrades.

The spec is left out of the stored state (format 2): it is the same for every case on one
version, would be most of each row's bytes, and is restored from `specs` by hash instead.
Format 1 is SpiffWorkflow's stock layout with the spec embedded; `UPGRADES` turns it into
format 2. A new format adds one upgrade step; stored rows are upgraded when read and written
back in the newest format on their next save.
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any, Callable

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (BpmnWorkflowConverter,
                                                            WorkflowConverter)
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from .specs import ProcessSpec

STATE_FORMAT = 2


class _SpeclessWorkflowConverter(BpmnWorkflowConverter):
    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], spec: Any = None,
                  subprocess_specs: Any = None) -> BpmnWorkflow:
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], _uuid, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(_uuid(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _uuid(value: str) -> Any:
    from uuid import UUID
    return UUID(value)


def _registry() -> Any:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = _SpeclessWorkflowConverter
    registry = BpmnWorkflowSerializer.configure(config)
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda d: Decimal(d["value"]))
    # datetime is registered by Spiff; date is a different class, so it needs its own entry.
    registry.register(dt.date, lambda v: {"value": v.isoformat()},
                      lambda d: dt.date.fromisoformat(d["value"]))
    return registry


SERIALIZER = BpmnWorkflowSerializer(_registry())


def _upgrade_1_to_2(dct: dict[str, Any]) -> None:
    dct.pop("spec", None)
    dct.pop("subprocess_specs", None)


UPGRADES: dict[int, Callable[[dict[str, Any]], None]] = {1: _upgrade_1_to_2}


def dumps(workflow: BpmnWorkflow) -> str:
    # As SpiffWorkflow's serialize_json, with the loop history compacted before encoding.
    # SpiffWorkflow converts task data (Decimal, date...) in its JSON encoder, not in to_dict.
    registry = SERIALIZER.registry
    registry._encoder_mode = True
    try:
        dct = SERIALIZER.to_dict(workflow)
        compact_loops(dct)
        dct[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
        return json.dumps(dct, cls=SERIALIZER._encoder_cls)
    finally:
        registry._encoder_mode = False


_WAITING, _COMPLETED = 8, 64  # TaskState values: predicted states are below WAITING


def compact_loops(dct: dict[str, Any]) -> int:
    """Drop earlier iterations of loops from a serialized task tree; returns how many tasks
    were dropped.

    SpiffWorkflow keeps every task it ran, and restores each task's data by copying its
    parent's, so every pass around a loop (findings returned for re-examination) made the
    state bigger and every later load slower. A task is dropped only when it is COMPLETED, is
    neither the root nor the last task, is the only child of its parent and has exactly one
    child (a plain link of a chain: no split, join, boundary event or multi-instance), owns
    no subprocess, and the same BPMN element has been reached again (not merely predicted)
    further down its branch. Its child
    takes over its place and its data delta, so every remaining task's data is unchanged.
    The first pass and the latest iteration stay.
    """
    tasks: dict[str, dict[str, Any]] = dct.get("tasks") or {}
    root = dct.get("root")
    if not tasks or root not in tasks:
        return 0
    keep = {root, dct.get("last_task")} | set(dct.get("subprocesses") or {})
    below: dict[str, set[str]] = {}  # element names in each task's subtree, itself excluded
    order: list[str] = []
    stack = [root]
    while stack:  # iterative pre-order; reversed it is a post-order for the subtree sets
        tid = stack.pop()
        order.append(tid)
        stack.extend(c for c in tasks[tid]["children"] if c in tasks)
    for tid in reversed(order):
        names: set[str] = set()
        for child in tasks[tid]["children"]:
            if child in tasks:
                names |= below[child]
                if tasks[child]["state"] >= _WAITING:  # reached, not merely predicted
                    names.add(tasks[child]["task_spec"])
        below[tid] = names
    dropped = 0
    for tid in order:
        task = tasks[tid]
        parent_id = task["parent"]
        if (tid in keep or task["state"] != _COMPLETED or len(task["children"]) != 1
                or parent_id not in tasks or len(tasks[parent_id]["children"]) != 1
                or task["task_spec"] not in below[tid] or not isinstance(task["delta"], dict)
                or task["delta"] == {}):
            continue
        child = tasks.get(task["children"][0])
        if child is None or not child.get("delta"):
            continue
        child["delta"] = _merged_delta(task["delta"], child["delta"])
        child["parent"] = parent_id
        tasks[parent_id]["children"] = [child["id"]]
        del tasks[tid]
        dropped += 1
    return dropped


def _merged_delta(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """The delta from a grandparent's data to a task's, through the dropped parent."""
    updates = dict(first.get("updates") or {})
    deleted = set(first.get("deletions") or [])
    for key in second.get("deletions") or []:
        updates.pop(key, None)
        deleted.add(key)
    for key, value in (second.get("updates") or {}).items():
        updates[key] = value
        deleted.discard(key)
    return {"updates": updates, "deletions": sorted(deleted)}


def upgrade(dct: dict[str, Any], state_format: int) -> dict[str, Any]:
    """Apply every upgrade step from `state_format` to STATE_FORMAT, in order."""
    if state_format > STATE_FORMAT:
        raise ValueError(f"state format {state_format} is newer than this code ({STATE_FORMAT})")
    for step in range(state_format, STATE_FORMAT):
        UPGRADES[step](dct)
    return dct


def loads(text: str, state_format: int, spec: ProcessSpec) -> BpmnWorkflow:
    dct = upgrade(json.loads(text), state_format)
    SERIALIZER.migrate(dct)  # SpiffWorkflow's own serializer_version migrations
    return SERIALIZER.from_dict(dct, spec=spec.spec, subprocess_specs=spec.subprocess_specs)
