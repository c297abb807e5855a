"""The BPMN script sandbox: plain data operations run; anything reaching for Python's
internals is refused with a clear error, in a condition or in a script task."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from audit_app.errors import DomainError
from workflows.runtime import _run_engine
from workflows.script_engine import ENGINE, ScriptRefused, check

ATTACKS = [
    ("__import__('os').system('id')", "__import__"),
    ("().__class__.__base__.__subclasses__()", "__subclasses__"),
    ("open('/etc/passwd').read()", "open"),
    ("getattr(x, 'sys' + 'tem')", "getattr"),
    ("x.__dict__", "__dict__"),
    ("(lambda: 1)()", "Lambda"),
    ("eval('1')", "eval"),
    ("exec('import os')", "exec"),
    ("globals()['__builtins__']", "globals"),
    ("'{0.__class__}'.format(x)", "format"),
    ("x.mro", "mro"),
    ("[c for c in ().__class__.__bases__]", "__bases__"),
    ("_secret", "_secret"),
    ("2 ** 99999999", "powers"),
    ("type(x)", "type"),
]


@pytest.mark.parametrize(("source", "named"), ATTACKS)
def test_attacks_are_refused_naming_the_construct(source: str, named: str) -> None:
    with pytest.raises(ScriptRefused) as err:
        check(source, "eval")
    assert named in err.value.message


def test_imports_and_definitions_are_refused_in_scripts() -> None:
    for script in ("import os", "from os import path", "def f():\n    return 1",
                   "class A:\n    pass", "while True:\n    pass", "global x"):
        with pytest.raises(ScriptRefused):
            check(script)


def test_plain_data_operations_run() -> None:
    env = ENGINE.environment
    data = {"short_levy_total": Decimal("278696"), "amount_paid": Decimal("300000"),
            "reply_due_date": dt.date(2026, 2, 17), "items": {"a": 1}}
    assert env.evaluate("amount_paid >= short_levy_total and len(items) == 1", data) is True
    assert env.evaluate("add_days(reply_due_date, 3).day", data) == 20
    assert env.evaluate("items.get('a', 0) + max(1, 2)", data) == 3
    env.execute("balance = short_levy_total - amount_paid\nsettled = balance <= 0", data)
    assert data["balance"] == Decimal("-21304") and data["settled"] is True
    assert "__builtins__" not in data


def test_builtins_outside_the_whitelist_are_absent_at_run_time() -> None:
    # `chr` passes the static check (not a known-dangerous name) but is not provided.
    with pytest.raises(NameError):
        ENGINE.environment.evaluate("chr(65)", {})


def test_task_data_cannot_replace_the_builtins() -> None:
    with pytest.raises(ScriptRefused):
        ENGINE.environment.evaluate("1", {"__builtins__": __builtins__})


BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="sandbox_probe" isExecutable="true">
    <bpmn:startEvent id="probe_start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="probe_script" scriptFormat="python"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="probe_end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="probe_start" targetRef="probe_script" />
    <bpmn:sequenceFlow id="f2" sourceRef="probe_script" targetRef="probe_end" />
  </bpmn:process>
</bpmn:definitions>"""


def _probe(script: str) -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(BPMN.format(script=script).encode())
    workflow = BpmnWorkflow(parser.get_spec("sandbox_probe"), script_engine=ENGINE)
    _run_engine(workflow)
    return workflow


def test_a_script_task_that_imports_a_module_is_refused() -> None:
    with pytest.raises(ScriptRefused, match="Import"):
        _probe("import os\nos.system('id')")
    with pytest.raises(ScriptRefused, match="__import__"):
        _probe("x = __import__('os')")


def test_a_script_task_failing_at_run_time_is_a_domain_error() -> None:
    with pytest.raises(DomainError, match="could not continue"):
        _probe("x = chr(65)")


def test_a_harmless_script_task_runs() -> None:
    workflow = _probe("total = Decimal('10') * 3")
    assert workflow.is_completed()
    assert workflow.last_task.data["total"] == Decimal("30")
