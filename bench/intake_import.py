"""Intake speed: import a generated declarations file into SQLite and PostgreSQL.

    .venv/bin/python bench/intake_import.py [--items 1000000] [--seed 7] [--postgres URL]

Each import runs as `pca declarations import` in a child process on a freshly migrated database,
so the figure includes everything an operator waits for (start-up, validation, staging, merge,
commit). Prints JSON: items/s, the CPU time of the command (with its reader process; the
database server's is not included), peak resident memory of the largest process and of the
command with its reader together (sampled), and the 1-minute load average at the start and end
of each import (the machine is shared: compare CPU time when the load is high).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PCA = str(REPO / ".venv" / "bin" / "pca")
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def generated_file(items: int, seed: int) -> Path:
    out = REPO / "bench" / "out" / f"demo-{items}-{seed}"
    if not (out / "declarations.csv").exists():
        subprocess.run([PCA, "demo", "generate", "--items", str(items), "--seed", str(seed),
                        "--out", str(out)], check=True, env=_env("sqlite://"),
                       stdout=subprocess.DEVNULL)
    return out / "declarations.csv"


def _env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(PCA_DATABASE_URL=url, PCA_SECRET_KEY="bench", PCA_DEMO="0")
    return env


def _tree_memory_kib(pid: int) -> tuple[int, int]:
    """(largest resident set of one process, proportional set size of all together) of a
    process and its descendants (the reader process), in KiB; PSS counts the pages the forked
    reader shares with its parent once."""
    largest = total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                fields = {line.split(":")[0]: int(line.split()[1]) for line in f
                          if line.startswith(("Rss:", "Pss:"))}
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
        largest = max(largest, fields.get("Rss", 0))
        total += fields.get("Pss", 0)
    return largest, total


def timed_import(url: str, path: Path) -> dict[str, float]:
    env = _env(url)
    subprocess.run([PCA, "db", "upgrade"], check=True, env=env, stdout=subprocess.DEVNULL)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    child = subprocess.Popen([PCA, "declarations", "import", str(path)], env=env,
                             stdout=subprocess.DEVNULL)
    largest = together = 0  # sampled: RUSAGE_CHILDREN's maximum spans every earlier child too
    while child.poll() is None:
        one, both = _tree_memory_kib(child.pid)
        largest, together = max(largest, one), max(together, both)
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    if child.returncode:
        raise SystemExit(f"import failed with exit code {child.returncode}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"seconds": round(seconds, 2),
            # CPU of the import command and its reader process (not the database server's)
            "cpu_seconds": round(cpu, 2),
            "peak_rss_mb": round(largest / 1024, 1),
            "peak_pss_with_reader_mb": round(together / 1024, 1),
            "load_average_1min": [round(load, 2), round(os.getloadavg()[0], 2)]}


def postgres_database(base: str) -> tuple[str, object]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"pca_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return make_url(base).set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", default=os.environ.get("PCA_BENCH_POSTGRES_URL", DEFAULT_PG))
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()

    path = generated_file(args.items, args.seed)
    result: dict[str, object] = {"benchmark": "intake_import", "items": args.items,
                                 "file_mb": round(path.stat().st_size / 2**20, 1)}
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = timed_import(f"sqlite:///{tmp}/bench.sqlite3", path)
    sqlite["items_per_second"] = round(args.items / sqlite["seconds"])
    result["sqlite"] = sqlite
    if not args.skip_postgres:
        url, drop = postgres_database(args.postgres)
        try:
            pg = timed_import(url, path)
        finally:
            drop()  # type: ignore[operator]
        pg["items_per_second"] = round(args.items / pg["seconds"])
        result["postgresql"] = pg
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
