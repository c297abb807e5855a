"""Downloading issued documents and the compiled case file, and the case page's list of them.

Only users who may read the case (its directorate's officers, management, administrators:
`cases.get_case`) get its documents. The PDF served is the stored one, byte for byte; its
SHA-256 is the ETag, so a reader can compare it with `pca documents verify`'s record.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response
from flask_login import current_user

from ..auth import permission_required
from ..db import get_session
from ..models import AuditCase
from ..services import cases, casefile, documents

bp = Blueprint("documents", __name__)


def _pdf(data: bytes, filename: str, etag: str | None = None) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if etag:
        response.set_etag(etag)
    return response


@bp.get("/cases/<int:case_id>/documents/<int:document_id>.pdf")
@permission_required("cases.view")
def download(case_id: int, document_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    case = cases.get_case(session, case_id, current_user)
    doc = documents.get_document(session, case, document_id)
    return _pdf(doc.pdf, doc.filename, doc.sha256)


@bp.get("/cases/<int:case_id>/case-file.pdf")
@permission_required("cases.view")
def case_file(case_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    case = cases.get_case(session, case_id, current_user)
    data = casefile.compile_case_file(session, case)
    return _pdf(data, f"case-file-{case.case_number.replace('/', '-')}.pdf")


def issued_documents(case: AuditCase) -> list[dict[str, Any]]:
    """For the case page partial: every issued document, newest first, with its status."""
    issued = documents.for_case(get_session(), case)
    replaced = {d.replaces_id for d in issued if d.replaces_id is not None}  # as replaced_ids
    rows = [{"doc": d, "title": documents.KINDS[d.kind].title, "replaced": d.id in replaced}
            for d in issued]
    return list(reversed(rows))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["issued_documents"] = issued_documents
