"""CPU time and SQL statements per request of each kind in the load mix, measured in process
(Flask's test client, logged in through the login form, CSRF on) on a PostgreSQL database built
as `bench/load_mix.py` builds it. Prints JSON.

    .venv/bin/python bench/request_cpu.py [--cases 2000] [--requests 40] [--database URL]
                                          [--keep NAME | --reuse NAME] [--profile KIND]
                                          [--kinds KIND,...] [--who auditor|supervisor] [--calls]

The figure per kind is the median `time.process_time()` of one request (the app's CPU: Flask,
the session, SQLAlchemy and the driver; not the database server's), which a shared machine's
load disturbs far less than wall time, and the number of statements sent. `--profile KIND`
prints cProfile's top functions for that kind instead. `--keep NAME` builds the database under
that name and leaves it; `--reuse NAME` measures on it again (drop it with `DROP DATABASE`).
"""
from __future__ import annotations

import argparse
import os
import cProfile
import io
import json
import pstats
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import create_engine, event, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from workflow_world import DEFAULT_PG, PASSWORD, World, load_average  # noqa: E402
from load_mix import MIX, prepare, targets  # noqa: E402

from audit_app import create_app  # noqa: E402
from audit_app.db import get_session  # noqa: E402
from audit_app.models import User  # noqa: E402

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def reuse(server: str, name: str) -> tuple[World, dict[str, Any]]:
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    world = World(url, "postgresql", Path(tempfile.mkdtemp(prefix="pca-bench-")))
    world.app = create_app(world.config())
    with world.app.app_context():
        world.users = dict(get_session().execute(select(User.username, User.id)).all())
    return world, targets(world.app)


def login(app: Any, username: str) -> Any:
    client = app.test_client()
    token = CSRF.search(client.get("/login").get_data(as_text=True))
    assert token
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": token.group(1)})
    assert r.status_code == 302, (username, r.status_code)
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--database", default=DEFAULT_PG, help="PostgreSQL server URL")
    parser.add_argument("--keep", metavar="NAME")
    parser.add_argument("--reuse", metavar="NAME")
    parser.add_argument("--profile", metavar="KIND")
    parser.add_argument("--kinds", metavar="KIND,...", help="measure only these kinds")
    parser.add_argument("--calls", action="store_true",
                        help="also count Python function calls per request (under cProfile): "
                             "a figure the shared machine's speed does not move")
    parser.add_argument("--who", choices=("auditor", "supervisor"),
                        help="the person of the work-queue and case requests (default: either, "
                             "at random, as in the load mix)")
    parser.add_argument("--statements", metavar="KIND",
                        help="print the SQL of one request of KIND (first line of each)")
    args = parser.parse_args()
    if args.reuse:
        world, data = reuse(args.database, args.reuse)
        world._admin_url = None  # close() must not drop it
    else:
        world = World.create(args.database)
        data = prepare(world, args.cases)
        if args.keep:
            world.app.extensions["pca_db"].engine.dispose()
            admin = create_engine(args.database, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{world._name}" RENAME TO "{args.keep}"'))
            admin.dispose()
            world._admin_url = None
    try:
        if not args.keep:
            result = measure(world, data, args.requests, args.profile, args.statements,
                             args.kinds.split(",") if args.kinds else None, args.who,
                             args.calls)
            json.dump({"database": world.kind, **result, "load_average": load_average()},
                      sys.stdout, indent=2)
            print()
    finally:
        world.close()


def measure(world: World, data: dict[str, Any], n: int, profile: str | None,
            show: str | None = None, only: list[str] | None = None,
            who_fixed: str | None = None, calls: bool = False) -> dict[str, Any]:
    # As gunicorn serves it (audit_app.wsgi): CSRF on, plain http, the real clock.
    app = create_app({**world.config(), "WTF_CSRF_ENABLED": True, "SECURE_COOKIES": False})
    engine = app.extensions["pca_db"].engine
    statements = [0]

    @event.listens_for(engine, "before_cursor_execute")
    def _count(_conn: Any, _cursor: Any, statement: str, *_a: Any) -> None:
        statements[0] += 1
        if show and shown[0]:
            print(" ".join(statement.split())[:300], file=sys.stderr)

    shown = [False]

    rnd = random.Random(7)
    # The directorate with most assignment tasks left (a completion uses one up for good).
    code = max(sorted(data["cases"]), key=lambda c: len(data["tasks"][c]))
    letter = code[-1].lower()
    auditor, supervisor = login(app, f"auditor-{letter}1"), login(app, f"supervisor-{letter}")
    manager = login(app, "manager")
    manager.get("/dashboards/revenue/")
    csrf = manager.get_cookie("_csrf_token", path="/dashboards/")
    auditor_ids = [world.users[f"auditor-{letter}{i}"] for i in range(1, 6)]

    def request(kind: str) -> Any:
        who = ({"auditor": auditor, "supervisor": supervisor}[who_fixed] if who_fixed
               else rnd.choice((auditor, supervisor)))
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
            return manager.post(path, json=body,
                                headers={"X-CSRFToken": csrf.value if csrf else ""})
        task_id, case_id = data["tasks"][code].pop()
        return supervisor.post(f"/api/v1/tasks/{task_id}/complete",
                               json={"auditor_id": auditor_ids[case_id % 5]})

    if show:
        request(show)
        shown[0] = True
        request(show)
        shown[0] = False
    kinds = [profile] if profile else (only or [k for k, _ in MIX])
    out: dict[str, Any] = {"requests_each": n, "by_kind": {}}
    for kind in kinds:
        for _ in range(3):  # warm-up: templates compiled, caches filled
            assert request(kind).status_code == 200, kind
        cpu, counts = [], []
        profiler = cProfile.Profile(time.process_time) if profile else None
        for _ in range(n):
            statements[0] = 0
            began = time.process_time()
            if profiler:
                profiler.enable()
            response = request(kind)
            if profiler:
                profiler.disable()
            cpu.append(time.process_time() - began)
            counts.append(statements[0])
            assert response.status_code == 200, (kind, response.status_code)
        out["by_kind"][kind] = {"cpu_ms_median": round(1000 * statistics.median(cpu), 2),
                                "cpu_ms_mean": round(1000 * statistics.fmean(cpu), 2),
                                "statements": max(set(counts), key=counts.count)}
        if calls:
            counter = cProfile.Profile()
            for _ in range(n):
                counter.enable()
                request(kind)
                counter.disable()
            out["by_kind"][kind]["python_calls"] = round(
                pstats.Stats(counter).total_calls / n)  # type: ignore[attr-defined]
        if profiler:
            buf = io.StringIO()
            pstats.Stats(profiler, stream=buf).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(int(os.environ.get("PROFILE_LINES", "60")))
            print(buf.getvalue(), file=sys.stderr)
    weights = dict(MIX)
    total = sum(weights[k] for k in out["by_kind"])
    out["mix_cpu_ms_per_request"] = round(sum(
        weights[k] * v["cpu_ms_median"] for k, v in out["by_kind"].items()) / total, 2)
    if calls:
        out["mix_python_calls_per_request"] = round(sum(
            weights[k] * v["python_calls"] for k, v in out["by_kind"].items()) / total)
    app.extensions["pca_db"].engine.dispose()
    return out


if __name__ == "__main__":
    main()
