"""The case list and the case page, and the diagrams of a case's processes for bpmn-js.

The page reads columns and projections only (case, items, findings, timeline, open tasks); the
BPMN XML and the active elements come from `/cases/<id>/diagram.json`, fetched by
`static/js/case-diagram.js` (no inline script: a CSP will forbid them).
"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, jsonify, render_template, request, url_for
from flask_login import current_user

from ..auth import permission_required
from ..db import get_session
from ..services import case_queries, cases
from ..models import Role, User
from ..services.duty import LEVIES
from . import case_rows, rupees
from .tasks import clock
from workflows.clock import PKT, as_utc, local_date
from workflows.runtime import Diagram

bp = Blueprint("cases", __name__, url_prefix="/cases")

STATUS_LABELS = {
    "open": "Open",
    "closed_no_change": "Closed, no change",
    "closed_voluntary_payment": "Closed on voluntary payment",
    "referred_to_adjudication": "Referred to adjudication",
    "adjudged": "Adjudged: order-in-original stands",
    "dropped": "Dropped by the order-in-original",
    "time_barred": "Time-barred",
    "not_pursued": "Not pursued (under the minimum)",
}


@bp.app_template_filter("case_status")
def case_status(status: str) -> str:
    return STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


# Process ids to the titles shown above their diagrams; a process not listed shows its id.
PROCESS_LABELS = {"pca_audit": "Audit", "adjudication": "Adjudication", "recovery": "Recovery"}

# Timeline data keys that name a user, and how other values read (amounts, dates).
_USER_KEYS = ("auditor_id", "assignee_id", "from_user_id", "to_user_id")


@bp.app_template_filter("event_value")
def event_value(value: object, key: str, people: dict[int, User] | None = None) -> str:
    """A changed value of the timeline as a reader wants it: names, rupees, Pakistan dates."""
    if key in _USER_KEYS and isinstance(value, int) and people and value in people:
        return people[value].full_name
    text = "" if value is None else str(value)
    if ("levy" in key or "amount" in key or key.endswith("_pkr")) and text:
        try:
            return rupees(text)
        except ArithmeticError:
            return text
    if key.endswith("_date") and len(text) == 10:
        try:
            return pk_date(dt.date.fromisoformat(text))
        except ValueError:
            return text
    return text.replace("_", " ") if key.endswith(("decision", "outcome", "type")) else text


@bp.app_template_filter("pk_date")
def pk_date(value: dt.date | dt.datetime | None) -> str:
    """`05 Jan 2026`: a stored date as is (deadlines are Pakistan days), an instant as the
    day in Pakistan."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = local_date(as_utc(value))
    return value.strftime("%d %b %Y")


@bp.app_template_filter("pk_time")
def pk_time(value: dt.datetime | None) -> str:
    """`05 Jan 2026 09:00`, Pakistan time (instants are stored in UTC)."""
    if value is None:
        return ""
    return as_utc(value).astimezone(PKT).strftime("%d %b %Y %H:%M")


@bp.app_template_filter("is_past")
def is_past(value: dt.datetime | None) -> bool:
    return value is not None and as_utc(value) <= clock().now()


@bp.app_template_filter("lane_label")
def lane_label(lane: str) -> str:
    try:
        return Role(lane).label
    except ValueError:
        return lane


CASES_PER_PAGE = 50
# The case page shows the latest events of the timeline; the whole of it is one link away
# (and in the compiled case file). A case through appeals and instalments has hundreds.
TIMELINE_LATEST = 50


@bp.get("/")
@permission_required("cases.view")
def index():  # type: ignore[no-untyped-def]
    session = get_session()
    status = request.args.get("status") or None
    status = status if status in cases.CASE_STATUS_FILTERS else None
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    found, total = cases.page_cases(session, current_user, status=status, limit=CASES_PER_PAGE,
                                    offset=(page - 1) * CASES_PER_PAGE)
    counts = case_queries.case_counts(session, [c.id for c in found])
    people = case_queries.users_by_id(session, [c.auditor_id for c in found])
    case_row = case_rows.row_renderer(people=people, cases_url=url_for("cases.index"))
    return render_template("cases/index.html", rows=[(c, *counts[c.id]) for c in found],
                           case_row=case_row, status=status, total=total, page=page,
                           pages=max((total + CASES_PER_PAGE - 1) // CASES_PER_PAGE, 1),
                           every_directorate=case_queries.sees_every_directorate(current_user))


@bp.get("/<int:case_id>")
@permission_required("cases.view")
def show(case_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    case = cases.get_case(session, case_id, current_user)
    case_queries.preload_items(session, case)
    whole = request.args.get("timeline") == "all"
    if whole:
        events = cases.timeline(session, case)
        event_count = len(events)
    else:
        events, event_count = cases.latest_events(session, case, TIMELINE_LATEST)
    open_tasks = case_queries.open_tasks_of(session, case.id)
    named = [v for e in events for k, v in ((e.data or {}).get("changed") or {}).items()
             if k in _USER_KEYS and isinstance(v, int)]
    named += [(e.data or {}).get(k) for e in events for k in _USER_KEYS]
    people = case_queries.users_by_id(session, [case.auditor_id, case.supervisor_id,
                                                case.created_by_id, *named,
                                                *(e.actor_id for e in events),
                                                *(t.assignee_id for t in open_tasks)])
    return render_template("cases/show.html", case=case, events=events, event_count=event_count,
                           open_tasks=open_tasks,
                           people=people, levies=LEVIES,
                           case_sections=case_queries.case_sections(session, case.id))


@bp.get("/<int:case_id>/diagram.json")
@permission_required("cases.view")
def diagram_json(case_id: int):  # type: ignore[no-untyped-def]
    """Every process the case ran or runs: running ones first, newest first within each."""
    session = get_session()
    case = cases.get_case(session, case_id, current_user)
    found = list(reversed(cases.diagrams(session, case)))
    found.sort(key=lambda d: d.status != "running")  # stable: newest first stays
    return jsonify({"case_id": case.id, "case_number": case.case_number,
                    "diagrams": [_as_json(d) for d in found]})


def _as_json(d: Diagram) -> dict[str, object]:
    return {"process_id": d.process_id, "title": PROCESS_LABELS.get(d.process_id, d.process_id),
            "version": d.spec_hash[:12], "status": d.status, "end_status": d.end_status,
            "started_at": d.started_at.isoformat() if d.started_at else None,
            "xml": d.bpmn_xml, "active": d.active_elements}
