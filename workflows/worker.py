"""The timer worker: fires due timers and SLA escalations exactly once.

Several workers may run at once. Each timer is claimed and acted on in one transaction:
on PostgreSQL the row is taken with `SELECT ... FOR UPDATE SKIP LOCKED`, so workers never wait
for each other; on SQLite (one writer at a time) a conditional
`UPDATE ... SET fired_at = now WHERE id = :id AND fired_at IS NULL` decides, by its row count,
who fires. If the effect fails (e.g. a user moved the case on at the same instant and the
workflow save gets `Conflict`), the transaction rolls back, claim included, and the timer is
tried again on the next round.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from audit_app.errors import DomainError
from audit_app.models import AuditCase, CaseEvent, OpenTask, WorkerHeartbeat, WorkflowTimer

from . import handoffs, runtime
from .clock import Clock

log = logging.getLogger(__name__)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_once(sessions: Callable[[], Session], clock: Clock, *, name: str | None = None,
             limit: int = 500) -> int:
    """Fire every timer due at `clock.now()`; returns how many this worker fired."""
    name = name or worker_name()
    fired = 0
    failed: set[int] = set()  # retried on the next round, not in a tight loop now
    with sessions() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
    for _ in range(limit):
        with sessions() as session:
            timer = (_claim_postgres(session, clock, failed) if postgres
                     else _claim_sqlite(session, clock, failed))
            if timer is None:
                return fired
            timer_id = timer.id
            try:
                timer.outcome = fire(session, timer, clock)[:200]
                timer.fired_at, timer.fired_by = clock.now(), name
                session.commit()
                fired += 1
            except (DomainError, SQLAlchemyError) as exc:
                # e.g. Conflict, or the escalated task deleted by a user's completion at the
                # same instant (a stale UPDATE): roll back, claim included; next round decides.
                session.rollback()
                log.warning("timer %s not fired this round: %s", timer_id, exc)
                failed.add(timer_id)
    return fired


def record_heartbeat(sessions: Callable[[], Session], name: str, fired: int,
                     at: dt.datetime) -> None:
    """Tell /readyz this worker is alive (one row per worker, updated every round)."""
    with sessions() as session:
        beat = session.get(WorkerHeartbeat, name)
        if beat is None:
            beat = WorkerHeartbeat(name=name, started_at=at, rounds=0, timers_fired=0)
            session.add(beat)
        beat.last_seen_at = at
        beat.rounds += 1
        beat.timers_fired += fired
        session.commit()


def _due(clock: Clock, failed: set[int]):  # type: ignore[no-untyped-def]
    query = (select(WorkflowTimer)
             .where(WorkflowTimer.fired_at.is_(None), WorkflowTimer.due_at <= clock.now())
             .order_by(WorkflowTimer.due_at, WorkflowTimer.id))
    return query.where(WorkflowTimer.id.not_in(failed)) if failed else query


def _claim_postgres(session: Session, clock: Clock, failed: set[int]) -> WorkflowTimer | None:
    return session.scalar(_due(clock, failed).limit(1).with_for_update(skip_locked=True))


def _claim_sqlite(session: Session, clock: Clock, failed: set[int]) -> WorkflowTimer | None:
    due = _due(clock, failed).with_only_columns(WorkflowTimer.id).limit(20)
    for timer_id in list(session.scalars(due)):
        claimed = session.execute(
            update(WorkflowTimer)
            .where(WorkflowTimer.id == timer_id, WorkflowTimer.fired_at.is_(None))
            .values(fired_at=clock.now(), fired_by="claiming")
            .execution_options(synchronize_session=False))
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            return session.get(WorkflowTimer, timer_id)
        session.rollback()  # another worker fired it between our read and our write
    return None


# Timer kinds a process's service adds (e.g. adjudication's statutory-limit warnings, which
# belong to no task): kind -> effect(session, timer, clock) -> outcome. Registered by the
# modules in `handoffs.HANDOFF_MODULES`.
TimerEffect = Callable[[Session, WorkflowTimer, Clock], str]
TIMER_KINDS: dict[str, TimerEffect] = {}


def fire(session: Session, timer: WorkflowTimer, clock: Clock) -> str:
    """The timer's effect; returns a short outcome for the row."""
    handoffs.load_modules()
    if timer.kind in TIMER_KINDS:
        return TIMER_KINDS[timer.kind](session, timer, clock)
    query = select(OpenTask).where(OpenTask.task_id == timer.task_id)
    if session.get_bind().dialect.name == "postgresql":
        # Never wait for a task a user is working on while holding the timer's lock (the
        # user's completion deletes the timer: each would wait for the other). Busy: the
        # database refuses at once, the round rolls back and the timer is tried again.
        query = query.with_for_update(nowait=True)
    task = session.scalar(query)
    if task is None:
        return "task no longer open"
    if timer.kind == "timer":
        runtime.send_signal(session, task.case_id, timer.element_id, clock=clock,
                            instance_id=timer.instance_id)
        return f"signal {timer.element_id} delivered"
    if task.escalated_at is not None:
        return "already escalated"
    case = session.get(AuditCase, task.case_id)
    assert case is not None
    target = runtime.escalation_target(session, case, task)
    task.escalated_at = clock.now()
    task.escalated_to_id = target
    whom = "the supervisor" if target == case.supervisor_id else "the officer in charge"
    session.add(CaseEvent(
        case_id=case.id, at=clock.now(), actor_id=None, kind="sla_breached",
        element_id=task.element_id,
        summary=f"{task.name} was due on {task.due_on:%d %b %Y}; escalated to {whom}",
        data={"task_id": task.task_id, "due_on": task.due_on.isoformat(),
              "assignee_id": task.assignee_id, "escalated_to_id": target}))
    return "escalated"
