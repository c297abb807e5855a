"""Evidence documents on the case page: upload (multipart form), download, withdraw.

The case page's section is the partial `cases/_evidence.html`, fed by the template global
`evidence_panel(case)`. Downloads are attachments with the type sniffed at upload and
`nosniff`, so a browser neither renders nor re-guesses them.

Body size: web forms accept at most PCA_MAX_UPLOAD_MB plus a margin for the other fields (the
JSON API keeps its own, larger limit for declaration batches). The limit is set on the request
in a URL value preprocessor because those run before every `before_request` hook, and CSRF
protection, a `before_request` hook, reads the form: set any later, the whole body would have
been read already. A bigger body gets a 413 page saying the limit (`errors`).
"""
from __future__ import annotations

from typing import Any

from flask import (Blueprint, Flask, Response, current_app, flash, redirect, request,
                   url_for)
from flask_login import current_user

from ..auth import permission_required
from ..auth.permissions import allowed
from ..db import get_session
from ..errors import DomainError, ValidationFailed
from ..models import AuditCase, EvidenceDocument
from ..services import case_queries, cases, evidence
from .tasks import clock

bp = Blueprint("evidence", __name__)
FORM_MARGIN = 1024 * 1024  # the form's other fields and the multipart framing


def upload_limit() -> int:
    return evidence.max_upload_bytes(current_app.config.get("MAX_UPLOAD_MB"))


def _limit_web_bodies(_endpoint: str | None, _values: dict[str, Any] | None) -> None:
    if not request.path.startswith("/api/"):
        request.max_content_length = upload_limit() + FORM_MARGIN


def _back(case_id: int) -> Response:
    return redirect(url_for("cases.show", case_id=case_id) + "#evidence")  # type: ignore[return-value]


def _flash_error(exc: DomainError) -> None:
    details = exc.details if isinstance(exc.details, dict) else {}
    extra = "; ".join(f"{k}: {v}" for k, v in details.items() if v not in exc.message)
    flash(f"{exc.message} {extra}".strip(), "error")


@bp.post("/cases/<int:case_id>/evidence")
@permission_required("evidence.upload")
def upload(case_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    case = cases.get_case(session, case_id, current_user)
    file = request.files.get("file")
    raw_item = (request.form.get("case_item_id") or "").strip()
    try:
        if file is None or not file.filename:
            raise ValidationFailed("Evidence not uploaded: choose a file.", {"file": "required"})
        try:
            item_id = int(raw_item) if raw_item else None
        except ValueError:
            raise ValidationFailed("Evidence not uploaded.",
                                   {"case_item_id": "an item of the case"}) from None
        doc = evidence.upload(session, case, file.read(), file.filename, current_user,
                              clock=clock(), case_item_id=item_id, max_bytes=upload_limit())
    except DomainError as exc:
        session.rollback()
        _flash_error(exc)
    else:
        session.commit()
        flash(f"{doc.filename} uploaded ({evidence.human_size(doc.size_bytes)}, SHA-256 "
              f"{doc.sha256[:12]}…).", "info")
    return _back(case_id)


@bp.post("/cases/<int:case_id>/evidence/<int:evidence_id>/withdraw")
@permission_required("evidence.withdraw")
def withdraw(case_id: int, evidence_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    case = cases.get_case(session, case_id, current_user)
    try:
        doc = evidence.withdraw(session, case, evidence_id, current_user,
                                reason=request.form.get("reason", ""), clock=clock())
    except DomainError as exc:
        session.rollback()
        _flash_error(exc)
    else:
        session.commit()
        flash(f"{doc.filename} withdrawn; it stays on record with the reason.", "info")
    return _back(case_id)


@bp.get("/cases/<int:case_id>/evidence/<int:evidence_id>")
@permission_required("cases.view")
def download(case_id: int, evidence_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    case = cases.get_case(session, case_id, current_user)
    return attachment(evidence.get(session, case, evidence_id, with_content=True))


def attachment(doc: EvidenceDocument) -> Response:
    """The stored bytes as a download: the sniffed type, never rendered or re-guessed."""
    mimetype = doc.content_type
    if mimetype.startswith("text/"):
        mimetype += "; charset=utf-8"
    response = Response(doc.content, mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=doc.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.set_etag(doc.sha256)
    return response


def evidence_panel(case: AuditCase, none_uploaded: bool = False) -> dict[str, Any]:
    """What the case page's evidence section shows (`none_uploaded`: the caller knows the case
    has no upload, so the list is not queried)."""
    session = get_session()
    docs = [] if none_uploaded else evidence.for_case(session, case)
    people = case_queries.users_by_id(session, [d.uploaded_by_id for d in docs]
                                      + [d.withdrawn_by_id for d in docs])
    roles = current_user.role_set
    may_change = evidence.may_change(case, current_user)
    items = {ci.id: ci for ci in case.items}
    return {"docs": docs, "people": people, "items": items,
            "may_upload": may_change and allowed(roles, "evidence.upload"),
            "may_withdraw": may_change and allowed(roles, "evidence.withdraw"),
            "limit_mb": upload_limit() // evidence.MB, "accepted": evidence.ACCEPTED,
            "human_size": evidence.human_size}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.url_value_preprocessor(_limit_web_bodies)
    app.jinja_env.globals["evidence_panel"] = evidence_panel
