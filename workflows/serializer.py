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
    # SpiffWorkflow converts task data (Decimal, date...) in its JSON encoder, not in to_dict.
    return str(SERIALIZER.serialize_json(workflow))


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
