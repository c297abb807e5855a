"""1,000 concurrent attempts to claim, reassign and complete the same few tasks, over HTTP against
gunicorn with 4 workers on PostgreSQL: counts lost updates and steps run twice (should be 0).

    .venv/bin/python bench/races.py [--attempts 1000] [--tasks 25] [--clients 16] [--workers 4]
                                    [--database URL | --postgres]

Builds a throwaway PostgreSQL database with `--tasks` audit cases waiting at *Review findings*
(each with one finding, so approving posts the short levy to the ledger as `detected`), puts the
review tasks in the pool (unassigned), serves the app with `gunicorn --workers 4` and has
`--clients` threads fire `--attempts` requests at once, each a random supervisor of the case's
directorate (three per directorate, personal tokens) doing a random claim, reassignment (to one
of the three) or completion (approve) of a random one of the tasks. Then it checks, per task,
from the database:

- lost updates: replaying the timeline in commit order, every claim took an unassigned task
  (or the claimer's own), every reassignment started from the assignee the previous event
  left, the completion was by the assignee of the time; and each 200 answer has exactly one
  timeline event (no success without its event, no event without its success);
- double steps: exactly one `task_completed` event for the review, the workflow instance
  moved on by exactly one version, the next task (the observation) open once, and the
  ledger's `detected` account equal to the finding's short levy (posted once).

Prints JSON: attempts, statuses, successes per operation, conflicts, lost updates, double steps,
wall and client CPU time, and the load average.
"""
from __future__ import annotations

import argparse
import http.client
import json
import random
import sys
import threading
import time
from collections import Counter
from decimal import Decimal
from typing import Any

from workflow_world import DEFAULT_PG, World, chosen_url, database_args, load_average
from workflow_throughput import ROOT, _free_port, _wait_ready
from sqlalchemy import select, update
import subprocess

from audit_app.auth.service import create_user, issue_api_token
from audit_app.db import get_session
from audit_app.models import (AuditCase, CaseEvent, OpenTask, Role, TariffRate, User,
                              WorkflowInstance)
from audit_app.services import ledger
from audit_app.services.findings import CorrectFacts, record_finding
from workflow_world import PASSWORD

PLAN = {"audit_type": "desk", "planned_scope": "GDs of 2025", "period_from": "2025-01-01",
        "period_to": "2025-12-31"}
NOTICE = {"notice_date": "2026-01-06", "records_due_date": "2026-01-20"}
RATES = {"cd_rate": Decimal("0.20"), "rd_rate": Decimal(0), "acd_rate": Decimal("0.02"),
         "st_rate": Decimal("0.18"), "ast_rate": Decimal("0.03"), "it_rate": Decimal("0.055")}


def prepare(world: World, n: int) -> dict[str, Any]:
    """`n` cases at review_findings in the pool; three supervisors per directorate."""
    import datetime as dt
    world.add_people(auditors=1)
    with world.app.app_context():
        session = get_session()
        session.add(TariffRate(hs_code="84713010", valid_from=dt.date(2024, 7, 1),
                               description="bench", row_hash="bench", **RATES))
        for name in list(world.users):
            if not name.startswith("supervisor-"):
                continue
            user = session.get(User, world.users[name])
            for extra in ("2", "3"):
                other = create_user(session, f"{name}{extra}", PASSWORD, f"{name}{extra}".title(),
                                    [Role.SUPERVISOR], directorate_code=user.directorate_code)
                _, plain = issue_api_token(session, f"{name}{extra} bench",
                                           ["tasks:read", "tasks:write"], user=other)
                world.users[f"{name}{extra}"], world.tokens[f"{name}{extra}"] = other.id, plain
        session.commit()
    case_ids = world.add_cases(n)
    client = world.app.test_client()

    def do(case: AuditCase, element: str, who: str, form: dict[str, Any]) -> None:
        with world.app.app_context():
            task_id = get_session().scalar(select(OpenTask.task_id).where(
                OpenTask.case_id == case.id, OpenTask.element_id == element))
        r = client.post(f"/api/v1/tasks/{task_id}/complete", json=form,
                        headers=world.bearer(who))
        assert r.status_code == 200, (element, r.get_data(as_text=True)[:500])

    for case_id in case_ids:
        with world.app.app_context():
            case = get_session().get(AuditCase, case_id)
        sup = world.supervisor_of(case.directorate_code)
        auditor = world.auditors_of(case.directorate_code)[0]
        do(case, "assign_auditor", sup, {"auditor_id": world.users[auditor]})
        do(case, "prepare_plan", auditor, PLAN)
        do(case, "issue_notice", auditor, NOTICE)
        with world.app.app_context():
            session = get_session()
            case = session.get(AuditCase, case_id)
            record_finding(session, case.items[0].id, session.get(User, world.users[auditor]),
                           CorrectFacts(value_pkr=Decimal(1_500_000)),
                           evidence="Supplier invoice", clock=world.clock)
            session.commit()
        do(case, "examine_records", auditor, {})
    with world.app.app_context():
        session = get_session()
        rows = session.execute(select(OpenTask.task_id, OpenTask.case_id, AuditCase.directorate_code)
                               .join(AuditCase, AuditCase.id == OpenTask.case_id)
                               .where(OpenTask.element_id == "review_findings")).all()
        session.execute(update(OpenTask).where(OpenTask.element_id == "review_findings")
                        .values(assignee_id=None))
        versions = dict(session.execute(select(WorkflowInstance.case_id, WorkflowInstance.version)
                                        .where(WorkflowInstance.process_id == "pca_audit")).all())
        session.commit()
    return {"tasks": [(t, c, d) for t, c, d in rows], "versions": versions,
            "since_event": _last_event_id(world)}


def _last_event_id(world: World) -> int:
    with world.app.app_context():
        return get_session().scalar(select(CaseEvent.id).order_by(CaseEvent.id.desc())
                                    .limit(1)) or 0


def fire(port: int, world: World, tasks: list[tuple[str, int, str]], attempts: int,
         clients: int) -> list[tuple[str, str, int, int]]:
    rnd = random.Random(2026)
    plan = []
    for _ in range(attempts):
        task_id, case_id, directorate = rnd.choice(tasks)
        sups = [world.supervisor_of(directorate) + s for s in ("", "2", "3")]
        me = rnd.choice(sups)
        op = rnd.choices(("claim", "reassign", "complete"), (3, 3, 1))[0]
        body = ({"assignee_id": world.users[rnd.choice(sups)]} if op == "reassign"
                else {"decision": "approve"} if op == "complete" else {})
        plan.append((task_id, op, me, json.dumps(body).encode()))
    results: list[tuple[str, str, int, int]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients)
    chunks = [plan[i::clients] for i in range(clients)]

    def client(mine: list[tuple[str, str, str, bytes]]) -> None:
        barrier.wait()
        for task_id, op, me, body in mine:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                conn.request("POST", f"/api/v1/tasks/{task_id}/{op}", body=body,
                             headers={"Authorization": f"Bearer {world.tokens[me]}",
                                      "Content-Type": "application/json"})
                response = conn.getresponse()
                response.read()
                status = response.status
                conn.close()
            except OSError:
                status = 0
            with lock:
                results.append((task_id, op, world.users[me], status))

    threads = [threading.Thread(target=client, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def verify(world: World, prepared: dict[str, Any],
           results: list[tuple[str, str, int, int]]) -> dict[str, Any]:
    lost, double, problems = 0, 0, []
    with world.app.app_context():
        session = get_session()
        for task_id, case_id, _ in prepared["tasks"]:
            ok = Counter(op for t, op, _, status in results if t == task_id and status == 200)
            events = list(session.scalars(select(CaseEvent).where(
                CaseEvent.case_id == case_id, CaseEvent.id > prepared["since_event"],
                CaseEvent.kind.in_(["task_claimed", "task_reassigned", "task_completed"]))
                .order_by(CaseEvent.id)))
            events = [e for e in events
                      if e.kind != "task_completed" or e.element_id == "review_findings"]
            kinds = Counter(e.kind for e in events)
            for op, kind in (("claim", "task_claimed"), ("reassign", "task_reassigned"),
                             ("complete", "task_completed")):
                if ok[op] != kinds[kind]:
                    lost += 1
                    problems.append(f"case {case_id}: {ok[op]} x 200 {op} but {kinds[kind]} events")
            assignee = None
            for e in events:
                if e.kind == "task_claimed":
                    if assignee not in (None, e.actor_id):
                        lost += 1
                        problems.append(f"case {case_id}: claim by {e.actor_id} overwrote {assignee}")
                    assignee = e.actor_id
                elif e.kind == "task_reassigned":
                    if e.data["from_user_id"] != assignee:
                        lost += 1
                        problems.append(f"case {case_id}: reassignment from {e.data['from_user_id']}"
                                        f" but the task was {assignee}'s")
                    assignee = e.data["to_user_id"]
                else:
                    if assignee not in (None, e.actor_id):
                        lost += 1
                        problems.append(f"case {case_id}: completed by {e.actor_id}, "
                                        f"assigned to {assignee}")
                    break
            version = session.scalar(select(WorkflowInstance.version).where(
                WorkflowInstance.case_id == case_id, WorkflowInstance.process_id == "pca_audit"))
            open_now = sorted(session.scalars(select(OpenTask.element_id)
                                              .where(OpenTask.case_id == case_id)))
            case = session.get(AuditCase, case_id)
            finding = case.items[0].finding
            short = {levy: getattr(finding, f"short_{levy}_pkr") or Decimal(0)
                     for levy in ledger.DUTY_LEVIES}
            detected = ledger.balances(session, case_id)["detected"]
            completions = kinds["task_completed"]
            if completions > 1:
                double += completions - 1
                problems.append(f"case {case_id}: review completed {completions} times")
            expected_version = prepared["versions"][case_id] + min(completions, 1)
            if version != expected_version:
                double += 1
                problems.append(f"case {case_id}: version {version}, expected {expected_version}")
            if completions and (open_now != ["issue_observation"]
                                or any(detected[k] != v for k, v in short.items())):
                double += 1
                problems.append(f"case {case_id}: open {open_now}, detected {dict(detected)}")
    return {"lost_updates": lost, "double_steps": double, "problems": problems[:20]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--tasks", type=int, default=25)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    database_args(parser)
    args = parser.parse_args()
    url = chosen_url(args)
    if url == "sqlite":
        url = DEFAULT_PG  # the figure is for PostgreSQL, where writers really run at once
    world = World.create(url)
    proc = None
    try:
        began = time.perf_counter()
        prepared = prepare(world, args.tasks)
        setup_s = time.perf_counter() - began
        port = _free_port()
        proc = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", str(args.workers),
             "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "audit_app.wsgi:app"],
            cwd=ROOT, env=world.env(), stdout=subprocess.DEVNULL, stderr=sys.stderr)
        _wait_ready(port, proc, timeout=300)  # 4 workers import the app at once on a busy box
        cpu = time.process_time()
        began = time.perf_counter()
        results = fire(port, world, prepared["tasks"], args.attempts, args.clients)
        wall = time.perf_counter() - began
        cpu = time.process_time() - cpu
        statuses = Counter(status for *_, status in results)
        successes = Counter(op for _, op, _, status in results if status == 200)
        checked = verify(world, prepared, results)
        json.dump({"database": world.kind, "gunicorn_workers": args.workers,
                   "clients": args.clients, "tasks": len(prepared["tasks"]),
                   "attempts": len(results),
                   "statuses": {str(k): v for k, v in sorted(statuses.items())},
                   "successes": sum(successes.values()),
                   "successes_by_operation": dict(successes),
                   "conflicts": statuses.get(409, 0), "refused_403": statuses.get(403, 0),
                   "server_errors": sum(v for k, v in statuses.items() if k >= 500 or k == 0),
                   **checked, "setup_s": round(setup_s, 1), "wall_s": round(wall, 2),
                   "client_cpu_s": round(cpu, 2), "load_average": load_average()},
                  sys.stdout, indent=2)
        print()
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        world.close()


if __name__ == "__main__":
    main()
