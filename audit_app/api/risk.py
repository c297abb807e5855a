"""Risk over JSON: a scoring run's top items with their reasons."""
from __future__ import annotations

from flask import abort, jsonify, request
from flask_login import current_user

from ..auth import current_token, permission_checked_in_view
from ..auth.permissions import allowed
from ..db import get_session
from ..errors import ValidationFailed
from ..risk.queries import score_run, top_scores
from . import bp

RISK_SCOPE = "risk:read"
MAX_LIMIT = 1000


def may_read_risk() -> bool:
    """A browser session whose role may see risk, or a machine token with the risk:read scope
    (a token that only pushes declarations does not read scores)."""
    token = current_token()
    if token is not None:
        return RISK_SCOPE in token.scope_set
    return current_user.is_authenticated and allowed(current_user.role_set, "risk.view")


def _int_arg(name: str, default: int | None, low: int, high: int,
             problems: list[str]) -> int | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        problems.append(f"{name}: {raw!r} must be a whole number from {low} to {high}")
        return default
    return int(raw)


@bp.get("/risk/scores")
@permission_checked_in_view("risk.view", scope=RISK_SCOPE)
def risk_scores():  # type: ignore[no-untyped-def]
    if not may_read_risk():
        abort(403, description=f"Your role (or token scope) does not allow reading risk scores; "
                               f"a token needs the scope {RISK_SCOPE!r}.")
    problems: list[str] = []
    run_id = _int_arg("run", None, 1, 2**31 - 1, problems)
    limit = _int_arg("limit", 100, 1, MAX_LIMIT, problems) or 100
    directorate = (request.args.get("directorate") or "").strip().upper() or None
    if problems:
        raise ValidationFailed("Some parameters are not valid.", problems)
    session = get_session()
    run = score_run(session, run_id)
    if run is None:
        return jsonify({"run": None, "scores": []})
    return jsonify({
        "run": {"id": run.id, "started_at": run.started_at.isoformat(),
                "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                "period_from": run.period_from.isoformat() if run.period_from else None,
                "period_to": run.period_to.isoformat() if run.period_to else None,
                "items_scored": run.items_scored,
                "rule_set_version": run.rule_set.version if run.rule_set else None,
                "model_version": run.model.version if run.model else None},
        "scores": [t.as_json() for t in top_scores(session, run, limit, directorate)]})
