"""Fuzz the JSON API from its OpenAPI document and print the tally as JSON.

Usage: python bench/fuzz_api.py [--examples 40] [--seed 0 | --random] [--postgres URL]

Builds a throwaway database (a temporary SQLite file, or a fresh database on the PostgreSQL
server given, dropped afterwards), migrated with Alembic, with a directorate's people and five
audit cases waiting at different steps; then runs schemathesis through the app (WSGI, in this
process, errors answered as in production: a handler's exception is a 500 response) with a
personal token holding every scope, acting as the PCA supervisor. Per operation and mode
(positive, negative, known ids: see tests/security/api_fuzzing.py) up to `--examples` requests.

Prints: requests, the 5xx count, statuses, requests and distinct failures per operation (a
failure: a 5xx, an undocumented status or content type, or a body that does not match the
documented schema), each failure with one request that shows it; wall and CPU time and the load.
Exit status 1 when any failure was found.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # runnable from a clean checkout without installing the package

from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

PASSWORD = "bench-password-2026"


def build_world(app) -> str:  # type: ignore[no-untyped-def]
    """Users, five cases at different steps; returns a personal token of the supervisor."""
    from audit_app.auth.service import create_user
    from audit_app.db import get_session
    from audit_app.models import Role, User
    from audit_app.services import cases
    from tests.casedata import START, approved_proposal, drive_to, World
    from tests.security.api_fuzzing import personal_token
    from workflows.clock import FixedClock
    from workflows.deadlines import seed_defaults

    session = get_session()
    for name, role, directorate in (("sup", Role.SUPERVISOR, "PCA-S"),
                                    ("aud", Role.AUDITOR, "PCA-S"),
                                    ("aud2", Role.AUDITOR, "PCA-S"),
                                    ("north", Role.AUDITOR, "PCA-N")):
        create_user(session, name, PASSWORD, name.title(), [role], directorate_code=directorate)
    seed_defaults(session)
    session.commit()
    users = {u.username: u for u in session.scalars(select(User))}
    clock = FixedClock(START)
    app.extensions["pca_clock"] = clock
    world = World(session, clock, users["sup"], users["aud"], users["aud2"], users["north"])
    for element in ("assign_auditor", "prepare_plan", "issue_notice", "examine_records",
                    "review_findings"):
        proposal = approved_proposal(session, world.supervisor, 2)
        case = cases.open_case(session, proposal.id, world.supervisor, clock=clock)
        session.commit()
        drive_to(world, case, element)
    return personal_token(session, world.supervisor)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=40,
                        help="generated requests per operation and mode (default 40)")
    parser.add_argument("--seed", type=int, default=0, help="derandomized run (default)")
    parser.add_argument("--random", action="store_true", help="a new random run each time")
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server to use")
    args = parser.parse_args()

    from audit_app import create_app
    from audit_app.commands.database import upgrade
    from audit_app.db import get_session
    from tests.security.api_fuzzing import fuzz, known_ids, load_schema

    tmp = Path(tempfile.mkdtemp(prefix="pca_fuzz_"))
    admin, name = None, None
    if args.postgres:
        base = make_url(args.postgres)
        name = f"pca_fuzz_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = base.set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp / 'fuzz.sqlite3'}"
    try:
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "fuzz", "DEMO": False,
                          "TESTING": False, "PROPAGATE_EXCEPTIONS": False,
                          "INSTANCE_PATH": str(tmp / "instance")})
        with app.app_context():
            upgrade(url)
            plain = build_world(app)
            known = known_ids(get_session())
        import logging
        logging.getLogger("audit_app.access").setLevel(logging.WARNING)
        logging.getLogger("spiff").setLevel(logging.WARNING)
        wall, cpu = time.perf_counter(), time.process_time()
        result = fuzz(load_schema(app), {"Authorization": f"Bearer {plain}"}, known,
                      examples=args.examples, seed=None if args.random else args.seed)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        app.extensions["pca_db"].engine.dispose()
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    out = {"database": "postgresql" if args.postgres else "sqlite",
           "examples_per_operation_and_mode": args.examples,
           **result.as_json(), "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
           "load_average": [round(x, 2) for x in os.getloadavg()]}
    print(json.dumps(out, indent=2))
    return 1 if result.failures or result.server_errors else 0


if __name__ == "__main__":
    sys.exit(main())
