"""Cases over JSON: the list a user may read, one case (summary, items with the reasons they
were picked, findings with the short levy per levy, amounts, open tasks, timeline), and the
BPMN diagrams the case runs on with their active elements.

Callers: a browser session, or a personal token with scope `cases:read` acting as its user.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..auth import api_user, permission_checked_in_view
from ..db import get_session
from ..errors import ValidationFailed
from ..models import AuditCase, CaseItem, Finding, User
from ..services import case_queries, cases
from ..services.duty import LEVIES
from . import bp
from .tasks import MAX_PER_PAGE, clock, int_arg, iso, task_json

READ_SCOPE = "cases:read"


CENTS = Decimal("0.01")


def money(value: Any) -> str:
    """Rupees with two places, as the declarations API gives them: "278696.00"."""
    return format(Decimal(value if value is not None else 0).quantize(CENTS), "f")


def person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.id, "username": user.username, "full_name": user.full_name}


def case_summary(case: AuditCase) -> dict[str, Any]:
    return {"id": case.id, "case_number": case.case_number, "status": case.status,
            "directorate_code": case.directorate_code,
            "importer": {"id": case.importer.id, "ntn": case.importer.ntn,
                         "name": case.importer.name},
            "audit_type": case.audit_type,
            "period_from": case.period_from.isoformat() if case.period_from else None,
            "period_to": case.period_to.isoformat() if case.period_to else None,
            "planned_scope": case.planned_scope, "auditor_id": case.auditor_id,
            "supervisor_id": case.supervisor_id,
            "short_levy_total_pkr": money(case.short_levy_total_pkr),
            "amount_paid_pkr": money(case.amount_paid_pkr),
            "created_at": iso(case.created_at), "closed_at": iso(case.closed_at)}


def levies(source: Any, pattern: str) -> dict[str, str]:
    return {levy: money(getattr(source, pattern.format(levy))) for levy in LEVIES}


def finding_json(f: Finding) -> dict[str, Any]:
    return {
        "id": f.id, "kinds": list(f.kinds or []),
        "declared": {"value_pkr": money(f.declared_value_pkr), "hs_code": f.declared_hs_code,
                     "origin": f.declared_origin, "fta_code": f.declared_fta_code,
                     "sro_ref": f.declared_sro_ref, "quantity": str(f.declared_quantity)},
        "correct": {"value_pkr": money(f.correct_value_pkr), "hs_code": f.correct_hs_code,
                    "origin": f.correct_origin, "fta_code": f.correct_fta_code,
                    "sro_ref": f.correct_sro_ref, "quantity": str(f.correct_quantity)},
        "evidence": f.evidence, "documents": list(f.documents or []),
        "rates_applied": {k: str(v) for k, v in (f.rates_applied or {}).items()},
        "due_pkr": levies(f, "due_{}_pkr"),
        "short_levy_pkr": {**levies(f, "short_{}_pkr"), "total": money(f.short_total_pkr)},
        "recorded_by_id": f.recorded_by_id, "recorded_at": iso(f.recorded_at)}


def item_json(ci: CaseItem) -> dict[str, Any]:
    item = ci.item
    return {"case_item_id": ci.id, "item_id": item.id,
            "gd_number": item.declaration.gd_number,
            "gd_date": item.declaration.gd_date.isoformat(), "item_no": item.item_no,
            "hs_code": item.hs_code, "description": item.description,
            "origin_country": item.origin_country, "fta_code": item.fta_code,
            "sro_ref": item.sro_ref, "quantity": str(item.quantity), "unit": item.unit,
            "assessed_value_pkr": money(item.assessed_value_pkr),
            "paid_pkr": levies(item, "{}_pkr"),
            "expected_short_levy_pkr": money(ci.expected_short_levy_pkr),
            "risk_reasons": list(ci.reasons or []),
            "finding": finding_json(ci.finding) if ci.finding is not None else None}


def amounts_json(case: AuditCase, items: list[CaseItem]) -> dict[str, Any]:
    totals = {levy: Decimal(0) for levy in LEVIES}
    for ci in items:
        if ci.finding is not None:
            for levy in LEVIES:
                totals[levy] += Decimal(getattr(ci.finding, f"short_{levy}_pkr"))
    short = Decimal(case.short_levy_total_pkr or 0)
    paid = Decimal(case.amount_paid_pkr or 0)
    return {"expected_short_levy_pkr": money(sum((Decimal(ci.expected_short_levy_pkr)
                                                  for ci in items), Decimal(0))),
            "short_levy_pkr": {**{k: money(v) for k, v in totals.items()},
                               "total": money(short)},
            "amount_paid_pkr": money(paid),
            "outstanding_pkr": money(max(short - paid, Decimal(0)))}


@bp.get("/cases")
@permission_checked_in_view("cases.view", scope=READ_SCOPE)
def list_cases():  # type: ignore[no-untyped-def]
    user = api_user(READ_SCOPE, "cases.view")
    errors: dict[str, str] = {}
    status = request.args.get("status", "").strip() or None
    if status is not None and status not in cases.CASE_STATUS_FILTERS:
        errors["status"] = " or ".join(cases.CASE_STATUS_FILTERS)
    page = int_arg("page", 1, 1, 1_000_000, errors)
    per_page = int_arg("per_page", 50, 1, MAX_PER_PAGE, errors)
    if errors:
        raise ValidationFailed("Some parameters are not valid.", errors)
    rows, total = cases.page_cases(get_session(), user, status=status, limit=per_page,
                                   offset=(page - 1) * per_page)
    return jsonify({"page": page, "per_page": per_page, "total": total,
                    "cases": [case_summary(c) for c in rows]})


@bp.get("/cases/<int(max=2147483647):case_id>")
@permission_checked_in_view("cases.view", scope=READ_SCOPE)
def read_case(case_id: int):  # type: ignore[no-untyped-def]
    user = api_user(READ_SCOPE, "cases.view")
    session = get_session()
    case = cases.get_case(session, case_id, user)
    items = list(session.scalars(
        select(CaseItem).where(CaseItem.case_id == case.id).order_by(CaseItem.id)
        .options(selectinload(CaseItem.finding))))
    events = cases.timeline(session, case)
    people = case_queries.users_by_id(
        session, {e.actor_id for e in events} | {case.auditor_id, case.supervisor_id})
    body = case_summary(case)
    body.update({
        "auditor": person(people.get(case.auditor_id)) if case.auditor_id else None,
        "supervisor": person(people.get(case.supervisor_id)) if case.supervisor_id else None,
        "amounts": amounts_json(case, items),
        "items": [item_json(ci) for ci in items],
        "open_tasks": [task_json(r) for r in cases.open_tasks_of_case(session, case.id,
                                                                       clock=clock())],
        "timeline": [{"id": e.id, "at": iso(e.at), "kind": e.kind, "element_id": e.element_id,
                      "actor": person(people.get(e.actor_id)) if e.actor_id else None,
                      "summary": e.summary, "data": e.data} for e in events]})
    return jsonify(body)


@bp.get("/cases/<int(max=2147483647):case_id>/diagrams")
@permission_checked_in_view("cases.view", scope=READ_SCOPE)
def case_diagrams(case_id: int):  # type: ignore[no-untyped-def]
    user = api_user(READ_SCOPE, "cases.view")
    session = get_session()
    case = cases.get_case(session, case_id, user)
    return jsonify({"case_id": case.id, "case_number": case.case_number, "diagrams": [
        {"process_id": d.process_id, "instance_id": d.instance_id, "status": d.status,
         "end_status": d.end_status, "started_at": iso(d.started_at),
         "spec_hash": d.spec_hash, "active_elements": list(d.active_elements),
         "bpmn_xml": d.bpmn_xml}
        for d in cases.diagrams(session, case)]})
