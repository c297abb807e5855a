"""A throwaway database with N open audit cases, shared by the workflow benchmarks.

    .venv/bin/python bench/workflow_world.py --cases 200 [--database URL | --postgres]

prints how long each part of building the world took (JSON), then drops it. The other
`workflow_*` scripts import `World` from here.

The case rows (importers, declarations, items, cases, case items) are written with set-based
inserts; the processes are started with `workflows.runtime.start_many` (SpiffWorkflow runs each
case's process as `runtime.start` does, the rows are written set-based), a few hundred per
transaction; `--one-by-one` uses `runtime.start` for each (the call `services.cases.open_case`
makes).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from argon2 import PasswordHasher  # noqa: E402
from sqlalchemy import create_engine, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from audit_app import create_app  # noqa: E402
from audit_app.auth import passwords  # noqa: E402
from audit_app.auth.service import create_user, issue_api_token  # noqa: E402
from audit_app.commands.database import upgrade  # noqa: E402
from audit_app.db import get_session  # noqa: E402
from audit_app.models import (AuditCase, CaseEvent, CaseItem, Declaration,  # noqa: E402
                              DeclarationItem, Importer, Role)
from workflows import runtime  # noqa: E402
from workflows.clock import FixedClock  # noqa: E402
from workflows.deadlines import seed_defaults  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
START = dt.datetime(2026, 1, 5, 4, 0, tzinfo=dt.timezone.utc)
DIRECTORATES = tuple(f"PCA-{c}" for c in "ABCDEFGHIJ")  # 10 directorates, one supervisor each
PASSWORD = "bench-password-2026"
LEVIES = ("cd", "rd", "acd", "st", "ast", "it")


def database_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database", default=None,
                        help="SQLAlchemy URL of a server to make a throwaway database on "
                             "(postgresql+psycopg://...), or 'sqlite'. Default: "
                             "PCA_DATABASE_URL when it is PostgreSQL, else a temporary SQLite file")
    parser.add_argument("--postgres", action="store_true",
                        help=f"shorthand for --database {DEFAULT_PG}")
    parser.add_argument("--one-by-one", action="store_true",
                        help="start each case's process with runtime.start instead of "
                             "runtime.start_many")


def chosen_url(args: argparse.Namespace) -> str:
    if args.postgres:
        return DEFAULT_PG
    if args.database:
        return args.database
    env = os.environ.get("PCA_DATABASE_URL", "")
    return env if env.startswith("postgresql") else "sqlite"


@dataclass
class World:
    """A migrated throwaway database, an app on it and its people; `close()` drops it."""

    url: str
    kind: str
    instance: Path
    app: Any = None
    clock: FixedClock = field(default_factory=lambda: FixedClock(START))
    users: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    one_by_one: bool = False  # start each process with runtime.start, not start_many
    _admin_url: str | None = None
    _name: str | None = None

    @classmethod
    def create(cls, server: str) -> "World":
        instance = Path(tempfile.mkdtemp(prefix="pca-bench-"))
        if server == "sqlite":
            world = cls(f"sqlite:///{instance / 'bench.sqlite3'}", "sqlite", instance)
        else:
            name = f"pca_bench_{uuid.uuid4().hex[:10]}"
            admin = create_engine(server, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            url = make_url(server).set(database=name).render_as_string(hide_password=False)
            world = cls(url, "postgresql", instance, _admin_url=server, _name=name)
        world.app = create_app(world.config())
        began = time.perf_counter()
        with world.app.app_context():
            upgrade(world.url)
        world.timings["migrate_s"] = round(time.perf_counter() - began, 2)
        world.app.extensions["pca_clock"] = world.clock
        return world

    def config(self) -> dict[str, Any]:
        return {"DATABASE_URL": self.url, "SECRET_KEY": "bench-secret", "DEMO": False,
                "INSTANCE_PATH": str(self.instance), "LOG_LEVEL": "WARNING",
                "WTF_CSRF_ENABLED": False}

    def env(self) -> dict[str, str]:
        """The environment a server process needs to run on this database."""
        return {**os.environ, "PCA_DATABASE_URL": self.url, "PCA_SECRET_KEY": "bench-secret",
                "PCA_INSTANCE_PATH": str(self.instance), "PCA_DEMO": "0",
                "PCA_LOG_LEVEL": "WARNING"}

    def close(self) -> None:
        if self.app is not None:
            self.app.extensions["pca_db"].engine.dispose()
        if self._admin_url and self._name:
            admin = create_engine(self._admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)'))
            admin.dispose()
        for path in sorted(self.instance.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        self.instance.rmdir()

    # --- people ---------------------------------------------------------------------------

    def add_people(self, auditors: int = 5) -> None:
        """Per directorate: `supervisor-X` and `auditor-X1`..; each with a personal token."""
        # The password hash's cost only matters at login; keep building the world quick.
        passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        with self.app.app_context():
            session = get_session()
            for code in DIRECTORATES:
                letter = code[-1].lower()
                people = [(f"supervisor-{letter}", Role.SUPERVISOR)] + [
                    (f"auditor-{letter}{i}", Role.AUDITOR) for i in range(1, auditors + 1)]
                for name, role in people:
                    user = create_user(session, name, PASSWORD, name.title(), [role],
                                       directorate_code=code)
                    self.users[name] = user.id
                    _, plain = issue_api_token(session, f"{name} bench",
                                               ["tasks:read", "tasks:write", "cases:read"],
                                               user=user)
                    self.tokens[name] = plain
            seed_defaults(session)
            session.commit()

    def supervisor_of(self, directorate: str) -> str:
        return f"supervisor-{directorate[-1].lower()}"

    def auditors_of(self, directorate: str) -> list[str]:
        prefix = f"auditor-{directorate[-1].lower()}"
        return sorted(n for n in self.users if n.startswith(prefix))

    def bearer(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    # --- cases ----------------------------------------------------------------------------

    def add_cases(self, n: int, *, batch: int = 500) -> list[int]:
        """`n` open cases of one declaration item each, each with its process started."""
        began = time.perf_counter()
        with self.app.app_context():
            session = get_session()
            case_ids = self._insert_case_rows(session, n)
            session.commit()
            rows_s = time.perf_counter() - began
            started = time.perf_counter()
            for chunk in _chunks(case_ids, batch):
                cases = session.scalars(select(AuditCase).where(AuditCase.id.in_(chunk))
                                        .order_by(AuditCase.id)).all()
                if self.one_by_one:
                    for case in cases:
                        runtime.start(session, case, clock=self.clock,
                                      actor_id=case.supervisor_id, data=_start_data(case))
                else:  # one call per supervisor: the actor on each case's timeline
                    by_actor: dict[int | None, list[Any]] = {}
                    for case in cases:
                        by_actor.setdefault(case.supervisor_id, []).append(case)
                    for actor, group in by_actor.items():
                        runtime.start_many(session, [(c, _start_data(c)) for c in group],
                                           clock=self.clock, actor_id=actor)
                session.commit()
                session.expunge_all()
            start_s = time.perf_counter() - started
        self.timings.update({"cases": n, "case_rows_s": round(rows_s, 2),
                             "start": "runtime.start each" if self.one_by_one
                             else "runtime.start_many",
                             "process_starts_s": round(start_s, 2),
                             "process_start_ms_each": round(1000 * start_s / max(n, 1), 2)})
        return case_ids

    def _insert_case_rows(self, session: Any, n: int) -> list[int]:
        now = self.clock.now()
        base_imp = (session.scalar(select(Importer.id).order_by(Importer.id.desc()).limit(1))
                    or 0)
        importers = max(1, n // 10)
        session.execute(insert(Importer), [
            {"ntn": f"B{base_imp + i:07d}-0", "name": f"Bench Importer {base_imp + i}",
             "created_at": now} for i in range(importers)])
        imp_ids = list(session.scalars(select(Importer.id).where(Importer.id > base_imp)
                                       .order_by(Importer.id)))
        base_gd = session.scalar(select(Declaration.id).order_by(Declaration.id.desc())
                                 .limit(1)) or 0
        gd_date = dt.date(2025, 3, 12)
        value = Decimal("1000000.00")
        session.execute(insert(Declaration), [
            {"gd_number": f"KAPS-HC-{base_gd + i:08d}", "gd_date": gd_date, "collectorate": "KAPS",
             "channel": "GREEN", "importer_id": imp_ids[i % len(imp_ids)], "item_count": 1,
             "declared_value_pkr": value, "duty_paid_pkr": Decimal("557391.00"),
             "first_received_at": now, "updated_at": now} for i in range(n)])
        gd_ids = list(session.scalars(select(Declaration.id).where(Declaration.id > base_gd)
                                      .order_by(Declaration.id)))
        base_item = session.scalar(select(DeclarationItem.id)
                                   .order_by(DeclarationItem.id.desc()).limit(1)) or 0
        session.execute(insert(DeclarationItem), [
            {"declaration_id": gd, "item_no": 1, "hs_code": "84713010",
             "description": "Laptop computers", "origin_country": "CN", "export_country": "CN",
             "quantity": Decimal(100), "unit": "U", "gross_weight_kg": Decimal(250),
             "currency": "USD", "invoice_value": Decimal("3571.43"),
             "exchange_rate": Decimal("280.0"), "declared_value_pkr": value,
             "assessed_value_pkr": value, "cd_pkr": Decimal(200000), "rd_pkr": Decimal(0),
             "acd_pkr": Decimal(20000), "st_pkr": Decimal(219600), "ast_pkr": Decimal(36600),
             "it_pkr": Decimal(81191), "row_hash": f"{gd:040d}", "version": 1,
             "updated_at": now} for gd in gd_ids])
        item_ids = list(session.scalars(select(DeclarationItem.id)
                                        .where(DeclarationItem.id > base_item)
                                        .order_by(DeclarationItem.id)))
        base_case = session.scalar(select(AuditCase.id).order_by(AuditCase.id.desc())
                                   .limit(1)) or 0
        session.execute(insert(AuditCase), [
            {"case_number": f"{DIRECTORATES[i % 10]}/2026/B{base_case + i + 1:07d}",
             "importer_id": imp_ids[i % len(imp_ids)], "directorate_code": DIRECTORATES[i % 10],
             "status": "open", "supervisor_id": self.users[self.supervisor_of(DIRECTORATES[i % 10])],
             "created_by_id": self.users[self.supervisor_of(DIRECTORATES[i % 10])],
             "created_at": now, "short_levy_total_pkr": Decimal(0),
             "amount_paid_pkr": Decimal(0)} for i in range(n)])
        case_ids = list(session.scalars(select(AuditCase.id).where(AuditCase.id > base_case)
                                        .order_by(AuditCase.id)))
        session.execute(insert(CaseItem), [
            {"case_id": c, "item_id": item, "expected_short_levy_pkr": Decimal(150000),
             "reasons": ["Unit value far below comparable imports"]}
            for c, item in zip(case_ids, item_ids)])
        session.execute(insert(CaseEvent), [
            {"case_id": c, "at": now, "actor_id": None, "kind": "case_opened",
             "summary": "Case opened (benchmark)", "data": {}} for c in case_ids])
        if self.kind == "postgresql":
            session.execute(text("ANALYZE"))
        return case_ids


def _start_data(case: Any) -> dict[str, Any]:
    return {"case_id": case.id, "short_levy_total": Decimal(0)}


def _chunks(values: list[int], size: int) -> Iterator[list[int]]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary_ms(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "median_ms": round(percentile(ms, 50), 2),
            "p95_ms": round(percentile(ms, 95), 2), "max_ms": round(max(ms), 2) if ms else 0.0}


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=200)
    database_args(parser)
    args = parser.parse_args()
    world = World.create(chosen_url(args))
    world.one_by_one = args.one_by_one
    try:
        world.add_people()
        world.add_cases(args.cases)
        json.dump({"database": world.kind, **world.timings, "load_average": load_average()},
                  sys.stdout, indent=2)
        print()
    finally:
        world.close()


if __name__ == "__main__":
    main()


# A gunicorn the benches start: a free port on loopback, and waiting until it answers /healthz.
import http.client  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(port: int, proc: subprocess.Popen, timeout: float = 300) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz")
