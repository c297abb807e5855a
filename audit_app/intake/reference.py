"""Taking in the smaller files: tariff, preferential rates and past audit outcomes.

Rows are handled in chunks: look up what exists for the chunk's keys, insert what is new, and
for a changed row keep the earlier version in `superseded_records` before updating it. Same
all-or-nothing rule as declarations: the caller rolls back when IntakeError is raised.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import insert, select, tuple_, update
from sqlalchemy.orm import Session

from ..models import (AuditOutcome, Declaration, DeclarationItem, ImportBatch, PreferentialRate,
                      SupersededRecord, TariffRate)
from .formats import OUTCOMES, PREFERENTIAL, TARIFF, FileSpec
from .problems import Problem
from .service import ImportReport, RejectsWriter, _Collector, _finish
from .staging import row_hash

CHUNK = 2000

class _Kind:
    """How one file kind maps onto its table."""

    def __init__(self, spec: FileSpec, model: Any, key: Sequence[str],
                 fields: Sequence[str]) -> None:
        self.spec, self.model, self.key, self.fields = spec, model, tuple(key), tuple(fields)

    def resolve(self, session: Session, rows: list[dict[str, Any]]) -> list[Problem]:
        """Fill in foreign keys; return problems for rows that cannot be resolved."""
        return []

    def key_of(self, row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(row[k] for k in self.key)

class _Outcomes(_Kind):
    def resolve(self, session: Session, rows: list[dict[str, Any]]) -> list[Problem]:
        wanted = {(r["gd_number"], r["item_no"]) for r in rows}
        found = dict(((g, n), i) for g, n, i in session.execute(
            select(Declaration.gd_number, DeclarationItem.item_no, DeclarationItem.id)
            .join(DeclarationItem.declaration)
            .where(tuple_(Declaration.gd_number, DeclarationItem.item_no).in_(list(wanted)))))
        problems = []
        for r in rows:
            item_id = found.get((r["gd_number"], r["item_no"]))
            if item_id is None:
                problems.append(Problem(r["_line"], "gd_number,item_no",
                                        f"{r['gd_number']},{r['item_no']}",
                                        "no such declaration item has been imported; "
                                        "import the declarations first"))
            r["item_id"] = item_id
        return problems

    def key_of(self, row: dict[str, Any]) -> tuple[Any, ...]:
        return (row["item_id"],)

KINDS: dict[str, _Kind] = {
    "tariff": _Kind(TARIFF, TariffRate, ("hs_code", "valid_from"),
                    ("hs_code", "valid_from", "description", "cd_rate", "rd_rate", "acd_rate",
                     "st_rate", "ast_rate", "it_rate")),
    "preferential": _Kind(PREFERENTIAL, PreferentialRate,
                          ("fta_code", "origin_country", "hs_code", "valid_from"),
                          ("fta_code", "origin_country", "hs_code", "valid_from", "cd_rate")),
    "outcomes": _Outcomes(OUTCOMES, AuditOutcome, ("item_id",),
                          ("item_id", "audit_date", "finding", "short_levy_pkr")),
}

def import_reference_records(session: Session, kind: str, records: Iterable[Any],
                             batch: ImportBatch, *, skip_invalid: bool = False,
                             rejects: RejectsWriter | None = None,
                             now: dt.datetime | None = None) -> ImportReport:
    spec_kind = KINDS[kind]
    now = now or dt.datetime.now(dt.timezone.utc)
    collector = _Collector()
    rejects = rejects or RejectsWriter(None)
    report = ImportReport(batch_id=batch.id, kind=kind)
    chunk: list[dict[str, Any]] = []
    names = spec_kind.spec.names

    def flush() -> None:
        if not chunk:
            return
        problems = spec_kind.resolve(session, chunk)
        if problems:
            collector.add(problems)
            bad = {p.line for p in problems}
            for p in problems:
                rejects.write([p])
            chunk[:] = [r for r in chunk if r["_line"] not in bad]
        if not (collector.count and not skip_invalid):
            _write_chunk(session, spec_kind, chunk, batch.id, now, report)
        chunk.clear()

    for record in records:
        report.rows_read += 1
        if record.problems:
            collector.add(record.problems)
            rejects.write(record.problems, getattr(record, "raw", None))
            continue
        row = dict(zip(names, record.values))
        row["_line"] = record.line
        row["_extras"] = record.extras or None
        row["_hash"] = row_hash(record.values, record.extras)
        chunk.append(row)
        if len(chunk) >= CHUNK:
            flush()
    flush()
    if collector.count and not skip_invalid:
        raise collector.error()
    report.rejected = rejects.rows
    report.problems = collector.problems
    _finish(batch, report, now)
    session.flush()
    return report

def _write_chunk(session: Session, kind: _Kind, rows: list[dict[str, Any]], batch_id: int,
                 now: dt.datetime, report: ImportReport) -> None:
    model = kind.model
    key_cols = [getattr(model, k) for k in kind.key]
    keys = [kind.key_of(r) for r in rows]
    existing = {tuple(row[:-3]): row[-3:] for row in session.execute(
        select(*key_cols, model.id, model.row_hash, model.version)
        .where(tuple_(*key_cols).in_(keys)))}
    new_rows, changed = [], []
    for r, key in zip(rows, keys):
        values = {f: r[f] for f in kind.fields}
        if hasattr(model, "attributes"):
            values["attributes"] = r["_extras"]
        values.update(row_hash=r["_hash"], batch_id=batch_id, updated_at=now)
        found = existing.get(key)
        if found is None:
            new_rows.append(values)
        elif found[1] != r["_hash"]:
            changed.append((found, values))
        else:
            report.unchanged += 1
    if new_rows:
        session.execute(insert(model), new_rows)
        report.new += len(new_rows)
    for (record_id, _old_hash, version), values in changed:
        old = session.get(model, record_id)
        session.add(SupersededRecord(table_name=model.__tablename__, record_id=record_id,
                                     version=version, data=_snapshot(old, kind.fields),
                                     replaced_by_batch_id=batch_id, replaced_at=now))
        session.execute(update(model).where(model.id == record_id)
                        .values(**values, version=version + 1))
        report.amended += 1

def _snapshot(obj: Any, fields: Sequence[str]) -> dict[str, Any]:
    data = {}
    for f in (*fields, "row_hash"):
        v = getattr(obj, f)
        data[f] = v.isoformat() if isinstance(v, dt.date) else (None if v is None else str(v))
    if getattr(obj, "attributes", None):
        data.update(obj.attributes)
    return data
