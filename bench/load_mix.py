"""A realistic mix of logged-in users against gunicorn (4 workers) on PostgreSQL, over loopback,
for a bounded time: throughput, p50/p95 latency per kind of request, errors. Prints JSON.

    .venv/bin/python bench/load_mix.py [--seconds 60] [--clients 8] [--cases 2000]
                                       [--workers 4] [--database URL | --postgres]

Builds a throwaway PostgreSQL database with `--cases` open cases in 10 directorates (a
supervisor and 5 auditors each, and a manager), serves it with `gunicorn --workers 4
audit_app.wsgi:app` (as in production, CSRF on, plain http so PCA_SECURE_COOKIES=0), and has
`--clients` threads, each a person logged in through the login form with their own session
cookie (on `lean_http.Client`: `requests` cost a tenth of the two cores), send requests back to back (no think time: the figure is the capacity) drawn from:

| weight | request | who |
|---|---|---|
| 20 | work queue page `GET /tasks/` | auditor or supervisor |
| 10 | work queue JSON `GET /api/v1/tasks?list=team` | auditor or supervisor |
| 20 | case page `GET /cases/<id>` | a case of their directorate |
| 8 | case list `GET /cases/` | auditor or supervisor |
| 12 | task completion `POST /api/v1/tasks/<id>/complete` (assign an auditor) | supervisor |
| 12 | declaration page `GET /declarations/<gd>` | auditor |
| 6 | dashboard page `GET /dashboards/revenue/` | manager |
| 6 | dashboard callback `POST /dashboards/<slug>/_dash-update-component` | manager |
| 6 | case list JSON `GET /api/v1/cases` | auditor or supervisor |

Target (issue 7): 200 requests/s with p95 < 150 ms and no errors on 2 cores. The clients run on
the same cores; the JSON reports their CPU time, the server's CPU time (gunicorn's processes)
and the load average, since the machine may be shared.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lean_http import Client, ClientError  # noqa: E402
from workflow_world import (DEFAULT_PG, PASSWORD, World, chosen_url, database_args,  # noqa: E402
                            load_average, summary_ms)
from crash_runs import children, free_port, wait_ready  # noqa: E402
from dashboards_callbacks import FILTERS, callback_body  # noqa: E402
from sqlalchemy import select  # noqa: E402

from audit_app.auth.service import create_user  # noqa: E402
from audit_app.db import get_session  # noqa: E402
from audit_app.models import AuditCase, Declaration, OpenTask, Role  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MIX = [("work_queue_page", 20), ("work_queue_api", 10), ("case_page", 20), ("case_list", 8),
       ("task_completion", 12), ("declaration_page", 12), ("dashboard_page", 6),
       ("dashboard_callback", 6), ("case_list_api", 6)]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of the processes (and their waited-for children), from /proc."""
    import os
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15])
        except OSError:
            pass
    return total / tick


def login(base: str, username: str) -> Client:
    s = Client(base)
    page = s.get("/login")
    token = CSRF.search(page.text)
    assert token, page.text[:300]
    r = s.post("/login", data={"username": username, "password": PASSWORD,
                               "csrf_token": token.group(1)})
    assert r.status_code == 302, (username, r.status_code, r.text[:300])
    return s


def prepare(world: World, cases: int) -> dict[str, Any]:
    world.add_people(auditors=5)
    with world.app.app_context():
        session = get_session()
        create_user(session, "manager", PASSWORD, "Manager", [Role.MANAGEMENT],
                    directorate_code=None)
        session.commit()
    world.add_cases(cases)
    return targets(world.app)


def targets(app: Any) -> dict[str, Any]:
    """What the mix's requests pick from: the cases per directorate, the GD numbers, the open
    assignment tasks per directorate and the dashboard callbacks' bodies."""
    with app.app_context():
        session = get_session()
        by_dir: dict[str, list[int]] = defaultdict(list)
        for case_id, code in session.execute(select(AuditCase.id, AuditCase.directorate_code)):
            by_dir[code].append(case_id)
        gds = list(session.scalars(select(Declaration.gd_number)))
        tasks: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for task_id, case_id, code in session.execute(
                select(OpenTask.task_id, OpenTask.case_id, AuditCase.directorate_code)
                .join(AuditCase, AuditCase.id == OpenTask.case_id)
                .where(OpenTask.element_id == "assign_auditor")):
            tasks[code].append((task_id, case_id))
    bodies = [callback_body(app, slug, list(values))
              for slug in ("revenue", "performance", "risk") for values in FILTERS[:4]]
    return {"cases": by_dir, "gds": gds, "tasks": tasks, "callbacks": bodies}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--app-log-level", default="WARNING",
                        help="PCA_LOG_LEVEL of the served app (INFO writes an access line per "
                             "request, as production does)")
    database_args(parser)
    args = parser.parse_args()
    url = chosen_url(args)
    world = World.create(DEFAULT_PG if url == "sqlite" else url)
    gunicorn = None
    try:
        data = prepare(world, args.cases)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        gunicorn = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", str(args.workers),
             "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "audit_app.wsgi:app"],
            cwd=ROOT, env={**world.env(), "PCA_SECURE_COOKIES": "0",
                           "PCA_LOG_LEVEL": args.app_log_level},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_ready(port, gunicorn)
        master = gunicorn.pid
        result = drive(base, world, data, args.seconds, args.clients,
                       lambda: cpu_seconds([master] + children(master)))
        json.dump({"database": world.kind, "gunicorn_workers": args.workers,
                   "app_log_level": args.app_log_level,
                   "open_cases": args.cases, **result, "load_average": load_average()},
                  sys.stdout, indent=2)
        print()
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            try:
                gunicorn.wait(timeout=30)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        world.close()


def drive(base: str, world: World, data: dict[str, Any], seconds: float,
          clients: int, server_cpu: Any) -> dict[str, Any]:
    directorates = sorted(data["cases"])
    lock = threading.Lock()
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    samples: list[str] = []
    task_lock = threading.Lock()
    stop_at = [float("inf")]
    counting = [False]

    def person(n: int) -> None:
        rnd = random.Random(n)
        code = directorates[n % len(directorates)]
        letter = code[-1].lower()
        auditor = login(base, f"auditor-{letter}{1 + n % 5}")
        supervisor = login(base, f"supervisor-{letter}")
        manager = login(base, "manager")
        manager.get("/dashboards/revenue/")  # sets the callbacks' CSRF cookie
        kinds = [k for k, _ in MIX]
        weights = [w for _, w in MIX]
        for kind in kinds:  # warm-up, not counted: every kind once
            if kind != "task_completion":
                request(kind, rnd, code, auditor, supervisor, manager)
        ready.wait()
        while time.perf_counter() < stop_at[0]:
            kind = rnd.choices(kinds, weights)[0]
            began = time.perf_counter()
            try:
                response = request(kind, rnd, code, auditor, supervisor, manager)
            except ClientError as exc:
                response, detail = None, repr(exc)[:200]
            spent = time.perf_counter() - began
            if response is None and kind == "task_completion" and detail == "no task left":
                continue
            ok = response is not None and response.status_code == 200
            if counting[0]:
                with lock:
                    if ok:
                        latencies[kind].append(spent)
                    else:
                        errors[kind] += 1
                        if len(samples) < 5:
                            samples.append(f"{kind}: " + (
                                f"{response.status_code} {response.text[:200]}"
                                if response is not None else detail))

    def request(kind: str, rnd: random.Random, code: str, auditor: Client,
                supervisor: Client, manager: Client) -> Any:
        who = rnd.choice((auditor, supervisor))
        if kind == "work_queue_page":
            return who.get("/tasks/")
        if kind == "work_queue_api":
            return who.get("/api/v1/tasks?list=team")
        if kind == "case_page":
            return who.get(f"/cases/{rnd.choice(data['cases'][code])}")
        if kind == "case_list":
            return who.get("/cases/")
        if kind == "case_list_api":
            return who.get("/api/v1/cases")
        if kind == "declaration_page":
            return auditor.get(f"/declarations/{rnd.choice(data['gds'])}")
        if kind == "dashboard_page":
            return manager.get("/dashboards/revenue/")
        if kind == "dashboard_callback":
            path, body = rnd.choice(data["callbacks"])
            token = manager.cookies.get("_csrf_token")
            return manager.post(path, json=body, headers={"X-CSRFToken": token or ""})
        with task_lock:
            queue = data["tasks"][code]
            if not queue:
                raise NoTaskLeft()
            task_id, case_id = queue.pop()
        auditors = world.auditors_of(code)
        return supervisor.post(f"/api/v1/tasks/{task_id}/complete",
                               json={"auditor_id": world.users[auditors[case_id % 5]]})

    class NoTaskLeft(ClientError):
        def __repr__(self) -> str:
            return "no task left"

    # Log everyone in and warm every gunicorn worker, then measure for `seconds`.
    ready = threading.Barrier(clients + 1)
    threads = [threading.Thread(target=person, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    ready.wait()
    counting[0] = True
    began, cpu0, server0 = time.perf_counter(), time.process_time(), server_cpu()
    stop_at[0] = began + seconds
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    server_s = server_cpu() - server0
    everything = [s for v in latencies.values() for s in v]
    done = len(everything)
    return {"clients": clients, "seconds": round(elapsed, 1), "requests_ok": done,
            "requests_per_s": round(done / elapsed, 1), "latency": summary_ms(everything),
            "errors": sum(errors.values()), "errors_by_kind": dict(errors),
            "error_samples": samples,
            "by_kind": {k: summary_ms(v) for k, v in sorted(latencies.items())},
            "client_cpu_s": round(time.process_time() - cpu0, 1),
            "server_cpu_s": round(server_s, 1),
            "server_cpu_cores_busy": round(server_s / elapsed, 2)}


if __name__ == "__main__":
    main()
