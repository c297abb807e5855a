"""POST /api/v1/declarations: the clearance system pushes batches of cleared items."""
from __future__ import annotations

from flask import jsonify, request

from ..auth import current_token, scope_required
from ..db import get_session
from ..intake.batch_json import BatchRejected, open_batch, parse_items, problem_json
from ..intake.problems import IntakeError
from ..intake.service import import_declaration_records, start_batch
from . import bp


@bp.post("/declarations")
@scope_required("declarations:write")
def push_declarations():  # type: ignore[no-untyped-def]
    skip_invalid = request.args.get("skip_invalid", "").lower() in {"1", "true", "yes"}
    session = get_session()
    try:
        records = open_batch(parse_items(request.get_data()))
        batch = start_batch(session, "declarations", "api", data_format="json",
                            api_token_id=current_token().id)  # type: ignore[union-attr]
        report = import_declaration_records(session, records, batch, skip_invalid=skip_invalid)
    except BatchRejected as exc:
        session.rollback()
        return _error(exc.status, exc.message, exc.problems)
    except IntakeError as exc:
        session.rollback()
        return _error(422, "No item was stored: the batch has invalid items.",
                      [problem_json(p) for p in exc.problems])
    session.commit()
    body = report.as_dict()
    body.pop("rejects_file", None)
    body["problems"] = [problem_json(p) for p in report.problems]
    return jsonify(body), 201 if report.new or report.amended else 200


def _error(status: int, message: str, problems: list):  # type: ignore[no-untyped-def]
    return jsonify({"error": {"code": "batch_rejected", "message": message,
                              "problems": problems}}), status
