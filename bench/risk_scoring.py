"""Risk scoring speed on 1,000,000 stored items: the model step, and `pca risk score` end to end.

    .venv/bin/python bench/risk_scoring.py [--items 1000000] [--seed 7] [--postgres [URL]]

Demo files are generated once (`pca demo generate`) and cached under bench/out/; so is the
imported SQLite database (`pca tariff|preferential|declarations|outcomes import` and the
starter rules). Each run works on a fresh copy of that database and first trains a model on
every outcome (`pca risk train --activate`). Prints JSON:
- model_step: the model's own work on all items (design matrix + LightGBM predict), items/s,
  plus the cold-start blend for comparison; the feature frame and rules are built first and
  timed separately;
- score_end_to_end: wall-clock seconds of `pca risk score --out FILE.csv` in a child process
  (start-up, features, rules, model, reasons, storing 1M scores, writing the CSV).
The machine is shared: figures vary with what else runs (load average reported).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # runnable from a clean checkout without installing the package
PCA = str(REPO / ".venv" / "bin" / "pca")
OUT = REPO / "bench" / "out"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def env(url: str) -> dict[str, str]:
    return {**os.environ, "PCA_DATABASE_URL": url, "PCA_SECRET_KEY": "bench", "PCA_DEMO": "0"}


def pca(url: str, *args: str) -> str:
    done = subprocess.run([PCA, *args], check=True, env=env(url), capture_output=True, text=True)
    return done.stdout


def demo_files(items: int, seed: int) -> Path:
    out = OUT / f"demo-{items}-{seed}"
    if not (out / "ground_truth.csv").exists():
        pca("sqlite://", "demo", "generate", "--items", str(items), "--seed", str(seed),
            "--out", str(out))
    return out


def load_database(url: str, files: Path, train_until: str | None = None) -> dict[str, float]:
    """Migrate, import the four files, install the starter rules, train and activate."""
    seconds: dict[str, float] = {}
    pca(url, "db", "upgrade")
    for kind in ("tariff", "preferential", "declarations", "outcomes"):
        started = time.perf_counter()
        pca(url, kind, "import", str(files / f"{kind}.csv"))
        seconds[f"import_{kind}"] = round(time.perf_counter() - started, 1)
    pca(url, "risk", "rules", "install-starter")
    started = time.perf_counter()
    pca(url, "risk", "train", "--activate", *(["--until", train_until] if train_until else []))
    seconds["train"] = round(time.perf_counter() - started, 1)
    return seconds


def cached_sqlite(items: int, seed: int) -> tuple[Path, dict[str, float]]:
    db = OUT / f"risk-{items}-{seed}.sqlite3"
    if db.exists():
        return db, {}
    tmp = db.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    seconds = load_database(f"sqlite:///{tmp}", demo_files(items, seed))
    tmp.rename(db)
    return db, seconds


def model_step(url: str) -> dict[str, object]:
    """Time the model step in this process on every stored item."""
    from audit_app import create_app
    from audit_app.db import get_session
    from audit_app.risk import coldstart
    from audit_app.risk.features import build_frame
    from audit_app.risk.model_store import active_model, load
    from audit_app.risk.rule_hits import apply_rules
    from audit_app.risk.scoring import rules_subset

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context():
        session = get_session()
        started = time.perf_counter()
        frame = build_frame(session)
        built = time.perf_counter()
        rules = apply_rules(session, frame)
        ruled = time.perf_counter()
        fitted = load(active_model(session))
        fitted.predict(frame.head(1000), rules_subset(rules, np.arange(1000)))  # warm-up
        timings = []
        for _ in range(3):  # best of 3: the machine is shared
            t0 = time.perf_counter()
            matrix = fitted.matrix(frame, rules)
            t1 = time.perf_counter()
            fitted.booster.predict(matrix)
            timings.append((time.perf_counter() - t0, t1 - t0, time.perf_counter() - t1))
        best, matrix_seconds, predict_seconds = min(timings)
        t0 = time.perf_counter()
        coldstart.probability(coldstart.terms(frame, rules.score))
        blend = time.perf_counter() - t0
        n = len(frame)
    return {"items": n, "trees": fitted.booster.num_trees(),
            "features_seconds": round(built - started, 2),
            "rules_seconds": round(ruled - built, 2),
            "model_seconds_best_of_3": round(best, 2),
            "of_which_matrix_seconds": round(matrix_seconds, 2),
            "of_which_predict_seconds": round(predict_seconds, 2),
            "model_items_per_second": round(n / best),
            "cold_start_items_per_second": round(n / blend)}


def score_end_to_end(url: str, out_csv: Path) -> dict[str, object]:
    started = time.perf_counter()
    summary = json.loads(pca(url, "risk", "score", "--out", str(out_csv), "--json"))
    seconds = time.perf_counter() - started
    with open(out_csv) as f:
        rows = sum(1 for _ in f) - 1
    return {"seconds": round(seconds, 1), "csv_rows": rows, "command": summary}


def postgres(base: str, files: Path, out_csv: Path) -> dict[str, object]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"pca_bench_risk_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        loading = load_database(url, files)
        return {"load_seconds": loading, "model_step": model_step(url),
                "score_end_to_end": score_end_to_end(url, out_csv)}
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", nargs="?", const=DEFAULT_PG, default=None,
                        help="also run on PostgreSQL (a temporary database on this server)")
    args = parser.parse_args()

    db, loading = cached_sqlite(args.items, args.seed)
    result: dict[str, object] = {"benchmark": "risk_scoring", "items": args.items,
                                 "load_average": os.getloadavg()[0]}
    if loading:
        result["sqlite_load_seconds"] = loading
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "bench.sqlite3"
        shutil.copyfile(db, copy)
        url = f"sqlite:///{copy}"
        # A fresh model on the copy, so the figures are those of the current training code.
        started = time.perf_counter()
        pca(url, "risk", "train", "--activate")
        result["sqlite"] = {"train_seconds": round(time.perf_counter() - started, 1),
                            "model_step": model_step(url),
                            "score_end_to_end": score_end_to_end(url, Path(tmp) / "scores.csv")}
        if args.postgres:
            result["postgresql"] = postgres(args.postgres, demo_files(args.items, args.seed),
                                            Path(tmp) / "scores-pg.csv")
    result["load_average_after"] = os.getloadavg()[0]
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
