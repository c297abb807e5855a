"""What the audit process's task forms (templates/tasks/forms/*.html) need beyond the generic
task page, and the examination's finding form (one per item under audit)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth import permission_required
from ..db import get_session
from ..errors import DomainError, NotFound, ValidationFailed
from ..models import AuditCase, CaseEvent, CaseItem, OpenTask
from ..services import case_queries, cases, findings
from ..services.duty import LEVIES
from workflows.clock import local_date

from .tasks import bp, clock, form_context, gone_page, open_task_row, render_task


@form_context("assign_auditor")
def _assign(session: Session, case: AuditCase, task: OpenTask) -> dict[str, Any]:
    auditors = case_queries.auditors_of(session, case.directorate_code)
    suggested = cases.suggest_auditor(session, case.directorate_code)
    return {"auditors": auditors, "suggested": suggested,
            "load": case_queries.open_load(session, [a.id for a in auditors]),
            "defaults": {"auditor_id": str(suggested.id) if suggested else ""}}


@form_context("prepare_plan")
def _plan(session: Session, case: AuditCase, task: OpenTask) -> dict[str, Any]:
    dates = [ci.item.declaration.gd_date for ci in case.items]
    return {"audit_types": cases.AUDIT_TYPES, "defaults": {
        "audit_type": case.audit_type or "desk", "planned_scope": case.planned_scope or "",
        "period_from": (case.period_from or min(dates, default=None) or "").__str__(),
        "period_to": (case.period_to or max(dates, default=None) or "").__str__()}}


def _today() -> dt.date:
    return local_date(clock().now())


@form_context("issue_notice")
def _notice(session: Session, case: AuditCase, task: OpenTask) -> dict[str, Any]:
    today = _today()
    return {"defaults": {"notice_date": today.isoformat(),
                         "records_due_date": (today + dt.timedelta(days=15)).isoformat()}}


@form_context("examine_records")
def _examine(session: Session, case: AuditCase, task: OpenTask) -> dict[str, Any]:
    return {"levies": LEVIES, "returned": _last_return(session, case),
            "finding_defaults": {ci.id: case_queries.finding_form_defaults(ci)
                                 for ci in case.items}}


def _last_return(session: Session, case: AuditCase) -> CaseEvent | None:
    """The supervisor's latest review, when it returned the findings for re-examination."""
    review = session.scalar(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "task_completed",
        CaseEvent.element_id == "review_findings").order_by(CaseEvent.id.desc()).limit(1))
    changed = ((review.data or {}).get("changed") or {}) if review else {}
    return review if changed.get("review_decision") == "return" else None


@form_context("review_findings")
def _review(session: Session, case: AuditCase, task: OpenTask) -> dict[str, Any]:
    return {"levies": LEVIES}


@form_context("issue_observation")
def _observation(session: Session, case: AuditCase, task: OpenTask) -> dict[str, Any]:
    return {"levies": LEVIES, "defaults": {"observation_date": _today().isoformat()}}


@form_context("record_reply")
def _reply(session: Session, case: AuditCase, task: OpenTask) -> dict[str, Any]:
    return {"reply_outcomes": cases.REPLY_OUTCOMES}


@bp.post("/<task_id>/findings/<int:case_item_id>")
@permission_required("tasks.work")
def record_finding(task_id: str, case_item_id: int):  # type: ignore[no-untyped-def]
    """Record (or replace) the finding on one item during the examination task."""
    session = get_session()
    task = open_task_row(task_id)
    if task is None:
        return gone_page(None, "The examination is no longer open: findings can no longer be "
                     "recorded.")
    case_item = session.get(CaseItem, case_item_id)
    if case_item is None or case_item.case_id != task.case_id:
        raise NotFound("No such item under audit in this task's case.")
    cases.get_case(session, task.case_id, current_user)  # directorate check
    typed = {k: request.form.get(k, "") for k in case_queries.FINDING_FIELDS}
    try:
        facts, evidence, documents = case_queries.parse_finding_form(case_item, typed)
        finding = findings.record_finding(session, case_item_id, current_user, facts,
                                          evidence=evidence, documents=documents, clock=clock())
    except DomainError as exc:
        session.rollback()
        errors = exc.details if isinstance(exc, ValidationFailed) and \
            isinstance(exc.details, dict) else {}
        task = open_task_row(task_id)
        if task is None:
            return gone_page(case_item.case_id, exc.message)
        return render_task(task, problem=None, status=exc.status, finding_item=case_item_id,
                           finding_form=typed, finding_errors=errors,
                           finding_problem=exc.message)
    session.commit()
    item = case_item.item
    flash(f"Finding on GD {item.declaration.gd_number} item {item.item_no} recorded: short levy "
          f"Rs {finding.short_total_pkr:,.0f}.", "info")
    return redirect(url_for("tasks.show", task_id=task_id, _anchor=f"case-item-{case_item_id}"))
