"""BPMN specs, parsed once per process and cached by content hash.

The hash of a file's bytes is the spec version. A running instance stores the hash it started
on and is always loaded with that spec: when a process changes, the old file is copied to
`bpmn/archive/` (any name; `<process>.<hash12>.bpmn` by convention, with the DMN files it
used as `<that stem>.<name>.dmn`) so running cases keep it, while new cases start on the file
at the top of `bpmn/`. DMN files at the top of `bpmn/` are available to every process there.
"""
from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from audit_app.config import PROJECT_ROOT
from audit_app.errors import NotFound

from .validate import SpecRefused, validate_directory

BPMN_DIR = PROJECT_ROOT / "bpmn"


@dataclass(frozen=True)
class ProcessSpec:
    process_id: str
    spec_hash: str
    spec: Any  # BpmnProcessSpec, shared read-only by every workflow built on it
    subprocess_specs: dict[str, Any]
    path: Path
    source: str = field(repr=False)  # the BPMN XML, for bpmn-js


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_CALLED_DECISION = re.compile(rb"<spiffworkflow:calledDecisionId>\s*([^<\s]+)\s*<")
_DECISION_ID = re.compile(rb"<(?:\w+:)?decision\b[^>]*?\bid=\"([^\"]+)\"")


def parse_file(path: Path, dmn_paths: list[Path] | None = None) -> list[ProcessSpec]:
    """The executable processes of one BPMN file, with the DMN decisions beside it. The
    version hash covers the decisions the file calls: changing one of its tables is a new
    version of that process, while a table it never calls leaves its version alone."""
    data = path.read_bytes()
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(data, filename=path.name)
    digest = hashlib.sha256(data)
    called = set(_CALLED_DECISION.findall(data))
    for dmn in sorted(dmn_paths or []):
        dmn_data = dmn.read_bytes()
        parser.add_dmn_str(dmn_data, filename=dmn.name)
        if called.intersection(_DECISION_ID.findall(dmn_data)):
            digest.update(dmn_data)
    specs = []
    for process_id in parser.get_process_ids():  # executable processes only
        specs.append(ProcessSpec(process_id, digest.hexdigest(), parser.get_spec(process_id),
                                 parser.get_subprocess_specs(process_id), path,
                                 data.decode("utf-8")))
    return specs


class SpecLibrary:
    """Current specs (top of `directory`) and every archived one, looked up by hash."""

    def __init__(self, directory: Path = BPMN_DIR) -> None:
        self.directory = directory
        self._current: dict[str, ProcessSpec] = {}
        self._by_hash: dict[tuple[str, str], ProcessSpec] = {}
        # Refuse the whole folder if any file breaks the rules (malformed XML, reserved ids,
        # a script or DMN expression outside the sandbox); SpiffWorkflow's parse follows.
        problems = validate_directory(directory, spiff=False)
        if problems:
            raise SpecRefused(problems)
        decisions = sorted(directory.glob("*.dmn"))
        for path in sorted(directory.glob("*.bpmn")):
            for spec in parse_file(path, decisions):
                if spec.process_id in self._current:
                    raise ValueError(f"process {spec.process_id} is defined twice in {directory}")
                self._current[spec.process_id] = spec
                self._by_hash[(spec.process_id, spec.spec_hash)] = spec
        archive = directory / "archive"
        for path in sorted(archive.glob("*.bpmn")):
            # An archived version's decisions sit beside it as <file stem>.*.dmn.
            for spec in parse_file(path, sorted(archive.glob(f"{path.stem}.*.dmn"))):
                self._by_hash.setdefault((spec.process_id, spec.spec_hash), spec)

    def current(self, process_id: str) -> ProcessSpec:
        try:
            return self._current[process_id]
        except KeyError:
            raise NotFound(f"No BPMN process {process_id!r} in {self.directory}.") from None

    def get(self, process_id: str, spec_hash: str) -> ProcessSpec:
        try:
            return self._by_hash[(process_id, spec_hash)]
        except KeyError:
            raise NotFound(
                f"BPMN process {process_id!r} version {spec_hash[:12]} is neither current nor "
                f"archived: copy that version into {self.directory / 'archive'}.") from None


_lock = threading.Lock()
_library: SpecLibrary | None = None


def library() -> SpecLibrary:
    """The process-wide library, parsed on first use (parsing costs ~100 ms; loading must not)."""
    global _library
    if _library is None:
        with _lock:
            if _library is None:
                _library = SpecLibrary()
    return _library
