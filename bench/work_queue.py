"""Work-queue page speed with many open cases, as JSON.

Usage: python bench/work_queue.py [--cases 10000] [--requests 60] [--postgres URL]

Opens `--cases` audit cases through the real path (`cases.open_case`: SpiffWorkflow start, state
saved, open-task and timer rows), assigns four in five of them to five auditors and moves one in
five on to the plan, with due dates spread over three months so that some are overdue. Then times
`GET /tasks/` (the whole request through Flask: login session, queries, template) for the
supervisor (every open task of the directorate: the longest lists) and for an auditor, and
reports the median and 95th percentile in milliseconds. Setting up 10,000 cases takes a few
minutes; the database is a fresh SQLite file (or a fresh database on the PostgreSQL server).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # runnable from a clean checkout without installing the package

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

PASSWORD = "bench-password-2026"
START = dt.datetime(2026, 1, 5, 4, 0, tzinfo=dt.timezone.utc)


def build(app, n_cases: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from audit_app.auth.service import create_user
    from audit_app.db import get_session
    from audit_app.models import (AuditProposal, AuditProposalItem, Declaration,
                                  DeclarationItem, Importer, OpenTask, Role, RiskRun, User)
    from audit_app.services import cases
    from sqlalchemy import select
    from workflows.clock import FixedClock
    from workflows.deadlines import seed_defaults

    clock = FixedClock(START)
    started = time.perf_counter()
    with app.app_context():
        s = get_session()
        seed_defaults(s)
        supervisor = create_user(s, "bench_sup", PASSWORD, "Bench Supervisor",
                                 [Role.SUPERVISOR], directorate_code="PCA-S")
        auditors = [create_user(s, f"bench_aud{i}", PASSWORD, f"Bench Auditor {i}",
                                [Role.AUDITOR], directorate_code="PCA-S") for i in range(5)]
        importer = Importer(ntn="1234567-8", name="Bench Traders (Pvt) Ltd")
        s.add(importer)
        s.flush()
        gd = Declaration(gd_number="KAPW-HC-000001-01032025", gd_date=dt.date(2025, 3, 1),
                         collectorate="KAPW", channel="GREEN", importer_id=importer.id,
                         item_count=1)
        v = Decimal(1_000_000)
        gd.items = [DeclarationItem(item_no=1, hs_code="84713010", description="Laptops",
                                    origin_country="CN", quantity=Decimal(100), unit="U",
                                    currency="USD", invoice_value=Decimal(3571),
                                    exchange_rate=Decimal("280.0"), declared_value_pkr=v,
                                    assessed_value_pkr=v, cd_pkr=Decimal(200_000),
                                    rd_pkr=Decimal(0), acd_pkr=Decimal(20_000),
                                    st_pkr=Decimal(219_600), ast_pkr=Decimal(36_600),
                                    it_pkr=Decimal(81_191), row_hash="bench")]
        s.add(gd)
        run = RiskRun(kind="select", created_by="bench")
        s.add(run)
        s.flush()
        item_id = gd.items[0].id
        for n in range(n_cases):
            proposal = AuditProposal(run_id=run.id, importer_id=importer.id,
                                     directorate_code="PCA-S", basis="risk", status="approved",
                                     expected_short_levy_pkr=Decimal(1000), items_count=1,
                                     reason="bench", created_by="bench",
                                     decided_by_id=supervisor.id, decided_at=clock.now())
            proposal.items = [AuditProposalItem(item_id=item_id, reasons=["bench"],
                                                expected_short_levy_pkr=Decimal(1000))]
            s.add(proposal)
            s.flush()
            case = cases.open_case(s, proposal.id, supervisor, clock=clock)
            if n % 5:  # four in five assigned, spread over the auditors
                task = s.scalar(select(OpenTask).where(OpenTask.case_id == case.id))
                cases.complete_task(s, task.task_id, supervisor,
                                    {"auditor_id": auditors[n % 5].id}, clock=clock)
            if n % 5 == 1:  # and some of those planned
                task = s.scalar(select(OpenTask).where(OpenTask.case_id == case.id))
                cases.complete_task(s, task.task_id, auditors[n % 5], {
                    "audit_type": "desk", "planned_scope": "bench", "period_from": "2025-01-01",
                    "period_to": "2025-12-31"}, clock=clock)
            if n % 200 == 199:
                s.commit()
                clock.advance(hours=18)  # due dates spread over the weeks
        s.commit()
        open_tasks = s.scalar(text("SELECT count(*) FROM open_tasks"))
        by_auditor = s.scalar(text("SELECT count(*) FROM open_tasks WHERE assignee_id = :a"),
                              {"a": auditors[1].id})
        s.execute(text("ANALYZE")) if s.bind.dialect.name == "postgresql" else None
        s.commit()
        assert isinstance(supervisor, User)
    app.extensions["pca_clock"] = clock
    return {"setup_seconds": round(time.perf_counter() - started, 1), "open_tasks": open_tasks,
            "auditor_open_tasks": by_auditor}


def time_queue(app, username: str, requests: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    client = app.test_client()
    login = client.post("/login", data={"username": username, "password": PASSWORD})
    assert login.status_code == 302, login.data[:500]
    timings = []
    for _ in range(requests + 3):
        started = time.perf_counter()
        response = client.get("/tasks/")
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    timings = sorted(timings[3:])  # the first requests warm template and statement caches
    return {"median_ms": round(statistics.median(timings), 1),
            "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 1),
            "rows_shown": response.get_data(as_text=True).count('data-testid="task-row"'),
            "bytes": len(response.get_data())}


def run(url: str, n_cases: int, requests: int, instance: Path) -> dict[str, object]:
    from audit_app import create_app
    from audit_app.commands.database import upgrade

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "DEMO": False,
                      "INSTANCE_PATH": str(instance), "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade(url)
    setup = build(app, n_cases)
    return {"cases": n_cases, **setup,
            "supervisor_queue": time_queue(app, "bench_sup", requests),
            "auditor_queue": time_queue(app, "bench_aud1", requests)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--postgres", help="server URL, e.g. "
                        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.postgres:
            url = f"sqlite:///{tmp}/bench.sqlite3"
            result = run(url, args.cases, args.requests, Path(tmp))
            result["database"] = "sqlite"
        else:
            base = make_url(args.postgres)
            name = f"pca_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(base, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                url = base.set(database=name).render_as_string(hide_password=False)
                result = run(url, args.cases, args.requests, Path(tmp))
                result["database"] = "postgresql"
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
