"""Specs: BPMN with its DMN decisions, versioned together by hash, run in the sandbox."""
from __future__ import annotations

from decimal import Decimal
import shutil
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from workflows import specs
from workflows.runtime import _run_engine
from workflows.script_engine import ENGINE
from workflows.validate import SpecRefused

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d"
  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="audit_type_probe" isExecutable="true">
    <bpmn:startEvent id="probe_start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:businessRuleTask id="choose_audit_type">
      <bpmn:extensionElements>
        <spiffworkflow:calledDecisionId>audit_type_decision</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:businessRuleTask>
    <bpmn:endEvent id="probe_end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="probe_start" targetRef="choose_audit_type" />
    <bpmn:sequenceFlow id="f2" sourceRef="choose_audit_type" targetRef="probe_end" />
  </bpmn:process>
</bpmn:definitions>"""

DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="audit_type_rules"
  name="Audit type" namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="audit_type_decision" name="Audit type">
    <decisionTable id="audit_type_table" hitPolicy="UNIQUE">
      <input id="expected_input" label="Expected short levy">
        <inputExpression id="expected_expr" typeRef="number"><text>expected</text></inputExpression>
      </input>
      <output id="type_output" label="Audit type" name="suggested_audit_type" typeRef="string" />
      <rule id="small"><inputEntry id="small_in"><text>{small}</text></inputEntry>
        <outputEntry id="small_out"><text>"desk"</text></outputEntry></rule>
      <rule id="large"><inputEntry id="large_in"><text>&gt;= 1000000</text></inputEntry>
        <outputEntry id="large_out"><text>"field"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"""


def _library(tmp_path: Path, small: str = "&lt; 1000000") -> specs.SpecLibrary:
    (tmp_path / "probe.bpmn").write_text(BPMN)
    (tmp_path / "audit_type.dmn").write_text(DMN.format(small=small))
    return specs.SpecLibrary(tmp_path)


def _decide(spec: specs.ProcessSpec, expected: Decimal) -> str:
    workflow = BpmnWorkflow(spec.spec, spec.subprocess_specs, script_engine=ENGINE)
    workflow.data["expected"] = expected
    workflow.get_next_task().data["expected"] = expected
    _run_engine(workflow)
    return str(workflow.last_task.data["suggested_audit_type"])


def test_a_decision_table_runs_in_the_sandbox(tmp_path: Path) -> None:
    spec = _library(tmp_path).current("audit_type_probe")
    assert _decide(spec, Decimal(250_000)) == "desk"
    assert _decide(spec, Decimal(4_000_000)) == "field"


def test_changing_a_decision_is_a_new_version(tmp_path: Path) -> None:
    before = _library(tmp_path).current("audit_type_probe").spec_hash
    after = _library(tmp_path, "&lt; 2000000").current("audit_type_probe").spec_hash
    assert before != after


def test_a_decision_entry_reaching_for_internals_is_refused(tmp_path: Path) -> None:
    # Refused when the table is loaded (workflows/validate.py), before any case evaluates it;
    # the script engine would refuse it again at evaluation (tests/workflows/test_script_engine).
    with pytest.raises(SpecRefused, match="__import__"):
        _library(tmp_path, "__import__('os').getpid() &gt; 0")


def test_the_shipped_process_parses_with_lanes_on_every_user_task() -> None:
    spec = specs.library().current("pca_audit")
    user_tasks = [t for t in spec.spec.task_specs.values() if getattr(t, "manual", False)]
    assert len(user_tasks) == 7
    for task in user_tasks:
        assert task.lane in ("supervisor", "auditor")
        assert task.extensions["properties"]["sla_key"].startswith("audit.")
    element_ids = {t.bpmn_id for t in spec.spec.task_specs.values() if t.bpmn_id}
    assert "reply_period_expired" in element_ids and not {"Start", "End"} & element_ids


def test_a_table_a_process_never_calls_leaves_its_version_alone(tmp_path: Path) -> None:
    (tmp_path / "probe.bpmn").write_text(BPMN)
    (tmp_path / "audit_type.dmn").write_text(DMN.format(small="&lt; 1000000"))
    shutil.copy(specs.BPMN_DIR / "pca_audit.bpmn", tmp_path / "pca_audit.bpmn")
    before = specs.SpecLibrary(tmp_path)
    (tmp_path / "audit_type.dmn").write_text(DMN.format(small="&lt; 2000000"))
    after = specs.SpecLibrary(tmp_path)
    assert before.current("pca_audit").spec_hash == after.current("pca_audit").spec_hash
    assert (before.current("audit_type_probe").spec_hash
            != after.current("audit_type_probe").spec_hash)
