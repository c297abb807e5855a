"""Sustained task completions per second: gunicorn with 4 workers on PostgreSQL, over loopback.

    .venv/bin/python bench/workflow_throughput.py [--cases 10000] [--seconds 30] [--clients 8]
                                                  [--workers 4] [--database URL | --postgres]

Builds a throwaway PostgreSQL database (default: PCA_DATABASE_URL when it is PostgreSQL, else
postgresql+psycopg://postgres@127.0.0.1:5432/postgres as the server to create it on) with
`--cases` open cases, serves the app with `gunicorn --workers 4` (the command `make run` uses),
and has `--clients` threads complete `assign_auditor` tasks through
`POST /api/v1/tasks/<id>/complete` (each directorate's supervisor with a personal token, one
HTTP connection per request) for a bounded `--seconds`. Each request loads, advances, saves and
commits one workflow. Reference (issue 4): a managed Camunda 8 cluster of ~11 vCPUs is sized
for 100 tasks/s; aim for more on 2 cores. The clients run on the same 2 cores. Prints JSON.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from workflow_world import (DEFAULT_PG, World, chosen_url, database_args, free_port, load_average,
                            summary_ms, wait_ready)
from sqlalchemy import select

from audit_app.db import get_session
from audit_app.models import AuditCase, OpenTask

ROOT = Path(__file__).resolve().parent.parent


_free_port, _wait_ready = free_port, wait_ready  # bench/races.py imports these names


def _work(world: World) -> list[tuple[str, str, bytes]]:
    """(task id, supervisor's token, JSON form) for every open assignment task."""
    with world.app.app_context():
        session = get_session()
        rows = session.execute(select(OpenTask.task_id, AuditCase.directorate_code, AuditCase.id)
                               .join(AuditCase, AuditCase.id == OpenTask.case_id)
                               .where(OpenTask.element_id == "assign_auditor")
                               .order_by(OpenTask.id)).all()
    work = []
    for task_id, directorate, case_id in rows:
        auditors = world.auditors_of(directorate)
        form = {"auditor_id": world.users[auditors[case_id % len(auditors)]]}
        work.append((task_id, world.tokens[world.supervisor_of(directorate)],
                     json.dumps(form).encode()))
    return work


def run(world: World, *, seconds: float, clients: int, workers: int,
        threads: int = 1) -> dict[str, Any]:
    port = _free_port()
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", str(workers),
         "--threads", str(threads), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         "audit_app:create_app()"],
        cwd=ROOT, env=world.env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_ready(port, proc)
        todo: queue.Queue[tuple[str, str, bytes]] = queue.Queue()
        for item in _work(world):
            todo.put(item)
        available = todo.qsize()
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        lock = threading.Lock()
        stop_at = [0.0]

        def client() -> None:
            while time.perf_counter() < stop_at[0]:
                try:
                    task_id, token, body = todo.get_nowait()
                except queue.Empty:
                    return
                began = time.perf_counter()
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    conn.request("POST", f"/api/v1/tasks/{task_id}/complete", body=body,
                                 headers={"Authorization": f"Bearer {token}",
                                          "Content-Type": "application/json"})
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                    conn.close()
                except OSError:
                    status = 0
                spent = time.perf_counter() - began
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1
                    if status == 200:
                        latencies.append(spent)

        # Warm every worker (imports, spec parsing, connections) before the clock starts.
        stop_at[0] = time.perf_counter() + 10
        warm = [threading.Thread(target=client) for _ in range(clients)]
        for t in warm:
            t.start()
        time.sleep(min(3.0, seconds / 10))
        stop_at[0] = 0
        for t in warm:
            t.join()
        latencies.clear()
        statuses.clear()

        cpu_before = os.times()
        began = time.perf_counter()
        stop_at[0] = began + seconds
        running = [threading.Thread(target=client) for _ in range(clients)]
        for t in running:
            t.start()
        for t in running:
            t.join()
        elapsed = time.perf_counter() - began
        cpu_after = os.times()
        done = statuses.get(200, 0)
        return {"workers": workers, "threads_per_worker": threads, "clients": clients,
                "seconds": round(elapsed, 2),
                "completed": done, "tasks_per_s": round(done / elapsed, 1),
                "statuses": {str(k): v for k, v in sorted(statuses.items())},
                "latency": summary_ms(latencies),
                "ran_out_of_tasks": todo.empty() and elapsed < seconds - 0.5,
                "tasks_available": available,
                "client_cpu_s": round((cpu_after.user + cpu_after.system)
                                      - (cpu_before.user + cpu_before.system), 2),
                "reference": "Camunda 8 SaaS ~11 vCPU sized for 100 tasks/s"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1,
                        help="gunicorn --threads per worker (1 = the sync workers of make run)")
    database_args(parser)
    args = parser.parse_args()
    url = chosen_url(args)
    if url == "sqlite":
        url = DEFAULT_PG  # the figure is for PostgreSQL (SQLite serialises writers)
    world = World.create(url)
    world.one_by_one = args.one_by_one
    try:
        world.add_people()
        world.add_cases(args.cases)
        result = {"database": world.kind, "open_cases": args.cases,
                  "setup": dict(world.timings),
                  **run(world, seconds=args.seconds, clients=args.clients,
                        workers=args.workers, threads=args.threads),
                  "load_average": load_average()}
        json.dump(result, sys.stdout, indent=2)
        print()
    finally:
        world.close()


if __name__ == "__main__":
    main()
