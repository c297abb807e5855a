"""Taking in a declarations file (or API batch): validate, stage, merge, all or nothing.

By default a file with any bad row writes nothing: every problem is collected (the first
`MAX_PROBLEMS` kept) and IntakeError is raised, and the caller rolls back. With `skip_invalid`
the good rows are imported and the bad ones written, with their reasons, to a rejects file.
The caller commits.
"""
from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.orm import Session

from ..db import utcnow
from ..models import ImportBatch
from ..services import case_facts
from . import merge, staging
from .problems import IntakeError, Problem

MAX_PROBLEMS = 1000


@dataclass
class ImportReport:
    batch_id: int
    kind: str
    rows_read: int = 0
    new: int = 0
    amended: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    rejects_path: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"batch_id": self.batch_id, "kind": self.kind, "rows_read": self.rows_read,
                "new": self.new, "amended": self.amended, "unchanged": self.unchanged,
                "rejected": self.rejected, "rejects_file": self.rejects_path,
                "problems": [str(p) for p in self.problems[:50]]}


class RejectsWriter:
    """`line,column,value,problem` for every problem, then the row's cells when known."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._file: TextIO | None = None
        self._writer: Any = None
        self.rows = 0
        self.rows_from_stage = 0  # rows rejected after staging (keys across the file)

    def write(self, problems: Iterable[Problem], cells: list[str] | None = None) -> None:
        self.rows += 1
        if self.path is None:
            return
        if self._writer is None:
            self._file = open(self.path, "w", newline="", encoding="utf-8")
            self._writer = csv.writer(self._file)
            self._writer.writerow(["line", "column", "value", "problem", "row"])
        row_text = "" if cells is None else ",".join(cells)
        for p in problems:
            self._writer.writerow([p.line or "", p.column or "", p.value or "", p.message, row_text])

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.count = 0

    def add(self, problems: Iterable[Problem]) -> None:
        for p in problems:
            self.count += 1
            if len(self.problems) < MAX_PROBLEMS:
                self.problems.append(p)

    def error(self) -> IntakeError:
        problems = list(self.problems)
        if self.count > len(problems):
            problems.append(Problem(None, None, None,
                                    f"... {self.count - len(problems)} further problems not listed"))
        return IntakeError(problems)


def start_batch(session: Session, kind: str, source: str, *, filename: str | None = None,
                sha256: str | None = None, data_format: str = "canonical",
                user_id: int | None = None, api_token_id: int | None = None) -> ImportBatch:
    batch = ImportBatch(kind=kind, source=source, filename=filename, sha256=sha256,
                        data_format=data_format, user_id=user_id, api_token_id=api_token_id,
                        started_at=utcnow())
    session.add(batch)
    session.flush()
    return batch


def import_declaration_records(session: Session, records: Iterable[Any], batch: ImportBatch, *,
                               skip_invalid: bool = False, rejects_path: Path | None = None,
                               now: dt.datetime | None = None) -> ImportReport:
    """Stage every valid record, check keys across the file, merge. Raises IntakeError."""
    pg = session.connection().dialect.name == "postgresql"
    return import_declaration_chunks(session, staging.chunk_records(records, pg), batch,
                                     skip_invalid=skip_invalid, rejects_path=rejects_path,
                                     now=now)


def import_declaration_chunks(session: Session, chunks: Iterable[staging.Chunk],
                              batch: ImportBatch, *, skip_invalid: bool = False,
                              rejects_path: Path | None = None,
                              now: dt.datetime | None = None) -> ImportReport:
    """`import_declaration_records` for rows already grouped in staging form, in file order
    (`staging.chunk_records`, or a reader process: see `pipeline.py`)."""
    now = now or utcnow()
    conn = session.connection()
    collector = _Collector()
    rejects = RejectsWriter(rejects_path if skip_invalid else None)
    report = ImportReport(batch_id=batch.id, kind="declarations")
    staging.create_stage(conn)
    stager = staging.Stager(conn)
    finished = False
    try:
        for rows_read, payload, count, bad in chunks:
            report.rows_read += rows_read
            for record in bad:
                collector.add(record.problems)
                if skip_invalid:
                    rejects.write(record.problems, record.raw)
            if collector.count and not skip_invalid:
                continue  # the file fails anyway: keep reading only to report every problem
            stager.add_chunk(payload, count)
        stager.finish()
        finished = True
        if collector.count and not skip_invalid:
            raise collector.error()
        staging.index_stage(conn)
        _check_keys_across_rows(conn, collector, rejects, skip_invalid)
        counts = merge.merge(conn, batch.id, now, stager.count - rejects.rows_from_stage)
        if counts.amended:  # a case's collectorate or chapter may have changed with its items
            case_facts.refresh_for_batch(session, batch.id, now)
    except BaseException:
        # The caller rolls back, which also removes the temporary table; only end a COPY that
        # is still open so the connection can take the ROLLBACK.
        if not finished:
            stager.abort()
        raise
    else:
        staging.drop_stage(conn)
    finally:
        rejects.close()
    report.new, report.amended, report.unchanged = counts.new, counts.amended, counts.unchanged
    report.rejected = rejects.rows
    report.problems = collector.problems
    report.rejects_path = str(rejects_path) if rejects_path and rejects.rows else None
    _finish(batch, report, now)
    session.flush()
    return report


def _check_keys_across_rows(conn: Any, collector: _Collector, rejects: RejectsWriter,
                            skip_invalid: bool) -> None:
    """A key twice in one file, or one GD whose rows disagree on its header, is an error."""
    while True:
        found: list[tuple[int, Problem]] = []
        duplicates, headers = merge.keys_at_fault(conn)
        for gd, item_no, lines in duplicates:
            for line in lines[1:]:
                found.append((line, Problem(line, "gd_number,item_no", f"{gd},{item_no}",
                                            f"key appears more than once in this file "
                                            f"(first on line {lines[0]})")))
        for gd, column, (first, later) in headers:
            found.append((later, Problem(later, column, gd,
                                         f"differs from line {first} for the same GD; "
                                         "a declaration has one header")))
        if not found:
            return
        collector.add(p for _, p in found)
        if not skip_invalid:
            raise collector.error()
        by_line: dict[int, list[Problem]] = {}
        for line, problem in found:
            by_line.setdefault(line, []).append(problem)
        for line in sorted(by_line):
            rejects.write(by_line[line])
        merge.delete_staged_lines(conn, sorted(by_line))
        rejects.rows_from_stage += len(by_line)


def _finish(batch: ImportBatch, report: ImportReport, now: dt.datetime) -> None:
    batch.rows_read = report.rows_read
    batch.rows_new = report.new
    batch.rows_amended = report.amended
    batch.rows_unchanged = report.unchanged
    batch.rows_rejected = report.rejected
    batch.status = "completed"
    batch.finished_at = now
