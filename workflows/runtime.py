"""Start, load, advance and save the workflow instances of a case.

A case runs several processes, one after another and sometimes side by side: the audit, then
adjudication, disputes and recovery; a process may run again (a remand starts a new
adjudication). Each is a `WorkflowInstance`; tasks, timers and signals name their instance.

Every step ends in `_save`: the state is written with a compare-and-swap on
`WorkflowInstance.version`, then the `OpenTask` / `WorkflowTimer` projections are rewritten and,
when the process has ended, the case status follows the end event reached and the hand-offs
registered for that status run (`handoffs`). A stale writer gets `Conflict`; the caller rolls
back. Services call this module and flush; only HTTP handlers and commands commit.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable
from uuid import UUID

from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import SignalEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, delete, exists, select, text
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
    """A new instance on the current spec of `process_id`, run to its first user task.
    A process already running on the case is not started twice (a hand-off replayed, two
    officers at once): `Conflict`."""
    return start_many(session, [(case, data)], clock=clock, actor_id=actor_id,
                      process_id=process_id)[0]


def start_many(session: Session, cases: list[tuple[AuditCase, dict[str, Any] | None]], *,
               clock: Clock, actor_id: int | None,
               process_id: str = PROCESS_ID) -> list[Loaded]:
    """`start` for many cases at once (case, its process data): each process is built and run
    by SpiffWorkflow exactly as `start` does, but the rows (instances, timeline events, open
    tasks, timers) are written in a few set-based flushes instead of a handful of round trips
    per case. `Conflict` if the process already runs on any of them (nothing is started)."""
    if not cases:
        return []
    session.flush()
    ids = [case.id for case, _ in cases]
    if len(set(ids)) != len(ids):
        raise ValidationFailed(f"A case is listed twice to start process {process_id}.")
    running: list[int] = []
    for chunk in range(0, len(ids), 500):
        running += session.scalars(select(WorkflowInstance.case_id).where(
            WorkflowInstance.case_id.in_(ids[chunk:chunk + 500]),
            WorkflowInstance.process_id == process_id,
            WorkflowInstance.status == "running")).all()
    if running:
        numbers = sorted(case.case_number for case, _ in cases if case.id in set(running))
        raise Conflict(f"Process {process_id} is already running on case "
                       f"{', '.join(numbers[:5])}{' and others' if len(numbers) > 5 else ''}.")
    spec = library().current(process_id)
    now = clock.now()
    started = []
    for case, data in cases:
        workflow = BpmnWorkflow(spec.spec, spec.subprocess_specs, script_engine=ENGINE)
        workflow.data.update(_checked_data(data or {}))
        for first in workflow.get_tasks(state=TaskState.READY):
            first.data.update(data or {})  # task data, so the first gateways can read it
        _run_engine(workflow)
        instance = WorkflowInstance(case_id=case.id, process_id=process_id,
                                    spec_hash=spec.spec_hash, state="",
                                    state_format=serializer.STATE_FORMAT,
                                    created_at=now, updated_at=now)
        session.add(instance)
        session.add(CaseEvent(case_id=case.id, at=now, actor_id=actor_id,
                              kind="process_started", element_id=process_id,
                              summary=f"Process {process_id} started "
                              f"(version {spec.spec_hash[:12]})"))
        if case.closed_at is not None:  # a case is closed while none of its processes runs
            case.closed_at = None
        started.append(Loaded(case, instance, workflow, spec))
    _save_all(session, started, clock)
    return started


def load(session: Session, case_id: int, *, process_id: str | None = None) -> Loaded:
    """The case's instance of `process_id` (any process when None): the running one, else the
    latest to have run."""
    query = select(WorkflowInstance.id).where(WorkflowInstance.case_id == case_id)
    if process_id is not None:
        query = query.where(WorkflowInstance.process_id == process_id)
    instance_id = session.scalar(query.order_by((WorkflowInstance.status == "running").desc(),
                                                WorkflowInstance.id.desc()).limit(1))
    if instance_id is None:
        raise NotFound(f"Case {case_id} has no workflow"
                       + (f" for process {process_id}." if process_id else "."))
    return load_instance(session, instance_id)


def load_instance(session: Session, instance_id: int) -> Loaded:
    instance = session.get(WorkflowInstance, instance_id)
    if instance is None:
        raise NotFound(f"No workflow instance {instance_id}.")
    case = session.get(AuditCase, instance.case_id)
    assert case is not None
    spec = library().get(instance.process_id, instance.spec_hash)
    workflow = serializer.loads(instance.state, instance.state_format, spec)
    workflow.script_engine = ENGINE
    return Loaded(case, instance, workflow, spec)


def instances(session: Session, case_id: int, *, process_id: str | None = None,
              running: bool | None = None) -> list[WorkflowInstance]:
    """The case's instances, oldest first."""
    query = select(WorkflowInstance).where(WorkflowInstance.case_id == case_id)
    if process_id is not None:
        query = query.where(WorkflowInstance.process_id == process_id)
    if running is not None:
        query = query.where((WorkflowInstance.status == "running") == running)
    return list(session.scalars(query.order_by(WorkflowInstance.id)))


@dataclass(frozen=True)
class Diagram:
    """What bpmn-js needs: the XML the instance runs on, and the elements waiting for people."""

    bpmn_xml: str
    spec_hash: str
    active_elements: list[str]
    process_id: str = PROCESS_ID
    instance_id: int | None = None
    status: str = "running"  # running | completed
    end_status: str | None = None  # the case status its end event set
    started_at: dt.datetime | None = None


def diagrams(session: Session, case_id: int) -> list[Diagram]:
    """Every process the case has run or runs, oldest first, each with its active elements.
    Read from columns only (the work-queue projections), never the serialized state."""
    rows = session.execute(select(WorkflowInstance.id, WorkflowInstance.process_id,
                                  WorkflowInstance.spec_hash, WorkflowInstance.status,
                                  WorkflowInstance.end_status, WorkflowInstance.created_at)
                           .where(WorkflowInstance.case_id == case_id)
                           .order_by(WorkflowInstance.id)).all()
    active: dict[int, list[str]] = {}
    for instance_id, element in session.execute(
            select(OpenTask.instance_id, OpenTask.element_id)
            .where(OpenTask.case_id == case_id).order_by(OpenTask.id)):
        active.setdefault(instance_id, []).append(element)
    result = []
    for row in rows:
        spec = library().get(row.process_id, row.spec_hash)
        result.append(Diagram(spec.source, spec.spec_hash, active.get(row.id, []),
                              row.process_id, row.id, row.status, row.end_status,
                              row.created_at))
    return result


def diagram(session: Session, case_id: int) -> Diagram:
    """The case's current process: the latest running instance, else the latest one."""
    pictures = diagrams(session, case_id)
    if not pictures:
        raise NotFound(f"Case {case_id} has no workflow.")
    running = [d for d in pictures if d.status == "running"]
    return (running or pictures)[-1]


# `open_task`'s statements, built once (claims, reassignments and completions run them).
_OPEN_TASK = select(OpenTask).where(OpenTask.task_id == bindparam("task_id"))
_OPEN_TASK_FRESH = _OPEN_TASK.execution_options(populate_existing=True)
_OPEN_TASK_LOCKED = _OPEN_TASK_FRESH.with_for_update()
_TAKE_SQLITE_WRITE_LOCK = text("UPDATE open_tasks SET version = version WHERE task_id = :t")


def open_task(session: Session, task_id: str, *, lock: bool = False) -> OpenTask:
    """The open task `task_id`, or `Conflict` when it is gone.

    `lock=True` (claim, reassign, complete): the caller is about to decide on the row, so take
    it for this transaction first and read its latest committed values. PostgreSQL: `SELECT
    ... FOR UPDATE` (a concurrent claimer waits, then finds the task changed or gone). SQLite
    has one writer at a time but pysqlite reads outside a transaction until the first write:
    a no-op UPDATE takes the write lock before the read, so nobody commits in between. The
    version column still catches a writer that decided on an older read of the row."""
    query = _OPEN_TASK
    if lock:
        if session.get_bind().dialect.name == "sqlite":
            session.execute(_TAKE_SQLITE_WRITE_LOCK, {"t": task_id})
            query = _OPEN_TASK_FRESH
        else:
            query = _OPEN_TASK_LOCKED
    task = session.scalar(query, {"task_id": task_id})
    if task is None:
        raise Conflict("This task is no longer open: it was completed or cancelled meanwhile.")
    return task


# Extra checks a process's service adds for its lanes, e.g. adjudication: the officer holds
# jurisdiction over the amount and did not frame the case. guard(user, task) raises
# PermissionDenied. Registered by the modules in `handoffs.HANDOFF_MODULES` on import.
LaneGuard = Callable[[User, OpenTask], None]
LANE_GUARDS: dict[str, list[LaneGuard]] = {}


def lane_guard(lane: str) -> Callable[[LaneGuard], LaneGuard]:
    def register(guard: LaneGuard) -> LaneGuard:
        if guard not in LANE_GUARDS.setdefault(lane, []):
            LANE_GUARDS[lane].append(guard)
        return guard
    return register


# What a process's service does after every step of one of its instances (e.g. copy the
# decision a DMN table took onto its own row): listener(session, loaded, clock). Runs after
# the projections and any hand-off; registered by the modules in `handoffs.HANDOFF_MODULES`.
StepListener = Callable[[Session, "Loaded", Clock], None]
STEP_LISTENERS: dict[str, list[StepListener]] = {}


def after_step(process_id: str) -> Callable[[StepListener], StepListener]:
    def register(listener: StepListener) -> StepListener:
        if listener not in STEP_LISTENERS.setdefault(process_id, []):
            STEP_LISTENERS[process_id].append(listener)
        return listener
    return register


# Who an overdue task of a lane escalates to, for lanes outside the PCA directorate:
# target(session, case, task) -> user id or None. Audit lanes escalate to the case's supervisor.
EscalationTarget = Callable[[Session, AuditCase, OpenTask], "int | None"]
ESCALATION_TARGETS: dict[str, EscalationTarget] = {}


def escalation_target(session: Session, case: AuditCase, task: OpenTask) -> int | None:
    handoffs.load_modules()
    target = ESCALATION_TARGETS.get(task.lane)
    return target(session, case, task) if target else case.supervisor_id


def check_can_work(user: User, task: OpenTask) -> None:
    """The user holds the task's lane role, sits in the task's office (when it has one), the
    task is theirs or unassigned, and the lane's own guards pass.

    The office (`OpenTask.directorate_code`, see `lane_office`) is the PCA directorate for the
    audit lanes and the adjudication collectorate for adjudication and recovery; appellate
    tasks have none, since appellate forums hear appeals from every collectorate. An officer
    with no office of their own (`User.directorate_code` None) works only office-less tasks.
    """
    if not user.has_role(Role(task.lane)):
        raise PermissionDenied(f"'{task.name}' is a {Role(task.lane).label}'s task.")
    if task.directorate_code and user.directorate_code != task.directorate_code:
        raise PermissionDenied(f"'{task.name}' belongs to office {task.directorate_code}.")
    if task.assignee_id is not None and task.assignee_id != user.id:
        raise PermissionDenied(f"'{task.name}' is assigned to someone else; it must be "
                               "reassigned to you first.")
    handoffs.load_modules()
    for guard in LANE_GUARDS.get(task.lane, []):
        guard(user, task)


def complete_task(session: Session, task_id: str, user: User, data: dict[str, Any], *,
                  clock: Clock, row: OpenTask | None = None) -> Loaded:
    """Complete a READY user task with form `data` (already validated by the service).
    `row` is the task's OpenTask when the caller has just read it (saves a query)."""
    if row is None or row.task_id != task_id:
        row = open_task(session, task_id, lock=True)
    check_can_work(user, row)
    loaded = load_instance(session, row.instance_id)
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


def send_signal(session: Session, case_id: int, signal: str, *, clock: Clock,
                instance_id: int | None = None, payload: Any = None,
                actor_id: int | None = None) -> Loaded:
    """Deliver a BPMN signal (e.g. a statutory period expiring) to one instance of the case:
    `instance_id`, else the case's latest running instance. `payload` lands in the catching
    event's `spiffworkflow:variableName` (e.g. the amount paid when a demand is settled);
    `actor_id`: whose action raised the signal (None: the system, e.g. a timer)."""
    if instance_id is None:
        running = instances(session, case_id, running=True)
        if not running:
            raise Conflict(f"Case {case_id} has no running process to receive {signal!r}.")
        instance_id = running[-1].id
    loaded = load_instance(session, instance_id)
    if loaded.instance.case_id != case_id:
        raise NotFound(f"Workflow instance {instance_id} is not case {case_id}'s.")
    try:
        loaded.workflow.send_event(BpmnEvent(SignalEventDefinition(signal), payload=payload))
    except SpiffWorkflowException as exc:
        raise Conflict(f"The process is not waiting for {signal!r}.") from exc
    _run_engine(loaded.workflow)
    session.add(CaseEvent(case_id=case_id, at=clock.now(), actor_id=actor_id, kind="signal",
                          element_id=signal, summary=f"Signal {signal} received"))
    _save(session, loaded, clock)
    return loaded


def lane_assignee(case: AuditCase, lane: str) -> int | None:
    """Who a new task of `lane` goes to: the case's officer for that lane, when known."""
    return {Role.AUDITOR.value: case.auditor_id,
            Role.SUPERVISOR.value: case.supervisor_id,
            Role.ADJUDICATION_OFFICER.value: case.adjudicating_officer_id,
            Role.APPELLATE_OFFICER.value: case.appellate_officer_id,
            Role.RECOVERY_OFFICER.value: case.recovery_officer_id}.get(lane)


def lane_office(case: AuditCase, lane: str) -> str | None:
    """The office whose officers work tasks of `lane` (None: officers of any office).

    Audit lanes: the case's PCA directorate. Adjudication: the adjudication collectorate the
    contravention report went to (`case.adjudication_office`, None until set: then any officer
    whose jurisdiction covers the amount). Recovery: the same collectorate, since the demand
    is recovered where it was adjudged. Appellate forums hear appeals from every collectorate.
    """
    if lane in (Role.ADJUDICATION_OFFICER.value, Role.RECOVERY_OFFICER.value):
        return case.adjudication_office
    if lane in (Role.APPELLATE_OFFICER.value, Role.MANAGEMENT.value,
                Role.COMMITTEE_MEMBER.value, Role.ADMINISTRATOR.value):
        return None
    return case.directorate_code


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
    _save_all(session, [loaded], clock)


def _save_all(session: Session, loadeds: list[Loaded], clock: Clock) -> None:
    """Write the instances (the compare-and-swap flush), then their projections in one more
    flush; end the processes that ended; run the step listeners.

    Two flushes, whatever the number of instances and tasks: the state update goes first and
    alone, so a stale writer fails on its first write (before touching any task row), and the
    projection changes are queued with autoflush off so a query in between (the deadline
    rule) does not flush them piecemeal."""
    ended_now, fresh = set(), set()
    for loaded in loadeds:
        instance, workflow = loaded.instance, loaded.workflow
        if workflow.is_completed() and instance.status != "completed":
            ended_now.add(id(loaded))
        if instance.id is None:
            fresh.add(id(loaded))
        instance.state = serializer.dumps(workflow)
        instance.state_format = serializer.STATE_FORMAT
        instance.updated_at = clock.now()
        instance.status = "completed" if workflow.is_completed() else "running"
    try:
        session.flush()  # UPDATE ... WHERE version = <read>: the compare-and-swap
    except StaleDataError:
        raise Conflict("Someone else moved this case on at the same time; reload and try "
                       "again.") from None
    try:
        with session.no_autoflush:
            _sync_open_tasks(session, [lo for lo in loadeds if id(lo) not in fresh],
                             [lo for lo in loadeds if id(lo) in fresh], clock)
        for loaded in loadeds:
            if id(loaded) in ended_now:
                _close_process(session, loaded, clock)
        session.flush()
    except StaleDataError:  # an open task claimed, reassigned or escalated meanwhile
        raise Conflict("Someone else changed this task at the same time; reload and try "
                       "again.") from None
    handoffs.load_modules()
    for loaded in loadeds:
        for listener in STEP_LISTENERS.get(loaded.instance.process_id, []):
            listener(session, loaded, clock)


def _sync_open_tasks(session: Session, stored: list[Loaded], fresh: list[Loaded],
                     clock: Clock) -> None:
    """Rewrite the open-task and timer rows of the instances: rows of tasks no longer READY
    go (with their timers not yet fired), READY tasks without a row get one. `fresh`
    instances were just inserted and have no rows yet (no query for them). Runs with
    autoflush off: the changes go out in the caller's next flush."""
    existing: dict[int, dict[str, OpenTask]] = {lo.instance.id: {} for lo in stored}
    with_timers: dict[int, set[str]] = {lo.instance.id: set() for lo in stored}
    if stored:
        # One query for the rows and whether each still has a timer to cancel.
        pending_timer = exists().where(WorkflowTimer.instance_id == OpenTask.instance_id,
                                       WorkflowTimer.task_id == OpenTask.task_id,
                                       WorkflowTimer.fired_at.is_(None))
        for row, has_timer in session.execute(
                select(OpenTask, pending_timer.label("has_timer"))
                .where(OpenTask.instance_id.in_(list(existing)))):
            existing[row.instance_id][row.task_id] = row
            if has_timer:
                with_timers[row.instance_id].add(row.task_id)
    now = clock.now()
    days: dict[tuple[str, dt.date], int] = {}
    for loaded in [*stored, *fresh]:
        instance, case = loaded.instance, loaded.case
        ready = {str(t.id): t
                 for t in loaded.workflow.get_tasks(state=TaskState.READY, manual=True)}
        rows = existing.get(instance.id, {})
        gone = [tid for tid in rows if tid not in ready]
        for tid in gone:
            session.delete(rows[tid])
        cancel = [tid for tid in gone if tid in with_timers.get(instance.id, ())]
        if cancel:
            # Conditional, as a statement: a timer a worker fired meanwhile keeps its record.
            session.execute(delete(WorkflowTimer).where(
                WorkflowTimer.instance_id == instance.id, WorkflowTimer.task_id.in_(cancel),
                WorkflowTimer.fired_at.is_(None)))
        for tid, task in ready.items():
            if tid in rows:
                continue
            spec = task.task_spec
            props = (getattr(spec, "extensions", None) or {}).get("properties", {})
            due_on = _due_on(session, task, props, now, days)
            due_at = end_of_day_utc(due_on)
            lane = spec.lane or Role.AUDITOR.value
            # assignee "pool": any officer of the lane's office takes it (e.g. allocating).
            assignee = None if props.get("assignee") == "pool" else lane_assignee(case, lane)
            session.add(OpenTask(instance_id=instance.id, case_id=case.id, task_id=tid,
                                 element_id=spec.name, name=spec.bpmn_name or spec.name,
                                 lane=lane, directorate_code=lane_office(case, lane),
                                 assignee_id=assignee, opened_at=now,
                                 due_on=due_on, due_at=due_at))
            signal = props.get("timer_signal")
            session.add(WorkflowTimer(instance_id=instance.id, task_id=tid,
                                      element_id=signal or spec.name,
                                      kind="timer" if signal else "escalation", due_at=due_at))


def _due_on(session: Session, task: Any, props: dict[str, str], now: dt.datetime,
            days: dict[tuple[str, dt.date], int] | None = None) -> dt.date:
    """A date the process data names (e.g. the reply date on the observation), else today in
    Pakistan plus the days the deadline rule in force today allows (`days`: the rules already
    read in this step, by key and day)."""
    var = props.get("due_date_var")
    value = task.data.get(var) if var else None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    today = local_date(now)
    key = props.get("sla_key")
    if not key:
        raise DomainError(f"User task {task.task_spec.name} has no sla_key property.")
    if days is None:
        days = {}
    if (key, today) not in days:
        days[(key, today)] = days_for(session, key, today)
    return today + dt.timedelta(days=days[(key, today)])


def _close_process(session: Session, loaded: Loaded, clock: Clock) -> None:
    """The instance has ended: record the end status it reached on the instance and the case,
    run the hand-offs registered for it (which may start the next process), and mark the case
    closed when none of its processes is left running."""
    case, instance = loaded.case, loaded.instance
    status, end_task, keeps = None, None, ""
    for task in loaded.workflow.get_tasks(state=TaskState.COMPLETED):
        props = (getattr(task.task_spec, "extensions", None) or {}).get("properties", {})
        if props.get("case_status"):
            status, end_task = props["case_status"], task
            keeps = props.get("keeps_case_status", "")
    if status is None or end_task is None:
        _mark_closed_if_idle(session, case, clock)
        return
    instance.end_status = status
    # An end event may leave a status another process reached first in place: an appeal
    # that ends with the demand standing after recovery has collected it all leaves the
    # case "recovered" (`keeps_case_status`, a comma-separated list on the end event).
    if case.status not in {kept.strip() for kept in keeps.split(",") if kept.strip()}:
        case.status = status
    # kind "case_closed" (as before several processes): the status the case reached;
    # the summary names the process, since a hand-off may open the next one at once.
    session.add(CaseEvent(case_id=case.id, at=clock.now(), actor_id=None, kind="case_closed",
                          element_id=end_task.task_spec.name,
                          summary=f"{end_task.task_spec.bpmn_name} ({instance.process_id})",
                          data={"status": status}))
    session.flush()
    handoffs.process_ended(session, case, process_id=instance.process_id, status=status,
                           clock=clock)
    _mark_closed_if_idle(session, case, clock)


def _mark_closed_if_idle(session: Session, case: AuditCase, clock: Clock) -> None:
    session.flush()
    running = session.scalar(select(exists().where(WorkflowInstance.case_id == case.id,
                                                   WorkflowInstance.status == "running")))
    case.closed_at = None if running else (case.closed_at or clock.now())
