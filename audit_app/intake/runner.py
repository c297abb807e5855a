"""One entry point for every intake kind and format: file in, ImportReport out."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, TextIO

from sqlalchemy.orm import Session

from .files import IntakeFile
from .formats import SPECS
from .reader import open_records
from .reference import import_reference_records
from .pipeline import DeclarationChunks
from .service import (ImportReport, RejectsWriter, import_declaration_chunks,
                      import_declaration_records, start_batch)

KINDS = ("declarations", "tariff", "preferential", "outcomes")


def _opener(kind: str, data_format: str) -> Callable[[TextIO], Any]:
    if data_format == "kcs":
        from . import kcs
        return {"declarations": kcs.open_kcs_declarations,
                "outcomes": kcs.open_kcs_outcomes}[kind]
    spec = SPECS[kind]
    return lambda stream: open_records(stream, spec)


def import_records(session: Session, kind: str, records: Any, batch: Any, *,
                   skip_invalid: bool = False, rejects_path: Path | None = None) -> ImportReport:
    if kind == "declarations":
        return import_declaration_records(session, records, batch, skip_invalid=skip_invalid,
                                          rejects_path=rejects_path)
    rejects = RejectsWriter(rejects_path if skip_invalid else None)
    try:
        report = import_reference_records(session, kind, records, batch,
                                          skip_invalid=skip_invalid, rejects=rejects)
    finally:
        rejects.close()
    report.rejects_path = str(rejects_path) if rejects_path and rejects.rows else None
    return report


def import_file(session: Session, kind: str, path: Path, *, data_format: str = "canonical",
                skip_invalid: bool = False, rejects_path: Path | None = None,
                user_id: int | None = None, parallel: bool | None = None) -> ImportReport:
    """Import one file in the session's transaction; IntakeError means roll back.

    A declarations file in the canonical format is read in a second process when the machine
    has a second core (`parallel=None`), see `pipeline.py`; True or False forces the choice."""
    if kind not in KINDS:
        raise ValueError(f"unknown intake kind {kind!r}")
    if kind == "declarations" and data_format == "canonical":
        dialect = session.connection().dialect.name
        with DeclarationChunks(path, dialect, parallel) as source:
            batch = start_batch(session, kind, "file", filename=str(path),
                                data_format=data_format, user_id=user_id)
            report = import_declaration_chunks(session, source.chunks, batch,
                                               skip_invalid=skip_invalid,
                                               rejects_path=rejects_path)
            batch.sha256 = source.sha256
        session.flush()
        return report
    with IntakeFile(path) as source:
        records = _opener(kind, data_format)(source.text)
        batch = start_batch(session, kind, "file", filename=str(path), data_format=data_format,
                            user_id=user_id)
        report = import_records(session, kind, records, batch, skip_invalid=skip_invalid,
                                rejects_path=rejects_path)
        batch.sha256 = source.sha256
    session.flush()
    return report
