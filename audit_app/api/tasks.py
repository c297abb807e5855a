"""Work queues over JSON: list my tasks or my team's, claim, reassign and complete a task.

Callers are people: a browser session, or a personal token (scopes `tasks:read` /
`tasks:write`) that acts as its user, whose roles still decide. A machine token that belongs
to nobody never works a task. Every change is a `CaseEvent` with the user and the time; a call
made with a token also records the token's id in the event.
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from flask import current_app, has_request_context, jsonify, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from workflows.clock import Clock, FixedClock, SystemClock, as_utc

from ..auth import api_user, permission_checked_in_view, current_token
from ..db import get_session
from ..errors import ValidationFailed
from ..models import CaseEvent, OpenTask
from ..services import cases
from . import bp

READ_SCOPE, WRITE_SCOPE = "tasks:read", "tasks:write"
MAX_PER_PAGE = 200


def clock() -> Clock:
    """The app's clock: the system's, or one a test or demonstration put in
    `app.extensions["pca_clock"]` (the same one the HTML screens use)."""
    return current_app.extensions.get("pca_clock") or SystemClock()


def iso(value: dt.datetime | None) -> str | None:
    return None if value is None else as_utc(value).isoformat()


def task_json(row: cases.TaskRow) -> dict[str, Any]:
    t: OpenTask = row.task
    return {"task_id": t.task_id, "case_id": t.case_id, "case_number": row.case_number,
            "element_id": t.element_id, "name": t.name, "lane": t.lane,
            "directorate_code": t.directorate_code, "assignee_id": t.assignee_id,
            "claimed_at": iso(t.claimed_at), "opened_at": iso(t.opened_at),
            "due_on": t.due_on.isoformat(), "due_at": iso(t.due_at), "overdue": row.overdue,
            "escalated_at": iso(t.escalated_at), "escalated_to_id": t.escalated_to_id}


def int_arg(name: str, default: int, low: int, high: int, errors: dict[str, str]) -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        errors[name] = f"a whole number from {low} to {high}"
        return default
    return int(raw)


def json_object() -> dict[str, Any]:
    """The request body as a JSON object; numbers with a fraction stay exact (Decimal)."""
    raw = request.get_data(cache=False)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: "[[[[...]]]]"
        raise ValidationFailed("The body is not valid JSON.", {"body": "a JSON object"}) from None
    if not isinstance(body, dict):
        raise ValidationFailed("The body must be a JSON object.", {"body": "a JSON object"})
    return body


def request_clock() -> FixedClock:
    """One instant for the whole call, so every event a change makes carries the same time."""
    return FixedClock(clock().now())


@event.listens_for(Session, "before_flush")
def _stamp_token(session: Session, _context: Any, _instances: Any) -> None:
    """Events made by an API call with a token also name the token (the actor is its user)."""
    token_id = _request_token_id()
    if token_id is None:
        return
    for obj in session.new:
        if isinstance(obj, CaseEvent) and "api_token_id" not in (obj.data or {}):
            obj.data = {**(obj.data or {}), "api_token_id": token_id}


def _request_token_id() -> int | None:
    if not has_request_context() or not request.path.startswith("/api/"):
        return None
    token = current_token()
    return token.id if token is not None else None


@bp.get("/tasks")
@permission_checked_in_view("tasks.work", scope=READ_SCOPE)
def list_tasks():  # type: ignore[no-untyped-def]
    user = api_user(READ_SCOPE, "tasks.work")
    errors: dict[str, str] = {}
    which = request.args.get("list", "mine").strip() or "mine"
    if which not in cases.TASK_LISTS:
        errors["list"] = " or ".join(cases.TASK_LISTS)
    page = int_arg("page", 1, 1, 1_000_000, errors)
    per_page = int_arg("per_page", 50, 1, MAX_PER_PAGE, errors)
    if errors:
        raise ValidationFailed("Some parameters are not valid.", errors)
    rows, total = cases.page_tasks(get_session(), user, which=which, clock=clock(),
                                   limit=per_page, offset=(page - 1) * per_page)
    return jsonify({"list": which, "page": page, "per_page": per_page, "total": total,
                    "tasks": [task_json(r) for r in rows]})


@bp.get("/tasks/<task_id>")
@permission_checked_in_view("tasks.work", scope=READ_SCOPE)
def read_task(task_id: str):  # type: ignore[no-untyped-def]
    user = api_user(READ_SCOPE, "tasks.work")
    return jsonify(task_json(cases.get_task(get_session(), task_id, user, clock=clock())))


@bp.post("/tasks/<task_id>/claim")
@permission_checked_in_view("tasks.work", scope=WRITE_SCOPE)
def claim_task(task_id: str):  # type: ignore[no-untyped-def]
    user = api_user(WRITE_SCOPE, "tasks.work")
    session, now = get_session(), request_clock()
    cases.claim_task(session, task_id, user, clock=now)
    body = task_json(cases.get_task(session, task_id, user, clock=now))
    session.commit()  # last: a query after it would open a second transaction
    return jsonify(body)


@bp.post("/tasks/<task_id>/reassign")
@permission_checked_in_view("tasks.reassign", scope=WRITE_SCOPE)
def reassign_task(task_id: str):  # type: ignore[no-untyped-def]
    user = api_user(WRITE_SCOPE, "tasks.reassign")
    body = json_object()
    raw = body.get("assignee_id")
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= cases.MAX_ID:
        raise ValidationFailed("Task not reassigned.", {"assignee_id": "a user id (integer)"})
    session, now = get_session(), request_clock()
    cases.reassign_task(session, task_id, raw, user, clock=now)
    body = task_json(cases.get_task(session, task_id, user, clock=now))
    session.commit()
    return jsonify(body)


@bp.post("/tasks/<task_id>/complete")
@permission_checked_in_view("tasks.work", scope=WRITE_SCOPE)
def complete_task(task_id: str):  # type: ignore[no-untyped-def]
    user = api_user(WRITE_SCOPE, "tasks.work")
    form = json_object()
    session, now = get_session(), request_clock()
    case = cases.complete_task(session, task_id, user, form, clock=now)
    body = {"task_id": task_id, "completed_by": user.id, "completed_at": iso(now.now()),
            "case": {"id": case.id, "case_number": case.case_number, "status": case.status},
            "open_tasks": [task_json(r) for r in cases.open_tasks_of_case(session, case.id,
                                                                          clock=now)]}
    session.commit()
    return jsonify(body)
