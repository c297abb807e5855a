"""Work queues and the task page.

`/tasks` lists my tasks, my team's (my directorate, the lanes I hold) and the tasks escalated
to me (a supervisor's team's overdue tasks; adjudication tasks near or past the order limit for
the Collector), from `OpenTask` rows only (no workflow is loaded). `/tasks/<task_id>` is one
generic page for every process: the case summary, then the form partial
`tasks/forms/<element_id>.html`. A process adds a task form in three places, none of them here:
the server-side handler (`services.task_forms.form("element_id")`), the partial, and, when the
partial needs more than `case`, `task`, `form` and `errors`, a context function registered with
`@form_context("element_id")` (see `web/audit_tasks.py`).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (Blueprint, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth import permission_required
from ..auth.permissions import allowed
from ..db import get_session
from ..errors import DomainError, ValidationFailed
from ..models import AuditCase, OpenTask
from ..services import case_queries, cases
from . import task_rows
from workflows.clock import Clock, SystemClock, as_utc
from workflows.runtime import check_can_work

bp = Blueprint("tasks", __name__, url_prefix="/tasks")

ContextFn = Callable[[Session, AuditCase, OpenTask], dict[str, Any]]
FORM_CONTEXT: dict[str, ContextFn] = {}


def form_context(element_id: str) -> Callable[[ContextFn], ContextFn]:
    """Register what the form partial of `element_id` needs beyond the page's context."""
    def register(fn: ContextFn) -> ContextFn:
        FORM_CONTEXT[element_id] = fn
        return fn
    return register


def clock() -> Clock:
    """The app's clock: the system's, or the one a test or demonstration put in
    `app.extensions["pca_clock"]`."""
    return current_app.extensions.get("pca_clock") or SystemClock()


def _may(action: str) -> bool:
    return allowed(current_user.role_set, action)


# --------------------------------------------------------------------------- work queue

# Rows per list on the queue page (the most urgent first); `?list=...&page=N` pages one list.
QUEUE_ROWS = 50
SECTIONS = {"mine": "My tasks", "team": "My team's tasks", "escalations": "Escalated to me"}


def _oversees_team(which: str) -> bool:
    # A supervisor's team is the whole directorate: every lane's tasks, to reassign.
    return which == "team" and _may("tasks.reassign")


def _section(which: str, limit: int, offset: int,
             total: int | None = None) -> tuple[list[cases.TaskRow], int]:
    session, now = get_session(), clock()
    if _oversees_team(which):
        return case_queries.directorate_tasks(session, current_user, clock=now, limit=limit,
                                              offset=offset, total=total)
    return cases.page_tasks(session, current_user, which=which, clock=now, limit=limit,
                            offset=offset, total=total)


def _totals(lists: list[str]) -> dict[str, int]:
    """Every list's length in one query (a count each would be a query each)."""
    return cases.count_task_lists(get_session(), {
        which: (case_queries.directorate_conditions(current_user) if _oversees_team(which)
                else cases.task_list_conditions(current_user, which)) for which in lists})


@bp.get("/")
@permission_required("tasks.work")
def queue():  # type: ignore[no-untyped-def]
    only = request.args.get("list")
    only = only if only in SECTIONS else None
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    sections = {}
    totals = {} if only else _totals(list(SECTIONS))
    for which in ([only] if only else SECTIONS):
        offset = (page - 1) * QUEUE_ROWS if only else 0
        rows, total = _section(which, QUEUE_ROWS, offset, totals.get(which))
        sections[which] = {"rows": _overdue_first(rows), "total": total, "offset": offset}
    shown = [r.task for s in sections.values() for r in s["rows"]]
    session = get_session()
    people = case_queries.users_by_id(session, [t.assignee_id for t in shown])
    oversees = _may("tasks.reassign")
    candidates = (case_queries.officers_by_lane(session, current_user.directorate_code,
                                                {t.lane for t in shown})
                  if oversees else {})
    task_row = task_rows.row_renderer(
        people=people, options=_reassign_options(candidates), candidates=candidates,
        lane_values={r.value for r in current_user.role_set}, csrf=generate_csrf(),
        tasks_url=url_for("tasks.queue"), cases_url=url_for("cases.index"))
    return render_template("tasks/queue.html", sections=sections, titles=SECTIONS, only=only,
                           page=page, per_page=QUEUE_ROWS, task_row=task_row,
                           lanes=current_user.role_set, oversees=oversees)


_OPTION = Markup('<option value="{}"{}>{}</option>')


def _reassign_options(candidates: dict[str, list[Any]]) -> Callable[[str, int | None], Markup]:
    """The `<option>`s of a row's reassign list, by lane and current assignee: each pair is
    built once per page (a supervisor's page repeats the same few lists on up to 150 rows)."""
    built: dict[tuple[str, int | None], Markup] = {}

    def options(lane: str, selected: int | None) -> Markup:
        key = (lane, selected)
        if key not in built:
            built[key] = Markup("").join(
                _OPTION.format(u.id, Markup(" selected") if u.id == selected else "",
                               u.full_name) for u in candidates.get(lane, ()))
        return built[key]
    return options


def _overdue_first(rows: list[cases.TaskRow]) -> list[cases.TaskRow]:
    # The services order by due instant, so overdue rows already come first; the stable sort
    # keeps it so should a query's order change.
    return sorted(rows, key=lambda r: (not r.overdue, as_utc(r.task.due_at)))


@bp.post("/<task_id>/claim")
@permission_required("tasks.work")
def claim(task_id: str):  # type: ignore[no-untyped-def]
    session = get_session()
    try:
        task = cases.claim_task(session, task_id, current_user, clock=clock())
    except DomainError as exc:
        session.rollback()
        flash(f"Not claimed: {exc.message}", "error")
        return redirect(url_for("tasks.queue"))
    session.commit()
    flash(f"You claimed '{task.name}'.", "info")
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.post("/<task_id>/reassign")
@permission_required("tasks.reassign")
def reassign(task_id: str):  # type: ignore[no-untyped-def]
    session = get_session()
    raw = request.form.get("assignee_id", "")
    try:
        if not raw.isdigit():
            raise ValidationFailed("Task not reassigned.", {"assignee_id": "choose an officer"})
        task = cases.reassign_task(session, task_id, int(raw), current_user, clock=clock())
    except DomainError as exc:
        session.rollback()
        detail = "; ".join(exc.details.values()) if isinstance(exc.details, dict) else ""
        flash(f"Not reassigned: {exc.message}{' (' + detail + ')' if detail else ''}", "error")
        return redirect(request.form.get("next") or url_for("tasks.queue"))
    session.commit()
    people = case_queries.users_by_id(session, [task.assignee_id])
    flash(f"'{task.name}' reassigned to {people[task.assignee_id].full_name}.", "info")
    return redirect(request.form.get("next") or url_for("tasks.queue"))


# --------------------------------------------------------------------------- task page

def render_task(task: OpenTask, *, form: dict[str, Any] | None = None,
                errors: dict[str, str] | None = None, problem: str | None = None,
                status: int = 200, **extra: Any):  # type: ignore[no-untyped-def]
    """The task page. `form` holds what was typed (kept after an error), `errors` field ->
    message, `problem` a message for the whole form (a conflict, a refusal); `extra` reaches
    the partial as is (e.g. the examination's finding errors)."""
    session = get_session()
    case = cases.get_case(session, task.case_id, current_user)
    case_queries.preload_items(session, case)
    context: dict[str, Any] = {}
    if task.element_id in FORM_CONTEXT:
        context = FORM_CONTEXT[task.element_id](session, case, task)
    people = case_queries.users_by_id(session, [task.assignee_id, case.auditor_id,
                                                case.supervisor_id])
    can_work = _can_work(task)
    return render_template("tasks/show.html", task=task, case=case, people=people,
                           form={**context.pop("defaults", {}), **(form or {})},
                           errors=errors or {}, problem=problem, can_work=can_work,
                           partial=f"tasks/forms/{task.element_id}.html",
                           **context, **extra), status


def _can_work(task: OpenTask) -> bool:
    try:
        check_can_work(current_user, task)
    except DomainError:
        return False
    return True


def open_task_row(task_id: str) -> OpenTask | None:
    return get_session().scalar(select(OpenTask).where(OpenTask.task_id == task_id))


def gone_page(case_id: int | None, message: str):  # type: ignore[no-untyped-def]
    return render_template("tasks/gone.html", case_id=case_id, message=message), 409


@bp.get("/<task_id>")
@permission_required("tasks.work")
def show(task_id: str):  # type: ignore[no-untyped-def]
    task = open_task_row(task_id)
    if task is None:
        return gone_page(None, "This task is no longer open: it was completed or cancelled.")
    return render_task(task)


@bp.post("/<task_id>")
@permission_required("tasks.work")
def complete(task_id: str):  # type: ignore[no-untyped-def]
    session = get_session()
    task = open_task_row(task_id)
    if task is None:
        return gone_page(None, "This task is no longer open: someone completed it meanwhile.")
    case_id, name = task.case_id, task.name
    typed = {k: v for k, v in request.form.items() if k != "csrf_token"}
    try:
        cases.complete_task(session, task_id, current_user, typed, clock=clock())
    except ValidationFailed as exc:
        session.rollback()
        errors = exc.details if isinstance(exc.details, dict) else {}
        return render_task(_refetch(task_id), form=typed, errors=errors,
                           problem=exc.message, status=422)
    except DomainError as exc:
        session.rollback()
        again = open_task_row(task_id)
        if again is None:
            return gone_page(case_id, exc.message)
        return render_task(again, form=typed, problem=exc.message, status=exc.status)
    session.commit()
    flash(f"'{name}' completed.", "info")
    return redirect(_next_after(case_id))


def _refetch(task_id: str) -> OpenTask:
    task = open_task_row(task_id)
    assert task is not None
    return task


def _next_after(case_id: int) -> str:
    """The next task of the case that is mine, else the case page."""
    mine = get_session().scalar(select(OpenTask.task_id).where(
        OpenTask.case_id == case_id, OpenTask.assignee_id == current_user.id)
        .order_by(OpenTask.due_at))
    if mine:
        return url_for("tasks.show", task_id=mine)
    return url_for("cases.show", case_id=case_id)
