"""Start, load, advance and save the one workflow instance of a case.

Every step ends in `_save`: the state is written with a compare-and-swap on
`WorkflowInstance.version`, then the `OpenTask` / `WorkflowTimer` projections are rewritten and
the case status follows the end event reached. A stale writer gets `Conflict`; the caller rolls
back. Services call this module and flush; only HTTP handlers and commands commit.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import SignalEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from audit_app.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from audit_app.models import (AuditCase, CaseEvent, OpenTask, Role, User, WorkflowInstance,
                              WorkflowTimer)

from . import handoffs, serializer
from .clock import Clock, end_of_day_utc, local_date
from .deadlines import days_for
from .script_engine import ENGINE, ScriptRefused
from .specs import ProcessSpec, library

PROCESS_ID = "pca_audit"


@dataclass
class Loaded:
    case: AuditCase
    instance: WorkflowInstance
    workflow: BpmnWorkflow
    spec: ProcessSpec


def start(session: Session, case: AuditCase, *, clock: Clock, actor_id: int | None,
          process_id: str = PROCESS_ID, data: dict[str, Any] | None = None) -> Loaded:
    """A new instance on the current spec of `process_id`, run to its first user task."""
    spec = library().current(process_id)
    workflow = BpmnWorkflow(spec.spec, spec.subprocess_specs, script_engine=ENGINE)
    workflow.data.update(_checked_data(data or {}))
    _run_engine(workflow)
    instance = WorkflowInstance(case_id=case.id, process_id=process_id, spec_hash=spec.spec_hash,
                                state="", state_format=serializer.STATE_FORMAT,
                                created_at=clock.now(), updated_at=clock.now())
    session.add(instance)
    loaded = Loaded(case, instance, workflow, spec)
    session.add(CaseEvent(case_id=case.id, at=clock.now(), actor_id=actor_id,
                          kind="process_started", summary=f"Process {process_id} started "
                          f"(version {spec.spec_hash[:12]})"))
    _save(session, loaded, clock)
    return loaded


def load(session: Session, case_id: int) -> Loaded:
    instance = session.scalar(select(WorkflowInstance).where(WorkflowInstance.case_id == case_id))
    case = session.get(AuditCase, case_id)
    if instance is None or case is None:
        raise NotFound(f"Case {case_id} has no workflow.")
    spec = library().get(instance.process_id, instance.spec_hash)
    workflow = serializer.loads(instance.state, instance.state_format, spec)
    workflow.script_engine = ENGINE
    return Loaded(case, instance, workflow, spec)


@dataclass(frozen=True)
class Diagram:
    """What bpmn-js needs: the XML the case runs on, and the elements waiting for people."""

    bpmn_xml: str
    spec_hash: str
    active_elements: list[str]
    process_id: str = PROCESS_ID


def diagram(session: Session, case_id: int) -> Diagram:
    """Read from columns only: the work queue projections, never the serialized state."""
    row = session.execute(select(WorkflowInstance.process_id, WorkflowInstance.spec_hash)
                          .where(WorkflowInstance.case_id == case_id)).one_or_none()
    if row is None:
        raise NotFound(f"Case {case_id} has no workflow.")
    spec = library().get(row.process_id, row.spec_hash)
    active = session.scalars(select(OpenTask.element_id).where(OpenTask.case_id == case_id)
                             .order_by(OpenTask.id))
    return Diagram(spec.source, spec.spec_hash, list(active), row.process_id)


def diagrams(session: Session, case_id: int) -> list[Diagram]:
    """Every process the case has run or runs, oldest first, each with its active elements.
    (One per case until adjudication and disputes get processes of their own.)"""
    return [diagram(session, case_id)]


def open_task(session: Session, task_id: str) -> OpenTask:
    task = session.scalar(select(OpenTask).where(OpenTask.task_id == task_id))
    if task is None:
        raise Conflict("This task is no longer open: it was completed or cancelled meanwhile.")
    return task


def check_can_work(user: User, task: OpenTask) -> None:
    """The user holds the task's lane role, in its directorate, and it is theirs or unassigned."""
    if not user.has_role(Role(task.lane)):
        raise PermissionDenied(f"'{task.name}' is a {Role(task.lane).label}'s task.")
    if task.directorate_code and user.directorate_code != task.directorate_code:
        raise PermissionDenied(f"'{task.name}' belongs to directorate {task.directorate_code}.")
    if task.assignee_id is not None and task.assignee_id != user.id:
        raise PermissionDenied(f"'{task.name}' is assigned to someone else; it must be "
                               "reassigned to you first.")


def complete_task(session: Session, task_id: str, user: User, data: dict[str, Any], *,
                  clock: Clock, row: OpenTask | None = None) -> Loaded:
    """Complete a READY user task with form `data` (already validated by the service).
    `row` is the task's OpenTask when the caller has just read it (saves a query)."""
    if row is None or row.task_id != task_id:
        row = open_task(session, task_id)
    check_can_work(user, row)
    loaded = load(session, row.case_id)
    try:
        task = loaded.workflow.get_task_from_id(UUID(task_id))
    except SpiffWorkflowException:
        task = None  # the projection was ahead of a state another writer replaced
    if task is None or task.state != TaskState.READY:
        raise Conflict(f"'{row.name}' was already completed by someone else.")
    before = dict(task.data)
    task.data.update(_checked_data(data))
    _run_engine(loaded.workflow, task)
    changed = {k: _jsonable(v) for k, v in task.data.items() if before.get(k, _MISSING) != v}
    session.add(CaseEvent(case_id=row.case_id, at=clock.now(), actor_id=user.id,
                          kind="task_completed", element_id=row.element_id,
                          summary=f"{row.name} completed", data={"changed": changed}))
    _save(session, loaded, clock)
    return loaded


def send_signal(session: Session, case_id: int, signal: str, *, clock: Clock) -> Loaded:
    """Deliver a BPMN signal (e.g. a statutory period expiring) to the case's workflow."""
    loaded = load(session, case_id)
    try:
        loaded.workflow.send_event(BpmnEvent(SignalEventDefinition(signal)))
    except SpiffWorkflowException as exc:
        raise Conflict(f"The process is not waiting for {signal!r}.") from exc
    _run_engine(loaded.workflow)
    session.add(CaseEvent(case_id=case_id, at=clock.now(), actor_id=None, kind="signal",
                          element_id=signal, summary=f"Signal {signal} received"))
    _save(session, loaded, clock)
    return loaded


def lane_assignee(case: AuditCase, lane: str) -> int | None:
    return {Role.AUDITOR.value: case.auditor_id,
            Role.SUPERVISOR.value: case.supervisor_id}.get(lane)


_MISSING = object()


def _checked_data(data: dict[str, Any]) -> dict[str, Any]:
    for key in data:
        if not isinstance(key, str) or not key.isidentifier() or key.startswith("_"):
            raise ValidationFailed(f"Field name {key!r} is not allowed in process data.")
    return data


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _run_engine(workflow: BpmnWorkflow, task: Any = None) -> None:
    try:
        if task is not None:
            task.run()
        workflow.do_engine_steps()
    except ScriptRefused:
        raise
    except SpiffWorkflowException as exc:
        refusal = _refusal_in(exc)
        if refusal is not None:
            raise refusal from exc
        raise DomainError(f"The process could not continue: {exc}") from exc


def _refusal_in(exc: BaseException) -> ScriptRefused | None:
    """The sandbox's refusal, however deep SpiffWorkflow (e.g. its DMN engine) wrapped it."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ScriptRefused):
            return current
        todo += [getattr(current, "exception", None), current.__cause__, current.__context__]
    return None


def _save(session: Session, loaded: Loaded, clock: Clock) -> None:
    instance, workflow = loaded.instance, loaded.workflow
    instance.state = serializer.dumps(workflow)
    instance.state_format = serializer.STATE_FORMAT
    instance.updated_at = clock.now()
    instance.status = "completed" if workflow.is_completed() else "running"
    try:
        session.flush()  # UPDATE ... WHERE version = <read>: the compare-and-swap
    except StaleDataError:
        raise Conflict("Someone else moved this case on at the same time; reload and try "
                       "again.") from None
    _sync_open_tasks(session, loaded, clock)
    if workflow.is_completed():
        _close_case(session, loaded, clock)
    session.flush()


def _sync_open_tasks(session: Session, loaded: Loaded, clock: Clock) -> None:
    instance, case = loaded.instance, loaded.case
    ready = {str(t.id): t for t in loaded.workflow.get_tasks(state=TaskState.READY, manual=True)}
    existing = {o.task_id: o for o in session.scalars(
        select(OpenTask).where(OpenTask.instance_id == instance.id))}
    gone = [tid for tid in existing if tid not in ready]
    for tid in gone:
        session.delete(existing[tid])
    if gone:
        session.execute(delete(WorkflowTimer).where(
            WorkflowTimer.instance_id == instance.id, WorkflowTimer.task_id.in_(gone),
            WorkflowTimer.fired_at.is_(None)))
    now = clock.now()
    for tid, task in ready.items():
        if tid in existing:
            continue
        spec = task.task_spec
        props = (getattr(spec, "extensions", None) or {}).get("properties", {})
        due_on = _due_on(session, task, props, now)
        due_at = end_of_day_utc(due_on)
        lane = spec.lane or Role.AUDITOR.value
        session.add(OpenTask(instance_id=instance.id, case_id=case.id, task_id=tid,
                             element_id=spec.name, name=spec.bpmn_name or spec.name, lane=lane,
                             directorate_code=case.directorate_code,
                             assignee_id=lane_assignee(case, lane), opened_at=now,
                             due_on=due_on, due_at=due_at))
        signal = props.get("timer_signal")
        session.add(WorkflowTimer(instance_id=instance.id, task_id=tid,
                                  element_id=signal or spec.name,
                                  kind="timer" if signal else "escalation", due_at=due_at))


def _due_on(session: Session, task: Any, props: dict[str, str], now: dt.datetime) -> dt.date:
    """A date the process data names (e.g. the reply date on the observation), else today in
    Pakistan plus the days the deadline rule in force today allows."""
    var = props.get("due_date_var")
    value = task.data.get(var) if var else None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    today = local_date(now)
    key = props.get("sla_key")
    if not key:
        raise DomainError(f"User task {task.task_spec.name} has no sla_key property.")
    return today + dt.timedelta(days=days_for(session, key, today))


def _close_case(session: Session, loaded: Loaded, clock: Clock) -> None:
    case = loaded.case
    for task in loaded.workflow.get_tasks(state=TaskState.COMPLETED):
        props = (getattr(task.task_spec, "extensions", None) or {}).get("properties", {})
        status = props.get("case_status")
        if status and case.status != status:
            case.status = status
            case.closed_at = clock.now()
            session.add(CaseEvent(case_id=case.id, at=clock.now(), actor_id=None,
                                  kind="case_closed", element_id=task.task_spec.name,
                                  summary=f"Case ended: {task.task_spec.bpmn_name}",
                                  data={"status": status}))
            handoffs.process_ended(session, case, process_id=loaded.instance.process_id,
                                   status=status, clock=clock)
