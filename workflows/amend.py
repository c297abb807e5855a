"""Moving the due date of a waiting user task, e.g. a statutory limit extended with reasons.

The open task's due date and its timer (signal or escalation) move to the new day, and the
process data the task waits with takes the new values, so a boundary path that fires later
(e.g. "decision limit expired" computing the next filing window) reads the extended date.
An escalation already fired stays fired: the breach happened.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from SpiffWorkflow.util.task import TaskState

from audit_app.errors import Conflict
from audit_app.models import CaseEvent, OpenTask, WorkflowTimer

from . import runtime
from .clock import Clock, end_of_day_utc


def move_due_date(session: Any, task_id: str, due_on: dt.date, *, clock: Clock,
                  actor_id: int | None, data: dict[str, Any] | None = None,
                  summary: str) -> OpenTask:
    """Set the open task `task_id` due on `due_on` (last day, Pakistan time), update `data` in
    every unfinished task of its instance, and record `summary` on the case's timeline."""
    row = runtime.open_task(session, task_id)
    loaded = runtime.load_instance(session, row.instance_id)
    if data:
        checked = runtime._checked_data(data)
        # A waiting task takes its parent's data again when it becomes ready (e.g. a
        # boundary event under its split), so the parents get the new values too.
        for task in loaded.workflow.get_tasks(state=TaskState.NOT_FINISHED_MASK):
            task.data.update(checked)
            if task.parent is not None:
                task.parent.data.update(checked)
        runtime._save(session, loaded, clock)
    row.due_on, row.due_at = due_on, end_of_day_utc(due_on)
    timers = session.scalars(select(WorkflowTimer).where(
        WorkflowTimer.instance_id == row.instance_id, WorkflowTimer.task_id == task_id,
        WorkflowTimer.fired_at.is_(None)))
    moved = 0
    for timer in timers:
        timer.due_at = row.due_at
        moved += 1
    if not moved and row.due_at <= clock.now():
        raise Conflict(f"'{row.name}' is already past its due date.")
    session.add(CaseEvent(case_id=row.case_id, at=clock.now(), actor_id=actor_id,
                          kind="due_date_moved", element_id=row.element_id, summary=summary,
                          data={"task_id": task_id, "due_on": due_on.isoformat()}))
    session.flush()
    return row
