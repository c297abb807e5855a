"""Checks a BPMN or DMN file must pass before the runtime accepts it.

Run when the spec library loads `bpmn/` (a bad file stops the load with every problem listed)
and by `pca workflows validate [FILE...]` before a file is installed. A file is refused when:
- it is not well-formed XML (the line and column are given);
- an element uses an id SpiffWorkflow reserves for its own tasks (`Start`, `End`, `Root`);
- SpiffWorkflow cannot parse it (for BPMN: every executable process; for DMN: every table);
- a script task's script, a pre/post script, a sequence flow's condition, or a DMN table's
  input expression, input entry or output entry is refused by the restricted script engine
  (`workflows.script_engine`: no imports, no dunders, only whitelisted names).
Each problem names the file, the element id and what is wrong.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from .script_engine import ScriptRefused, check

RESERVED_IDS = frozenset({"Start", "End", "Root"})
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
# DMN 1.2 and 1.3 namespaces (Camunda's modeler writes either).
DMN_NAMESPACES = ("https://www.omg.org/spec/DMN/20191111/MODEL/",
                  "http://www.omg.org/spec/DMN/20180521/MODEL/")
_OPERATOR = re.compile(r"^\s*(<=|>=|<|>|==|!=|not\s+in\b|in\b)")


@dataclass(frozen=True)
class Problem:
    path: str
    element: str | None
    message: str

    def __str__(self) -> str:
        where = f", element {self.element!r}" if self.element else ""
        return f"{self.path}{where}: {self.message}"


class SpecRefused(ValueError):
    """A BPMN or DMN file failed validation; `problems` lists every fault found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("BPMN/DMN refused:\n  " + "\n  ".join(map(str, problems)))


def _sandboxed(path: str, element: str | None, source: str, mode: str,
               what: str) -> list[Problem]:
    try:
        check(source, mode)
    except ScriptRefused as exc:
        return [Problem(path, element, f"{what} {source.strip()[:120]!r}: {exc}")]
    return []


def _parent_id(parents: dict[ET.Element, ET.Element], node: ET.Element) -> str | None:
    """The id of the nearest element holding `node` (a condition's flow, a script's task)."""
    while node is not None:
        if node.get("id"):
            return node.get("id")
        node = parents.get(node)  # type: ignore[assignment]
    return None


def _xml(path: Path, data: bytes) -> tuple[ET.ElementTree | None, list[Problem]]:
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, column = exc.position
        return None, [Problem(str(path), None, f"not well-formed XML at line {line}, column "
                                               f"{column + 1}: {exc}")]
    tree = ET.ElementTree(root)
    problems = [Problem(str(path), el.get("id"), "this id is reserved by SpiffWorkflow "
                        "(Start, End and Root name its own tasks): rename the element")
                for el in tree.iter() if el.get("id") in RESERVED_IDS]
    return tree, problems


def decisions_beside(path: Path) -> list[Path]:
    """The DMN files a BPMN file may call, as the spec library finds them: every DMN at the
    top of bpmn/, or for an archived version its own `<stem>.*.dmn`."""
    if path.parent.name == "archive":
        return sorted(path.parent.glob(f"{path.stem}.*.dmn"))
    return sorted(path.parent.glob("*.dmn"))


def validate_bpmn(path: Path, data: bytes | None = None,
                  dmn_paths: list[Path] | None = None, *, spiff: bool = True) -> list[Problem]:
    data = path.read_bytes() if data is None else data
    dmn_paths = decisions_beside(path) if dmn_paths is None else dmn_paths
    tree, problems = _xml(path, data)
    if tree is None:
        return problems
    name = str(path)
    parents = {c: p for p in tree.iter() for c in p}
    for node in tree.iter(f"{{{BPMN_NS}}}scriptTask"):
        script = node.find(f"{{{BPMN_NS}}}script")
        if script is not None and (script.text or "").strip():
            problems += _sandboxed(name, node.get("id"), script.text or "", "exec", "script")
    for tag in ("preScript", "postScript"):
        for node in tree.iter(f"{{{SPIFF_NS}}}{tag}"):
            if (node.text or "").strip():
                problems += _sandboxed(name, _parent_id(parents, node), node.text or "", "exec",
                                       tag)
    for node in tree.iter(f"{{{BPMN_NS}}}conditionExpression"):
        if (node.text or "").strip():
            problems += _sandboxed(name, _parent_id(parents, node), node.text or "", "eval",
                                   "condition")
    if problems or not spiff:
        return problems
    try:
        parser = SpiffBpmnParser()
        parser.add_bpmn_str(data, filename=path.name)
        for dmn in dmn_paths:
            parser.add_dmn_str(dmn.read_bytes(), filename=dmn.name)
        process_ids = parser.get_process_ids()
        if not process_ids:
            problems.append(Problem(name, None, "no executable process "
                                                "(isExecutable=\"true\")"))
        for process_id in process_ids:
            parser.get_spec(process_id)
    except Exception as exc:  # noqa: BLE001  (SpiffWorkflow's validation and parse errors)
        problems.append(Problem(name, getattr(exc, "id", None) or None,
                                f"SpiffWorkflow cannot parse it: {exc}"))
    return problems


def _entry_source(entry: str, input_expression: str) -> str | None:
    """The Python a DMN unary test becomes: `?` is the input, a leading operator compares it,
    `-` (or nothing) matches anything."""
    text = entry.strip()
    if text in ("", "-"):
        return None
    if "?" in text:
        return text.replace("?", f"({input_expression})")
    if _OPERATOR.match(text):
        return f"({input_expression}) {text}"
    return text


def validate_dmn(path: Path, data: bytes | None = None, *, spiff: bool = True) -> list[Problem]:
    data = path.read_bytes() if data is None else data
    tree, problems = _xml(path, data)
    if tree is None:
        return problems
    name = str(path)
    for ns in DMN_NAMESPACES:
        for table in tree.iter(f"{{{ns}}}decisionTable"):
            inputs = [(i.findtext(f"{{{ns}}}inputExpression/{{{ns}}}text") or "").strip()
                      for i in table.findall(f"{{{ns}}}input")]
            for inp, expression in zip(table.findall(f"{{{ns}}}input"), inputs):
                problems += _sandboxed(name, inp.get("id"), expression or "", "eval",
                                       "input expression")
            for rule in table.findall(f"{{{ns}}}rule"):
                for entry, expression in zip(rule.findall(f"{{{ns}}}inputEntry"), inputs):
                    source = _entry_source(entry.findtext(f"{{{ns}}}text") or "",
                                           expression or "None")
                    if source is not None:
                        problems += _sandboxed(name, entry.get("id"), source, "eval",
                                               "input entry")
                for entry in rule.findall(f"{{{ns}}}outputEntry"):
                    text = (entry.findtext(f"{{{ns}}}text") or "").strip()
                    if text:
                        problems += _sandboxed(name, entry.get("id"), text, "eval",
                                               "output entry")
    if problems or not spiff:
        return problems
    try:
        parser = SpiffBpmnParser()
        parser.add_dmn_str(data, filename=path.name)
        if not parser.dmn_parsers:
            problems.append(Problem(name, None, "no decision in the file"))
        for dmn_parser in parser.dmn_parsers.values():
            dmn_parser.parse()
    except Exception as exc:  # noqa: BLE001  (SpiffWorkflow's DMN parse errors)
        problems.append(Problem(name, None, f"SpiffWorkflow cannot parse it: {exc}"))
    return problems


def validate_file(path: Path, *, spiff: bool = True) -> list[Problem]:
    """Every problem of one file; `spiff=False` skips SpiffWorkflow's own parse (the spec
    library parses each file anyway and stops on its errors)."""
    if not path.is_file():
        return [Problem(str(path), None, "no such file")]
    if path.suffix.lower() == ".dmn":
        return validate_dmn(path, spiff=spiff)
    if path.suffix.lower() == ".bpmn":
        return validate_bpmn(path, spiff=spiff)
    return [Problem(str(path), None, "neither a .bpmn nor a .dmn file")]


def validate_directory(directory: Path, *, spiff: bool = True) -> list[Problem]:
    """Every BPMN and DMN file of the directory and its archive."""
    problems: list[Problem] = []
    for folder in (directory, directory / "archive"):
        for path in sorted(folder.glob("*.bpmn")) + sorted(folder.glob("*.dmn")):
            problems += validate_file(path, spiff=spiff)
    return problems
