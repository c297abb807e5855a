"""The compiled case file: a cover (summary, index of documents, timeline) followed by every
issued document exactly as stored, so each one still matches its SHA-256 page for page.

It is compiled on request and not stored: it is a view of the case at that moment, not an
issued document.
"""
from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader, PdfWriter
from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from reports.render import html, render_html
from workflows.clock import PKT, as_utc

from . import documents
from ..models import AuditCase, CaseEvent, IssuedDocument, User


def cover_context(session: Session, case: AuditCase, docs: list[IssuedDocument],
                  cover_pages: int) -> dict[str, Any]:
    names = dict(session.execute(select(User.id, User.full_name)).all())
    replaced = documents.replaced_ids(session, case)
    index, page = [], cover_pages + 1
    for d in docs:
        index.append({"title": documents.KINDS[d.kind].title, "number": d.number,
                      "version": d.version, "date": d.issued_on, "issued_by": d.issued_by_name,
                      "pages": d.pages, "first_page": page, "sha256": d.sha256,
                      "replaced": d.id in replaced})
        page += d.pages
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                             .order_by(CaseEvent.at, CaseEvent.id))
    timeline = [{"at": _local(e.at), "actor": names.get(e.actor_id, "System"),
                 "summary": e.summary} for e in events]
    return {
        "case_number": case.case_number, "title": "Case File", "number": case.case_number,
        "importer": documents.party_importer(case), "case": case,
        "auditor": names.get(case.auditor_id), "supervisor": names.get(case.supervisor_id),
        "directorate": {"code": case.directorate_code,
                        "name": documents.formation_name(session, case.directorate_code or "PCA")},
        "short_levies": documents.short_levies(case), "index": index, "timeline": timeline,
        "total_pages": page - 1,
    }


def _local(at: Any) -> str:
    """An event's instant as Pakistan time, as the file's reader lives it."""
    return as_utc(at).astimezone(PKT).strftime("%d %b %Y %H:%M")


def compile_case_file(session: Session, case: AuditCase) -> bytes:
    docs = list(session.scalars(select(IssuedDocument).options(undefer(IssuedDocument.pdf))
                                .where(IssuedDocument.case_id == case.id)
                                .order_by(IssuedDocument.issued_at, IssuedDocument.id)))
    cover_pages, cover = 1, None
    for _ in range(3):  # the index cites page numbers that depend on the cover's own length
        cover = render_html(html("case_file.html",
                                 cover_context(session, case, docs, cover_pages)))
        if cover.pages == cover_pages:
            break
        cover_pages = cover.pages
    assert cover is not None
    writer = PdfWriter()
    for data in (cover.pdf, *(d.pdf for d in docs)):
        writer.append(PdfReader(io.BytesIO(data)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
