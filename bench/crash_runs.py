"""SIGKILL app and timer-worker processes in the middle of a load run, restart them, then prove
that nothing committed was lost, no case was left half-advanced and every timer fired once.

    .venv/bin/python bench/crash_runs.py [--kills 20] [--cases 400] [--clients 6]
                                         [--workers 4] [--timer-workers 2]
                                         [--database URL | --postgres]

Builds a throwaway database (PostgreSQL by default) with `--cases` open audit cases waiting at
*Assign auditor*, each with its SLA escalation timer. Then at once:

- gunicorn (`--workers`) serves the app; `--clients` threads complete the assignment tasks over
  HTTP (`POST /api/v1/tasks/<id>/complete`, the directorate supervisor's personal token), which
  opens *Prepare audit plan* with its own timer;
- `--timer-workers` slots run `pca worker --now T` over and over, T being 120 days ahead
  (simulated time: every escalation of the run is due; nobody sleeps for a deadline);
- a killer sends SIGKILL `--kills` times, at random instants, to a random gunicorn worker (the
  master starts a new one) or a running `pca worker` (its slot starts a new one).

Afterwards one more `pca worker --now T` round runs undisturbed, and the database is checked:

- every completion answered 2xx is there: its `task_completed` event, the auditor it named on
  the case, its open task gone;
- no case half-advanced: each audit instance's READY user tasks (from the saved state) are
  exactly its rows in the open-task table, its version is 1 + the steps on its timeline, and
  the assignment was completed on the timeline iff the state says so;
- every timer fired exactly once: no timer due by T is left unfired, each escalation shows as
  exactly one `sla_breached` event on its task and `escalated_at` on the task when still open.

Prints JSON (kills by kind, requests by status, the violations found, wall and CPU time, the
load average). `tests/workflows/test_crashes.py` runs the same harness with a few kills.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workflow_world import free_port, wait_ready  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402

from audit_app.models import (AuditCase, CaseEvent, OpenTask, WorkflowTimer)

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
# The master loads the app once and forks: a killed worker is replaced in a moment instead of
# importing the app again (half a minute on a busy 2-core machine), so the load keeps running
# between kills. Each worker drops the connection pool it inherited and opens its own.
PRELOAD = Path(__file__).resolve().parent / "gunicorn_preload.py"


@dataclass
class Work:
    task_id: str
    case_id: int
    token: str
    auditor_id: int


@dataclass
class Outcome:
    kills: Counter = field(default_factory=Counter)  # type: ignore[type-arg]
    statuses: Counter = field(default_factory=Counter)  # type: ignore[type-arg]
    committed: list[Work] = field(default_factory=list)  # answered 2xx
    worker_runs: int = 0


def children(pid: int) -> list[int]:
    """The process's direct children (gunicorn's workers), from /proc."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def run(env: dict[str, str], work: list[Work], *, kills: int, now: dt.datetime,
        clients: int = 6, workers: int = 4, timer_workers: int = 2, seed: int = 2026,
        pause: tuple[float, float] = (1.0, 4.0)) -> Outcome:
    """The load, the kills and the restarts; returns what the clients were told."""
    rnd = random.Random(seed)
    outcome = Outcome()
    lock = threading.Lock()
    port = free_port()
    gunicorn = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "--graceful-timeout", "5", "--config", str(PRELOAD),
         "audit_app.wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stop = threading.Event()
    running: dict[int, subprocess.Popen] = {}  # type: ignore[type-arg]
    worker_cmd = [str(BIN / "pca"), "worker", "--now", now.isoformat()]
    try:
        wait_ready(port, gunicorn)
        todo: queue.Queue[Work] = queue.Queue()
        for item in work:
            todo.put(item)

        def client() -> None:
            while not stop.is_set():
                try:
                    item = todo.get_nowait()
                except queue.Empty:
                    return
                body = json.dumps({"auditor_id": item.auditor_id}).encode()
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                    conn.request("POST", f"/api/v1/tasks/{item.task_id}/complete", body=body,
                                 headers={"Authorization": f"Bearer {item.token}",
                                          "Content-Type": "application/json"})
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                    conn.close()
                except (OSError, http.client.HTTPException):
                    status = 0  # the app process died under the request: outcome unknown
                with lock:
                    outcome.statuses[status] += 1
                    if 200 <= status < 300:
                        outcome.committed.append(item)

        def timer_slot() -> None:
            while not stop.is_set():
                proc = subprocess.Popen(worker_cmd, cwd=ROOT, env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                with lock:
                    running[proc.pid] = proc
                proc.wait()
                with lock:
                    running.pop(proc.pid, None)
                    outcome.worker_runs += 1

        threads = ([threading.Thread(target=client) for _ in range(clients)]
                   + [threading.Thread(target=timer_slot) for _ in range(timer_workers)])
        for t in threads:
            t.start()
        for _ in range(kills):
            time.sleep(rnd.uniform(*pause))
            with lock:
                targets = [("app", pid) for pid in children(gunicorn.pid)] + [
                    ("timer_worker", pid) for pid in running]
            if not targets:
                continue
            kind, pid = rnd.choice(targets)
            try:
                os.kill(pid, signal.SIGKILL)
                outcome.kills[kind] += 1
            except ProcessLookupError:
                pass  # it ended by itself meanwhile
        stop.set()
        for t in threads:
            t.join()
    finally:
        stop.set()
        for proc in list(running.values()):
            proc.kill()
        gunicorn.terminate()
        try:
            gunicorn.wait(timeout=30)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
    # One more round nobody interrupts: what the killed workers left is fired now, once.
    subprocess.run(worker_cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return outcome


def verify(session: Session, outcome: Outcome, case_ids: list[int],
           now: dt.datetime) -> dict[str, Any]:
    """The three promises, checked from the database; each list names the violations."""
    from workflows import runtime
    lost: list[str] = []
    half: list[str] = []
    timers: list[str] = []
    for item in outcome.committed:
        case = session.get(AuditCase, item.case_id)
        done = session.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.case_id == item.case_id, CaseEvent.kind == "task_completed",
            CaseEvent.element_id == "assign_auditor"))
        still_open = session.scalar(select(OpenTask.id).where(OpenTask.task_id == item.task_id))
        if done != 1 or case is None or case.auditor_id != item.auditor_id or still_open:
            lost.append(f"case {item.case_id}: answered 2xx but events={done}, "
                        f"auditor={case.auditor_id if case else None}, open={bool(still_open)}")
    for case_id in case_ids:
        (instance,) = runtime.instances(session, case_id, process_id="pca_audit")
        loaded = runtime.load_instance(session, instance.id)
        ready = {str(t.id) for t in loaded.workflow.get_tasks(state=TaskState.READY,
                                                              manual=True)}
        rows = set(session.scalars(select(OpenTask.task_id)
                                   .where(OpenTask.instance_id == instance.id)))
        steps = session.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.case_id == case_id, CaseEvent.kind.in_(["task_completed", "signal"])))
        assigned = any(t.task_spec.name == "assign_auditor"
                       for t in loaded.workflow.get_tasks(state=TaskState.COMPLETED))
        on_timeline = session.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.case_id == case_id, CaseEvent.kind == "task_completed",
            CaseEvent.element_id == "assign_auditor"))
        if ready != rows or instance.version != 1 + steps or assigned != (on_timeline == 1):
            half.append(f"case {case_id}: ready {len(ready)} vs open rows {len(rows)}, "
                        f"version {instance.version} vs {1 + steps} steps, assigned "
                        f"{assigned} vs {on_timeline} events")
    unfired = session.scalar(select(func.count()).select_from(WorkflowTimer).where(
        WorkflowTimer.fired_at.is_(None), WorkflowTimer.due_at <= now))
    if unfired:
        timers.append(f"{unfired} timers due by {now:%Y-%m-%d} never fired")
    breaches = Counter(e.data.get("task_id") for e in session.scalars(
        select(CaseEvent).where(CaseEvent.kind == "sla_breached")))
    fired = list(session.scalars(select(WorkflowTimer).where(
        WorkflowTimer.kind == "escalation", WorkflowTimer.fired_at.is_not(None))))
    escalated = {t.task_id for t in fired if t.outcome == "escalated"}
    twice = {k: v for k, v in breaches.items() if v > 1}
    if twice:
        timers.append(f"{len(twice)} tasks escalated more than once")
    if set(breaches) != escalated:
        timers.append(f"{len(set(breaches) ^ escalated)} escalations without their event "
                      "or events without their timer")
    for task in session.scalars(select(OpenTask).where(OpenTask.task_id.in_(escalated))):
        if task.escalated_at is None:
            timers.append(f"task {task.task_id} escalated without escalated_at")
    return {"committed_2xx": len(outcome.committed), "lost_committed": len(lost),
            "half_advanced_cases": len(half), "timer_violations": len(timers),
            "timers_fired": len(fired), "escalations": len(escalated),
            "fired_twice": sum(v - 1 for v in twice.values()),
            "problems": (lost + half + timers)[:20]}


def main() -> None:
    from workflow_world import DEFAULT_PG, World, chosen_url, database_args, load_average
    from audit_app.db import get_session
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--timer-workers", type=int, default=2)
    database_args(parser)
    args = parser.parse_args()
    url = chosen_url(args)
    world = World.create(DEFAULT_PG if url == "sqlite" else url)
    try:
        world.add_people(auditors=2)
        case_ids = world.add_cases(args.cases)
        work = work_for(world, case_ids)
        now = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=120)
        cpu, began = time.process_time(), time.perf_counter()
        outcome = run(world.env(), work, kills=args.kills, now=now, clients=args.clients,
                      workers=args.workers, timer_workers=args.timer_workers)
        wall, cpu = time.perf_counter() - began, time.process_time() - cpu
        with world.app.app_context():
            checked = verify(get_session(), outcome, case_ids, now)
        json.dump({"database": world.kind, "gunicorn_workers": args.workers,
                   "timer_workers": args.timer_workers, "cases": args.cases,
                   "kills": sum(outcome.kills.values()), "kills_by_kind": dict(outcome.kills),
                   "requests": dict(sorted((str(k), v) for k, v in outcome.statuses.items())),
                   "timer_worker_runs": outcome.worker_runs, **checked,
                   "wall_s": round(wall, 1), "harness_cpu_s": round(cpu, 1),
                   "load_average": load_average()}, sys.stdout, indent=2)
        print()
    finally:
        world.close()


def work_for(world: Any, case_ids: list[int]) -> list[Work]:
    from audit_app.db import get_session
    with world.app.app_context():
        session = get_session()
        rows = session.execute(select(OpenTask.task_id, OpenTask.case_id,
                                      AuditCase.directorate_code)
                               .join(AuditCase, AuditCase.id == OpenTask.case_id)
                               .where(OpenTask.case_id.in_(case_ids))).all()
    return [Work(t, c, world.tokens[world.supervisor_of(d)],
                 world.users[world.auditors_of(d)[c % 2]]) for t, c, d in rows]


if __name__ == "__main__":
    main()
