"""Evidence documents over the API: list a case's uploads, upload one file.

The upload's body is the file itself (`application/octet-stream`), its name in `?filename=`:
no multipart parsing, and the type is sniffed from the bytes as on the case page
(`services.evidence`). Callers: a browser session, or a personal token acting as its user
(`evidence:write` to upload, `cases:read` to list and download); the case rules are the web
page's. A download is an attachment with the stored type and nosniff, as on the case page.
"""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, jsonify, request, url_for

from ..auth import api_user, permission_checked_in_view
from ..db import get_session
from ..errors import NotFound, ValidationFailed
from ..models import AuditCase, EvidenceDocument, User
from ..services import cases, evidence
from ..web.evidence import attachment
from . import bp
from .cases import READ_SCOPE
from .tasks import int_arg, iso, request_clock

WRITE_SCOPE = "evidence:write"
MAX_ID = 2**31 - 1


def _case(case_id: int, user: User) -> AuditCase:
    # Plain <int:> in the routes, bounded here: with int(max=...) on both methods of one path,
    # werkzeug answers an out-of-range id with 405 (the other method's rule) instead of 404.
    if case_id > MAX_ID:
        raise NotFound(f"No audit case {case_id}.")
    return cases.get_case(get_session(), case_id, user)


def evidence_json(doc: EvidenceDocument) -> dict[str, Any]:
    return {"id": doc.id, "case_id": doc.case_id, "case_item_id": doc.case_item_id,
            "filename": doc.filename, "content_type": doc.content_type,
            "size_bytes": doc.size_bytes, "sha256": doc.sha256,
            "uploaded_by_id": doc.uploaded_by_id, "uploaded_at": iso(doc.uploaded_at),
            "withdrawn": doc.withdrawn, "withdrawn_at": iso(doc.withdrawn_at),
            "withdrawn_by_id": doc.withdrawn_by_id, "withdrawal_reason": doc.withdrawal_reason,
            "download_url": url_for("api.download_evidence", case_id=doc.case_id,
                                    evidence_id=doc.id)}


@bp.get("/cases/<int:case_id>/evidence")
@permission_checked_in_view("cases.view", scope=READ_SCOPE)
def list_evidence(case_id: int):  # type: ignore[no-untyped-def]
    user = api_user(READ_SCOPE, "cases.view")
    session = get_session()
    case = _case(case_id, user)
    return jsonify({"case_id": case.id, "case_number": case.case_number,
                    "evidence": [evidence_json(d) for d in evidence.for_case(session, case)]})


@bp.post("/cases/<int:case_id>/evidence")
@permission_checked_in_view("evidence.upload", scope=WRITE_SCOPE)
def upload_evidence(case_id: int):  # type: ignore[no-untyped-def]
    user = api_user(WRITE_SCOPE, "evidence.upload")
    limit = evidence.max_upload_bytes(current_app.config.get("MAX_UPLOAD_MB"))
    if (request.content_length or 0) > limit:
        abort(413, description=f"The file is larger than the limit of {limit // evidence.MB} "
                               "MB (PCA_MAX_UPLOAD_MB).")
    request.max_content_length = limit  # a body without Content-Length stops there too
    errors: dict[str, str] = {}
    filename = request.args.get("filename", "").strip()
    if not filename:
        errors["filename"] = "the file's name, e.g. invoice.pdf"
    item_id = int_arg("case_item_id", 0, 1, MAX_ID, errors) or None
    if errors:
        raise ValidationFailed("Evidence not uploaded.", errors)
    session = get_session()
    case = _case(case_id, user)
    doc = evidence.upload(session, case, request.get_data(cache=False), filename, user,
                          clock=request_clock(), case_item_id=item_id, max_bytes=limit)
    session.commit()
    return jsonify(evidence_json(doc)), 201


@bp.get("/cases/<int(max=2147483647):case_id>/evidence/<int(max=2147483647):evidence_id>")
@permission_checked_in_view("cases.view", scope=READ_SCOPE)
def download_evidence(case_id: int, evidence_id: int):  # type: ignore[no-untyped-def]
    user = api_user(READ_SCOPE, "cases.view")
    case = _case(case_id, user)
    doc = evidence.get(get_session(), case, evidence_id, with_content=True)
    return attachment(doc)
