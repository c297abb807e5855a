"""Legal documents: issued once, numbered from their series, stored as PDF with their SHA-256,
never changed afterwards (a correction is a new version that names the one it replaces).

`issue()` is the one way a notice, report or order comes into being; the adjudication, dispute
and recovery services call it with the context keys their kind requires (reports/kinds.py,
published in CONTRACTS.md). This module also builds the audit phase's contexts from the case
and issues them when the issue_notice and issue_observation tasks complete. Flushes, never
commits.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterator, Mapping

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session, undefer

from reports.kinds import KINDS, LEVIES, IncompleteContext, check, required_keys  # noqa: F401
from reports.render import render_document, rupees
from workflows import handoffs
from workflows.clock import Clock, local_date

from ..errors import Conflict, NotFound, ValidationFailed
from ..models import (DOCUMENT_KINDS, AuditCase, CaseEvent, Collectorate, Declaration,
                      Directorate, DocumentSeries, IssuedDocument, User)

DEFAULT_RECORDS = (
    "Goods declarations with their commercial invoices, packing lists and bills of lading / airway bills",
    "Import contracts, purchase orders, letters of credit and proof of payment to the supplier",
    "Certificates of origin and the documents supporting any preferential or concessionary rate claimed",
    "Stock, sales and purchase registers and the general ledger for the period",
    "Correspondence with suppliers on price, discounts, royalties and commissions",
)

APPEAL_CLAUSES = {
    "order_in_original": (
        "Any person aggrieved by this order may file an appeal before the Collector of Customs "
        "(Appeals) under section 193 of the Customs Act, 1969, within thirty days of the receipt "
        "of this order, in the prescribed form, accompanied by a copy of this order. The filing "
        "of an appeal does not by itself stay the recovery of the amounts adjudged."),
    "order_in_appeal": (
        "Any person, including the department, aggrieved by this order may file an appeal before "
        "the Customs Appellate Tribunal under section 194A of the Customs Act, 1969, within sixty "
        "days of the receipt of this order."),
    "tribunal": (
        "A reference against this order lies to the High Court under section 196 of the Customs "
        "Act, 1969, within thirty days of the receipt of this order."),
}


# --- issuing ------------------------------------------------------------------------------

def issue(session: Session, case: AuditCase, kind: str, context: Mapping[str, Any], *,
          actor: User, clock: Clock) -> IssuedDocument:
    """Validate, number, render and store a document of `kind` for `case` (version 1)."""
    return _issue(session, case, kind, context, actor=actor, clock=clock, replaces=None,
                  reason=None)


def reissue(session: Session, previous: IssuedDocument, context: Mapping[str, Any], *,
            actor: User, clock: Clock, reason: str) -> IssuedDocument:
    """A new version of `previous` (same number), which stays stored and is marked replaced."""
    if not (reason or "").strip():
        raise ValidationFailed("Document not re-issued.", {"reason": "required: why it is re-issued"})
    if latest_version(session, previous) is not previous:
        raise Conflict(f"{previous.number} version {previous.version} is already replaced; "
                       "re-issue the latest version.")
    case = session.get(AuditCase, previous.case_id)
    assert case is not None
    return _issue(session, case, previous.kind, context, actor=actor, clock=clock,
                  replaces=previous, reason=reason.strip())


def _issue(session: Session, case: AuditCase, kind: str, context: Mapping[str, Any], *,
           actor: User, clock: Clock, replaces: IssuedDocument | None,
           reason: str | None) -> IssuedDocument:
    if kind not in DOCUMENT_KINDS:
        raise ValidationFailed("Document not issued.", {"kind": f"unknown document kind {kind!r}"})
    title = KINDS[kind].title
    try:
        check(kind, dict(context))  # before a number is taken: a refusal leaves no trace
    except IncompleteContext as exc:
        raise ValidationFailed(f"{title} not issued: required elements are missing.",
                               exc.errors) from None
    now = clock.now()
    today = local_date(now)
    formation = actor.directorate_code or case.directorate_code or "PCA"
    if replaces is None:
        series = f"{DOCUMENT_KINDS[kind]}/{formation}/{today.year}"
        sequence = _take_number(session, series)
        number, version = f"{series}/{sequence:06d}", 1
    else:
        series, sequence = replaces.series, replaces.sequence
        number, version = replaces.number, replaces.version + 1
    full = {**dict(context),
            "number": number, "date": today, "version": version,
            "issued_by": officer(actor), "case_number": case.case_number,
            "directorate": {"code": formation, "name": formation_name(session, formation)},
            "replaces": None if replaces is None else {
                "number": replaces.number, "version": replaces.version,
                "date": replaces.issued_on, "reason": reason}}
    rendered = render_document(kind, full)
    doc = IssuedDocument(case_id=case.id, kind=kind, series=series, sequence=sequence,
                         number=number, version=version,
                         replaces_id=None if replaces is None else replaces.id,
                         reissue_reason=reason, issued_on=today, issued_at=now,
                         issued_by_id=actor.id, issued_by_name=actor.full_name,
                         context=jsonable(check(kind, full)), sha256=sha256(rendered.pdf),
                         size_bytes=len(rendered.pdf), pages=rendered.pages, pdf=rendered.pdf)
    session.add(doc)
    session.flush()
    session.execute(update(DocumentSeries).where(DocumentSeries.code == series)
                    .values(last_document_id=doc.id))
    what = f"{title} {number}" + (f" version {version} (replaces version {version - 1}: {reason})"
                                  if replaces else "")
    session.add(CaseEvent(case_id=case.id, at=now, actor_id=actor.id, kind="document_issued",
                          summary=f"{what} issued by {actor.full_name}",
                          data={"document_id": doc.id, "kind": kind, "number": number,
                                "version": version, "sha256": doc.sha256}))
    session.flush()
    return doc


def _take_number(session: Session, series: str) -> int:
    """The next number of `series`, from its counter row.

    One statement inserts the counter or increments it and returns the new value. The row stays
    locked until the transaction ends (PostgreSQL's row lock; SQLite's database write lock), so
    two processes issuing at once get consecutive numbers, and a rollback gives the number back:
    a series never has a gap unless a document was removed, which `verify` reports.
    """
    table = DocumentSeries.__table__
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table).values(code=series, last_number=1)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.code],
                                      set_={"last_number": table.c.last_number + 1})
    return int(session.execute(stmt.returning(table.c.last_number)).scalar_one())


# --- reading ------------------------------------------------------------------------------

def for_case(session: Session, case: AuditCase) -> list[IssuedDocument]:
    """Every issued document of the case, every version, in the order issued."""
    return list(session.scalars(select(IssuedDocument).where(IssuedDocument.case_id == case.id)
                                .order_by(IssuedDocument.issued_at, IssuedDocument.id)))


def current(session: Session, case: AuditCase, kind: str) -> IssuedDocument | None:
    """The latest version of the latest document of `kind` in the case."""
    return session.scalars(select(IssuedDocument)
                           .where(IssuedDocument.case_id == case.id, IssuedDocument.kind == kind)
                           .order_by(IssuedDocument.issued_at.desc(), IssuedDocument.id.desc())
                           .limit(1)).first()


def latest_version(session: Session, doc: IssuedDocument) -> IssuedDocument:
    return session.scalars(select(IssuedDocument).where(IssuedDocument.number == doc.number)
                           .order_by(IssuedDocument.version.desc()).limit(1)).one()


def replaced_ids(session: Session, case: AuditCase) -> set[int]:
    return set(session.scalars(select(IssuedDocument.replaces_id).where(
        IssuedDocument.case_id == case.id, IssuedDocument.replaces_id.is_not(None))))


def get_document(session: Session, case: AuditCase, document_id: int) -> IssuedDocument:
    doc = session.scalars(select(IssuedDocument).options(undefer(IssuedDocument.pdf))
                          .where(IssuedDocument.id == document_id)).first()
    if doc is None or doc.case_id != case.id:
        raise NotFound(f"No document {document_id} in case {case.case_number}.")
    return doc


def ref(doc: IssuedDocument) -> dict[str, Any]:
    """How a later document cites this one."""
    return {"number": doc.number if doc.version == 1 else f"{doc.number} (version {doc.version})",
            "date": doc.issued_on}


def pdf_text(pdf: bytes) -> str:
    """The text pdftotext extracts (pages separated by form feeds), as a reader's tools see it."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        return subprocess.run(["pdftotext", "-layout", handle.name, "-"], check=True,
                              capture_output=True, text=True).stdout


def text_of(session: Session, doc: IssuedDocument) -> str:
    return pdf_text(session.scalar(select(IssuedDocument.pdf).where(IssuedDocument.id == doc.id))
                    or b"")


# --- context helpers for every kind ---------------------------------------------------------

def officer(user: User) -> dict[str, str]:
    return {"name": user.full_name, "designation": user.designation or _designation(user)}


def _designation(user: User) -> str:
    roles = sorted(r.label for r in user.role_set)
    return roles[0] if roles else "Officer of Customs"


def formation_name(session: Session, code: str) -> str:
    directorate = session.get(Directorate, code)
    if directorate is not None:
        return f"{directorate.name}, {directorate.city}" if directorate.city not in directorate.name \
            else directorate.name
    collectorate = session.get(Collectorate, code)
    if collectorate is not None:
        return collectorate.name
    return f"Directorate of Post-Clearance Audit ({code})" if code.startswith("PCA") else code


def party_importer(case: AuditCase) -> dict[str, Any]:
    return {"name": case.importer.name or case.importer.ntn, "ntn": case.importer.ntn,
            "role": "importer"}


def party_agents(session: Session, case: AuditCase) -> list[dict[str, Any]]:
    """The clearing agents who filed the case's declarations, each once."""
    agents: dict[str, dict[str, Any]] = {}
    for decl in _declarations(session, case):
        if decl.agent is not None:
            agents.setdefault(decl.agent.code, {"name": decl.agent.name or decl.agent.code,
                                                "code": decl.agent.code,
                                                "role": "clearing agent"})
    return list(agents.values())


def _declarations(session: Session, case: AuditCase) -> list[Declaration]:
    ids = {ci.item.declaration_id for ci in case.items}
    if not ids:
        return []
    return list(session.scalars(select(Declaration).where(Declaration.id.in_(ids))
                                .order_by(Declaration.gd_date, Declaration.gd_number)))


def findings_rows(case: AuditCase) -> list[dict[str, Any]]:
    """One row per finding: the item, what was declared and what is correct, the short levy."""
    rows = []
    for ci in case.items:
        f = ci.finding
        if f is None:
            continue
        item = ci.item
        declared, correct = _particulars(f, "declared"), _particulars(f, "correct")
        rows.append({
            "gd_number": item.declaration.gd_number, "gd_date": item.declaration.gd_date,
            "item_no": item.item_no, "description": item.description, "kinds": list(f.kinds),
            # Only the particulars that differ, each on its own line in the table.
            "declared": [v for k, v in declared.items() if correct.get(k) != v],
            "correct": [v for k, v in correct.items() if declared.get(k) != v] or ["as declared"],
            "short_levies": {levy: getattr(f, f"short_{levy}_pkr") for levy in LEVIES},
        })
    return rows


def _particulars(f: Any, side: str) -> dict[str, str]:
    value = getattr(f, f"{side}_value_pkr")
    parts = {"value": f"value {rupees(value)}", "hs": f"PCT {getattr(f, f'{side}_hs_code')}",
             "origin": f"origin {getattr(f, f'{side}_origin')}",
             "qty": f"quantity {Decimal(getattr(f, f'{side}_quantity')).normalize():f}"}
    fta, sro = getattr(f, f"{side}_fta_code"), getattr(f, f"{side}_sro_ref")
    parts["fta"] = f"FTA {fta}" if fta else "no FTA"
    parts["sro"] = f"SRO {sro}" if sro else "no SRO"
    return parts


def short_levies(case: AuditCase) -> dict[str, Decimal]:
    totals = {levy: Decimal(0) for levy in LEVIES}
    for ci in case.items:
        if ci.finding is not None:
            for levy in LEVIES:
                totals[levy] += getattr(ci.finding, f"short_{levy}_pkr")
    return totals


def appeal_clause(kind: str, forum: str | None = None) -> str:
    """The default appeal clause after a document of `kind` (the forum's order for appeals)."""
    if kind == "order_in_appeal" and forum and "tribunal" in forum.lower():
        return APPEAL_CLAUSES["tribunal"]
    return APPEAL_CLAUSES[kind]


# --- the audit phase ------------------------------------------------------------------------

def notice_of_audit_context(session: Session, case: AuditCase,
                            data: Mapping[str, Any]) -> dict[str, Any]:
    records = data.get("records_required")
    if isinstance(records, str):
        records = [line.strip() for line in records.splitlines() if line.strip()]
    return {"importer": party_importer(case), "audit_type": case.audit_type,
            "period_from": case.period_from, "period_to": case.period_to,
            "visit_date": data.get("visit_date") or data.get("records_due_date"),
            "records_due_date": data.get("records_due_date"),
            "records_required": list(records or DEFAULT_RECORDS),
            "declarations": [d.gd_number for d in _declarations(session, case)]}


def audit_observation_context(session: Session, case: AuditCase,
                              data: Mapping[str, Any]) -> dict[str, Any]:
    return {"importer": party_importer(case), "observation_date": data.get("observation_date"),
            "findings": findings_rows(case), "short_levies": short_levies(case),
            "reply_due_date": data.get("reply_due_date")}


def contravention_report_context(session: Session, case: AuditCase) -> dict[str, Any]:
    rows = findings_rows(case)
    kinds = sorted({k for r in rows for k in r["kinds"]})
    auditor = session.get(User, case.auditor_id) if case.auditor_id else None
    supervisor = session.get(User, case.supervisor_id) if case.supervisor_id else None
    observation = current(session, case, "audit_observation")
    total = sum((v for v in short_levies(case).values()), Decimal(0))
    return {
        "importer": party_importer(case), "agents": party_agents(session, case),
        "findings": rows, "short_levies": short_levies(case),
        "facts": (f"The post-clearance audit of {len(case.items)} declaration item(s) of the "
                  f"importer for the period {_period(case)} found {len(rows)} item(s) short-levied "
                  f"({', '.join(k.lower().replace('_', ' ') for k in kinds) or 'short levy'}), "
                  f"a total of {rupees(total)} in duty and taxes. The importer's reply to the audit "
                  "observation did not explain the short levy, and it was not paid."),
        "provisions": ("Sections 32 and 79 of the Customs Act, 1969, read with section 3 of the "
                       "Sales Tax Act, 1990 and section 148 of the Income Tax Ordinance, 2001"),
        "nature": "inadvertence_or_error",
        "relevant_date": min((r["gd_date"] for r in rows), default=None),
        "instituted_by": officer(auditor) if auditor else None,
        "approved_by": officer(supervisor) if supervisor else None,
        "observation": ref(observation) if observation else None,
    }


def _period(case: AuditCase) -> str:
    if case.period_from and case.period_to:
        return f"{case.period_from:%d.%m.%Y} to {case.period_to:%d.%m.%Y}"
    return "under audit"


# User task (BPMN element) -> the document its completion issues and how its context is built.
TASK_DOCUMENTS = {"issue_notice": ("notice_of_audit", notice_of_audit_context),
                  "issue_observation": ("audit_observation", audit_observation_context)}


def issue_for_task(session: Session, case: AuditCase, element_id: str, data: Mapping[str, Any],
                   *, actor: User, clock: Clock) -> IssuedDocument | None:
    """Issue the document a completed audit task stands for (None for other tasks)."""
    if element_id not in TASK_DOCUMENTS:
        return None
    kind, build = TASK_DOCUMENTS[element_id]
    return issue(session, case, kind, build(session, case, data), actor=actor, clock=clock)


@handoffs.on("referred_to_adjudication")
def _issue_contravention_report(session: Session, case: AuditCase, clock: Clock, *,
                                process_id: str) -> None:
    """The audit ends by framing the contravention report, in the supervisor's name."""
    supervisor = session.get(User, case.supervisor_id) if case.supervisor_id else None
    if supervisor is None or current(session, case, "contravention_report") is not None:
        return
    issue(session, case, "contravention_report", contravention_report_context(session, case),
          actor=supervisor, clock=clock)


# --- integrity ------------------------------------------------------------------------------

def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class Problem:
    where: str
    what: str


def verify(session: Session) -> Iterator[tuple[IssuedDocument | None, Problem | None]]:
    """Recompute every stored PDF's SHA-256 and check each series has no gaps.

    Yields (document, None) for each document checked and (document or None, Problem) for each
    problem found, so a command can count and report as it goes.
    """
    query: Select[Any] = (select(IssuedDocument).options(undefer(IssuedDocument.pdf))
                          .order_by(IssuedDocument.id).execution_options(yield_per=50))
    numbers: dict[str, dict[int, set[int]]] = {}
    for doc in session.scalars(query):
        where = (f"issued_documents id={doc.id} ({doc.number} version {doc.version}, "
                 f"case id {doc.case_id})")
        pdf = doc.pdf or b""
        actual = sha256(pdf)
        if actual != doc.sha256:
            yield doc, Problem(where, f"SHA-256 mismatch: stored {doc.sha256}, PDF hashes to {actual}")
        elif len(pdf) != doc.size_bytes:
            yield doc, Problem(where, f"size {len(pdf)} bytes, {doc.size_bytes} recorded")
        numbers.setdefault(doc.series, {}).setdefault(doc.sequence, set()).add(doc.version)
        session.expunge(doc)
        yield doc, None
    counters = dict(session.execute(select(DocumentSeries.code, DocumentSeries.last_number)).all())
    for series in sorted(set(numbers) | set(counters)):
        seen = numbers.get(series, {})
        last = counters.get(series)
        if last is None:
            yield None, Problem(f"document_series {series}", "the series has documents but no counter")
            last = max(seen)
        missing = [n for n in range(1, last + 1) if n not in seen]
        if missing:
            shown = ", ".join(f"{series}/{n:06d}" for n in missing[:20])
            yield None, Problem(f"document_series {series}",
                                f"{len(missing)} issued number(s) missing: {shown}")
        beyond = [n for n in seen if n > last]
        if beyond:
            yield None, Problem(f"document_series {series}",
                                f"numbers beyond the counter ({last}): {sorted(beyond)}")
        for n, versions in seen.items():
            if versions != set(range(1, max(versions) + 1)):
                yield None, Problem(f"issued_documents {series}/{n:06d}",
                                    f"versions {sorted(versions)}: a version is missing")


def count_documents(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(IssuedDocument)) or 0
