"""BPMN and DMN files are validated before they are accepted: at load (the spec library) and by
`pca workflows validate`; one test per kind of bad file, each naming the file and element."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from workflows.commands import workflows_cli
from workflows.specs import BPMN_DIR, SpecLibrary
from workflows.validate import SpecRefused, validate_directory, validate_file

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs"
    targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="tiny" isExecutable="true">
    <bpmn:startEvent id="{start}"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="compute"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:exclusiveGateway id="which" default="f4"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing><bpmn:outgoing>f4</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="big"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="small"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="{start}" targetRef="compute" />
    <bpmn:sequenceFlow id="f2" sourceRef="compute" targetRef="{target}" />
    <bpmn:sequenceFlow id="f3" sourceRef="which" targetRef="big">
      <bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="which" targetRef="small" />
  </bpmn:process>
</bpmn:definitions>
"""
GOOD = {"start": "begin", "script": "total = amount * 2", "condition": "total &gt; 100",
        "target": "which"}

DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d"
    namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="band" name="Band">
    <decisionTable id="table">
      <input id="amount_in" label="Amount">
        <inputExpression id="amount_expr" typeRef="number"><text>{input}</text></inputExpression>
      </input>
      <output id="rank_out" label="Rank" name="rank" typeRef="string" />
      <rule id="low">
        <inputEntry id="low_in"><text>{entry}</text></inputEntry>
        <outputEntry id="low_out"><text>{output}</text></outputEntry>
      </rule>
      <rule id="high">
        <inputEntry id="high_in"><text>&gt;= 20000</text></inputEntry>
        <outputEntry id="high_out"><text>"collector"</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
</definitions>
"""
GOOD_DMN = {"input": "amount", "entry": "? &lt; 20000", "output": '"superintendent"'}


def write(tmp_path: Path, name: str, template: str, values: dict[str, str],
          **over: str) -> Path:
    path = tmp_path / name
    path.write_text(template.format(**{**values, **over}), encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    return [str(p) for p in validate_file(path)]


def test_the_shipped_processes_and_tables_are_valid() -> None:
    assert validate_directory(BPMN_DIR) == []


def test_good_files_pass(tmp_path: Path) -> None:
    assert problems(write(tmp_path, "tiny.bpmn", BPMN, GOOD)) == []
    assert problems(write(tmp_path, "band.dmn", DMN, GOOD_DMN)) == []


def test_malformed_xml_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.bpmn"
    path.write_text(BPMN.format(**GOOD).replace("</bpmn:process>", ""), encoding="utf-8")
    (problem,) = problems(path)
    assert "broken.bpmn" in problem and "not well-formed XML at line" in problem


@pytest.mark.parametrize("reserved", ["Start", "End"])
def test_an_id_spiffworkflow_reserves_is_refused(tmp_path: Path, reserved: str) -> None:
    found = problems(write(tmp_path, "tiny.bpmn", BPMN, GOOD, start=reserved))
    assert any(f"element '{reserved}'" in p and "reserved" in p for p in found), found


def test_a_file_spiffworkflow_cannot_parse_is_refused(tmp_path: Path) -> None:
    found = problems(write(tmp_path, "tiny.bpmn", BPMN, GOOD, target="nowhere"))
    assert len(found) == 1 and "SpiffWorkflow cannot parse it" in found[0], found


@pytest.mark.parametrize(("field", "source", "refusal"), [
    ("script", "import os", "Import"),
    ("script", "x = ().__class__.__base__.__subclasses__()", "__class__"),
    ("script", "open('/etc/passwd').read()", "'open'"),
    ("condition", "__import__('os').system('id') == 0", "__import__"),
    ("condition", "total.__class__ is int", "__class__"),
])
def test_a_script_or_condition_outside_the_sandbox_is_refused(tmp_path: Path, field: str,
                                                              source: str, refusal: str) -> None:
    escaped = source.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    found = problems(write(tmp_path, "tiny.bpmn", BPMN, GOOD, **{field: escaped}))
    element = "compute" if field == "script" else "f3"
    assert len(found) == 1, found
    assert f"element '{element}'" in found[0] and refusal in found[0], found


@pytest.mark.parametrize(("field", "text", "element"), [
    ("input", "amount.__class__", "amount_in"),
    ("entry", "? &lt; __import__('os').getpid()", "low_in"),
    ("output", "open('/etc/passwd').read()", "low_out"),
])
def test_a_dmn_expression_outside_the_sandbox_is_refused(tmp_path: Path, field: str, text: str,
                                                         element: str) -> None:
    found = problems(write(tmp_path, "band.dmn", DMN, GOOD_DMN, **{field: text}))
    assert any(f"element '{element}'" in p and "Refused" in p for p in found), found


def test_a_dmn_table_spiffworkflow_cannot_parse_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "band.dmn"
    path.write_text(DMN.format(**GOOD_DMN).replace('<decisionTable id="table">', "<decisionTable>")
                    .replace("<decision ", "<decision_x ").replace("</decision>", "</decision_x>"),
                    encoding="utf-8")
    found = problems(path)
    assert len(found) == 1 and "band.dmn" in found[0], found


def test_the_spec_library_refuses_a_folder_with_a_bad_file(tmp_path: Path) -> None:
    for source in BPMN_DIR.glob("*.*"):
        shutil.copy(source, tmp_path / source.name)
    (tmp_path / "archive").mkdir()
    SpecLibrary(tmp_path)  # the shipped files load
    write(tmp_path, "tiny.bpmn", BPMN, GOOD, script="import os")
    with pytest.raises(SpecRefused) as refused:
        SpecLibrary(tmp_path)
    assert "tiny.bpmn, element 'compute'" in str(refused.value)


def test_the_command_lists_every_problem_and_exits_1(tmp_path: Path) -> None:
    good = write(tmp_path, "tiny.bpmn", BPMN, GOOD)
    bad = write(tmp_path, "bad.bpmn", BPMN, GOOD, start="Start", script="import os")
    runner = CliRunner()
    ok = runner.invoke(workflows_cli, ["validate", str(good)])
    assert ok.exit_code == 0 and "1 file(s) valid" in ok.output
    refused = runner.invoke(workflows_cli, ["validate", str(good), str(bad)])
    assert refused.exit_code == 1
    assert "element 'Start'" in refused.output and "element 'compute'" in refused.output
    assert "2 problem(s) in 2 file(s)" in refused.output
    everything = runner.invoke(workflows_cli, ["validate"])
    assert everything.exit_code == 0, everything.output
