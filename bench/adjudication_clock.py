"""Statutory clock check: which open adjudications breach their order limit in the next 30 days.

Usage: .venv/bin/python bench/adjudication_clock.py [--open 100000] [--ended 100000]
                                                    [--postgres URL] [--sqlite]

Makes a temporary database (PostgreSQL by default, dropped afterwards; `--sqlite` for a
temporary SQLite file), migrates it with Alembic, fills it with `--open` open proceedings whose
order limits are spread over the 150 days from the SCN, plus `--ended` finished ones (history the
check must skip), then times `adjudication_clock.breaching_within(today, 30)`: one range scan of
the partial index `ix_adjudications_open_order_due_on` on the stored due dates. Prints JSON:
the best and median of `--repeat` runs, the rows found, and the query plan's first line.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # runnable from a clean checkout without installing the package

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

DEFAULT_PG = os.environ.get("PCA_BENCH_POSTGRES_URL",
                            "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TODAY = dt.date(2026, 6, 1)


def migrate(url: str) -> None:
    from alembic import command

    from audit_app.commands.database import alembic_config
    cfg = alembic_config(url)
    cfg.attributes["skip_logging"] = True
    command.upgrade(cfg, "head")


def fill(url: str, open_count: int, ended_count: int) -> float:
    """Cases and proceedings made by the database itself (generate_series / recursive CTE)."""
    engine = create_engine(url)
    started = time.perf_counter()
    series = ("generate_series(1, :n) AS g(i)" if engine.dialect.name == "postgresql" else
              "(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n) "
              "SELECT i FROM s) AS g")
    # Due dates spread evenly over 150 days from 10 days before TODAY; `i % 150` stands in for random().
    due = ("(DATE '2026-05-22' + (g.i % 150))" if engine.dialect.name == "postgresql" else
           "date('2026-05-22', '+' || (g.i % 150) || ' days')")
    pg = engine.dialect.name == "postgresql"

    def day(iso: str) -> str:
        return f"DATE '{iso}'" if pg else f"'{iso}'"

    with engine.begin() as conn:
        conn.execute(text("INSERT INTO importers (ntn, name, created_at) VALUES ('0000000-0', 'Bench', CURRENT_TIMESTAMP)"))
        importer = conn.execute(text("SELECT id FROM importers")).scalar()
        total = open_count + ended_count
        conn.execute(text(
            "INSERT INTO audit_cases (case_number, importer_id, directorate_code, status, "
            "short_levy_total_pkr, amount_paid_pkr, created_at) "
            f"SELECT 'BENCH/' || g.i, :imp, 'PCA-S', 'referred_to_adjudication', 0, 0, "
            f"CURRENT_TIMESTAMP FROM {series}"), {"n": total, "imp": importer})
        first = conn.execute(text("SELECT MIN(id) FROM audit_cases")).scalar()
        levies = ", ".join(f"contravened_{x}_pkr" for x in ("cd", "rd", "acd", "st", "ast", "it"))
        conn.execute(text(
            f"INSERT INTO adjudications (case_id, sequence, stage, cr_number, cr_date, {levies}, "
            "amount_involved_pkr, competent_rank, clock_started_on, order_due_on, extension_days, "
            "warning_level, ended_on, created_at) "
            f"SELECT :first + g.i - 1, 1, CASE WHEN g.i <= :open THEN 'hearing' ELSE 'adjudged' END, "
            f"'CR/' || g.i, {day('2025-12-01')}, 100000, 0, 2000, 18000, 3000, 5500, 128500, "
            f"'superintendent', {day('2025-12-15')}, {due}, 0, 0, "
            f"CASE WHEN g.i <= :open THEN NULL ELSE {day('2026-03-01')} END, CURRENT_TIMESTAMP "
            f"FROM {series}"), {"n": total, "open": open_count, "first": first})
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return round(time.perf_counter() - started, 2)


def measure(url: str, repeat: int) -> dict[str, object]:
    from audit_app.services.adjudication_clock import breaching_within
    engine = create_engine(url)
    seconds, found = [], 0
    with Session(engine) as session:
        for _ in range(repeat):
            started = time.perf_counter()
            rows = breaching_within(session, TODAY, 30)
            seconds.append(time.perf_counter() - started)
            found = len(rows)
        explain = ("EXPLAIN " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN ")
        plan = session.execute(text(
            explain + "SELECT id, case_id, order_due_on FROM adjudications "
            "WHERE ended_on IS NULL AND order_due_on <= :d ORDER BY order_due_on, id"),
            {"d": TODAY + dt.timedelta(days=30)}).all()
    engine.dispose()
    return {"breaching_in_30_days": found, "seconds_first": round(seconds[0], 4),
            "seconds_best": round(min(seconds), 4),
            "seconds_median": round(statistics.median(seconds), 4),
            "plan": " | ".join(str(row[-1]).strip() for row in plan[:5])}


def run(url: str, args: argparse.Namespace) -> dict[str, object]:
    started = time.perf_counter()
    migrate(url)
    migrated = round(time.perf_counter() - started, 1)
    filled = fill(url, args.open, args.ended)
    return {"migrate_seconds": migrated, "fill_seconds": filled, **measure(url, args.repeat)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--ended", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--postgres", default=DEFAULT_PG)
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead")
    args = parser.parse_args()
    result: dict[str, object] = {"benchmark": "adjudication_clock", "open": args.open,
                                 "ended": args.ended, "today": TODAY.isoformat(),
                                 "window_days": 30}
    if args.sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            result["sqlite"] = run(f"sqlite:///{tmp}/bench.sqlite3", args)
    else:
        name = f"pca_bench_adj_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
            result["postgresql"] = run(url, args)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
