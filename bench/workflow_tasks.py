"""Completing user tasks through the JSON API, and the work queue, with N open cases.

    .venv/bin/python bench/workflow_tasks.py [--cases 10000] [--samples 400] [--postgres | --database URL]

Builds a throwaway database (SQLite file, or a fresh PostgreSQL database dropped afterwards)
with `--cases` open audit cases in 10 directorates, then, through the app's WSGI stack (the
Flask test client: routing, bearer-token auth, JSON parsing, the service, the runtime's load /
advance / save with its version check, and the commit):

- completes `assign_auditor` on `--samples` cases drawn at random (seeded) as each
  directorate's supervisor, then
  `prepare_plan` on the same cases as the assigned auditor: per-request median and p95;
- loads the work-queue page (`GET /tasks/`, the HTML page) as an auditor and as a supervisor,
  and the JSON list (`GET /api/v1/tasks?list=team`, one page of 50): p95.

Targets (issue 4): completion median < 20 ms and p95 < 50 ms; work-queue page p95 < 100 ms.
With `--throughput-seconds 30` on PostgreSQL it then runs bench/workflow_throughput.py's
gunicorn run on the same database (one 10,000-case build instead of two).
Prints JSON.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from typing import Any

from workflow_world import (DIRECTORATES, PASSWORD, World, chosen_url, database_args,
                            load_average, summary_ms)
from sqlalchemy import event, func, select

from audit_app.db import get_session
from audit_app.models import AuditCase, OpenTask

PLAN = {"audit_type": "desk", "planned_scope": "GDs of 2025", "period_from": "2025-01-01",
        "period_to": "2025-12-31"}


def _open_task(world: World, case_ids: list[int], element: str) -> dict[int, str]:
    with world.app.app_context():
        rows = get_session().execute(select(OpenTask.case_id, OpenTask.task_id).where(
            OpenTask.case_id.in_(case_ids), OpenTask.element_id == element)).all()
    return dict(rows)


class StatementCounter:
    """SQL statements the app's engine sends (executemany counts once), via SQLAlchemy events."""

    def __init__(self, world: World) -> None:
        self.engine = world.app.extensions["pca_db"].engine
        self.count = 0
        event.listen(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def _complete_round(world: World, client: Any, case_ids: list[int], element: str,
                    form_for: Any, cpu: list[float] | None = None,
                    statements: list[int] | None = None) -> tuple[list[float], int]:
    tasks = _open_task(world, case_ids, element)
    with world.app.app_context():
        cases = {c.id: c for c in get_session().scalars(
            select(AuditCase).where(AuditCase.id.in_(case_ids)))}
    seconds, failures = [], 0
    counter = StatementCounter(world) if statements is not None else None
    for case_id in case_ids:
        case = cases[case_id]
        user, form = form_for(case)
        before = counter.count if counter else 0
        began, began_cpu = time.perf_counter(), time.process_time()
        response = client.post(f"/api/v1/tasks/{tasks[case_id]}/complete", json=form,
                               headers=world.bearer(user))
        seconds.append(time.perf_counter() - began)
        if cpu is not None:
            cpu.append(time.process_time() - began_cpu)
        if counter is not None and statements is not None:
            statements.append(counter.count - before)
        if response.status_code != 200:
            failures += 1
            if failures <= 3:
                print(response.status_code, response.get_data(as_text=True)[:300],
                      file=sys.stderr)
    if counter is not None:
        counter.close()
    return seconds, failures


def complete_tasks(world: World, case_ids: list[int], samples: int) -> dict[str, Any]:
    chosen = random.Random(2026).sample(case_ids[:-3], min(samples, len(case_ids) - 3))
    client = world.app.test_client()
    # Warm-up: the spec library, first connections, statement caches (not measured).
    for case_id in case_ids[-3:]:
        with world.app.app_context():
            d = get_session().get(AuditCase, case_id).directorate_code  # type: ignore[union-attr]
        _complete_round(world, client, [case_id], "assign_auditor",
                        lambda c, d=d: (world.supervisor_of(d), {}))
    auditor_of: dict[int, str] = {}

    def assign(case: AuditCase) -> tuple[str, dict[str, Any]]:
        names = world.auditors_of(case.directorate_code)  # type: ignore[arg-type]
        name = names[case.id % len(names)]
        auditor_of[case.id] = name
        return world.supervisor_of(case.directorate_code), {"auditor_id": world.users[name]}  # type: ignore[arg-type]

    cpu: list[float] = []
    statements: list[int] = []
    assign_s, assign_fail = _complete_round(world, client, chosen, "assign_auditor", assign,
                                            cpu, statements)
    plan_s, plan_fail = _complete_round(world, client, chosen, "prepare_plan",
                                        lambda c: (auditor_of[c.id], PLAN), cpu, statements)
    return {"assign_auditor": summary_ms(assign_s), "prepare_plan": summary_ms(plan_s),
            "all": summary_ms(assign_s + plan_s), "failures": assign_fail + plan_fail,
            # This process's CPU per request (the app's Python and, on SQLite, the database):
            # what a request costs when it does not wait for a shared, busy CPU.
            "app_cpu": summary_ms(cpu),
            # Round trips to the database per request (token, task, case, service, state
            # load, compare-and-swap, projections, timeline, the audit log chain; not COMMIT).
            "sql_statements": {"median": sorted(statements)[len(statements) // 2],
                               "max": max(statements)},
            "target": {"median_ms": 20, "p95_ms": 50}}


def work_queue(world: World, rounds: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with world.app.app_context():  # the busiest auditor, and a supervisor with a full queue
        load = dict(get_session().execute(select(OpenTask.assignee_id, func.count())
                                          .group_by(OpenTask.assignee_id)).all())
    by_id = {uid: name for name, uid in world.users.items()}
    auditor = max((n for n in world.users if n.startswith("auditor")),
                  key=lambda n: load.get(world.users[n], 0))
    supervisor = world.supervisor_of(DIRECTORATES[0])
    assert by_id[world.users[supervisor]] == supervisor
    for who in (auditor, supervisor):
        client = world.app.test_client()
        login = client.post("/login", data={"username": who, "password": PASSWORD})
        assert login.status_code == 302, login.status_code
        page = client.get("/tasks/")
        if page.status_code == 404:
            out["page"] = "no /tasks/ page in this version"
            break
        seconds, cpu = [], []
        for _ in range(rounds):
            began, began_cpu = time.perf_counter(), time.process_time()
            response = client.get("/tasks/")
            seconds.append(time.perf_counter() - began)
            cpu.append(time.process_time() - began_cpu)
            assert response.status_code == 200, response.status_code
        role = "supervisor" if who.startswith("supervisor") else "auditor"
        with world.app.app_context():
            uid = world.users[who]
            mine = len(get_session().scalars(select(OpenTask.id).where(
                OpenTask.assignee_id == uid)).all())
        out[f"page_{role}"] = {**summary_ms(seconds), "app_cpu_p95_ms": summary_ms(cpu)["p95_ms"],
                               "my_open_tasks": mine,
                               "html_kb": round(len(response.data) / 1024, 1)}
        api = []
        for _ in range(rounds):
            began = time.perf_counter()
            response = client.get("/api/v1/tasks?list=team&per_page=50")
            api.append(time.perf_counter() - began)
            assert response.status_code == 200
        out[f"api_team_list_{role}"] = {**summary_ms(api), "total": response.get_json()["total"]}
    out["target"] = {"p95_ms": 100}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--queue-rounds", type=int, default=40)
    parser.add_argument("--throughput-seconds", type=float, default=0,
                        help="then also run bench/workflow_throughput.py's gunicorn run on the "
                             "same database for this long (PostgreSQL only)")
    database_args(parser)
    args = parser.parse_args()
    world = World.create(chosen_url(args))
    world.one_by_one = args.one_by_one
    try:
        world.add_people()
        case_ids = world.add_cases(args.cases)
        result = {"database": world.kind, "open_cases": args.cases,
                  "setup": dict(world.timings),
                  "complete_task_via_api": complete_tasks(world, case_ids, args.samples),
                  "work_queue": work_queue(world, args.queue_rounds),
                  "load_average": load_average()}
        if args.throughput_seconds > 0 and world.kind == "postgresql":
            from workflow_throughput import run
            try:
                result["throughput"] = {**run(world, seconds=args.throughput_seconds,
                                              clients=8, workers=4),
                                        "load_average": load_average()}
            except RuntimeError as exc:  # keep the figures above when the server run fails
                result["throughput"] = {"error": str(exc), "load_average": load_average()}
        json.dump(result, sys.stdout, indent=2)
        print()
    finally:
        world.close()


if __name__ == "__main__":
    main()
