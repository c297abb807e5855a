"""SIGKILL in the middle of a load run (a few kills; `bench/crash_runs.py` does 20): gunicorn
workers and `pca worker` processes die at random instants and are restarted; afterwards every
completion answered 2xx is in the database, no case is half-advanced (saved state, open-task
table and timeline agree) and every timer due fired exactly once.

Real processes on this test's database (SQLite file or PostgreSQL); timers run on simulated
time (`pca worker --now`), nobody sleeps for a deadline.
"""
from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import pytest
from flask import Flask

from audit_app.auth.service import issue_api_token
from audit_app.db import get_session
from tests.casedata import World, world  # noqa: F401

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import crash_runs  # noqa: E402

CASES = 40
KILLS = 4


@pytest.mark.slow
def test_killed_processes_lose_no_committed_work_and_fire_each_timer_once(
        app: Flask, world: World, migrated_url: str, tmp_path: Path) -> None:
    opened = [world.open_case(1) for _ in range(CASES)]
    case_ids = [c.id for c in opened]
    _, token = issue_api_token(world.session, "sup crash", ["tasks:read", "tasks:write"],
                               user=world.supervisor)
    world.session.commit()
    work = [crash_runs.Work(world.task(c).task_id, c.id, token,
                            (world.auditor if i % 2 else world.auditor2).id)
            for i, c in enumerate(opened)]
    env = {**os.environ, "PCA_DATABASE_URL": migrated_url, "PCA_SECRET_KEY": "crash-test",
           "PCA_DEMO": "0", "PCA_INSTANCE_PATH": str(tmp_path / "instance"),
           "PCA_LOG_LEVEL": "WARNING", "PCA_SECURE_COOKIES": "0"}
    # Timers of these cases fall due early in 2026 (the world's clock), the ones the app
    # makes during the run a few days after today: 'now' for the workers is after both.
    now = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=120)
    outcome = crash_runs.run(env, work, kills=KILLS, now=now, clients=3, workers=2,
                             timer_workers=1, pause=(0.5, 1.5))
    assert sum(outcome.kills.values()) == KILLS, outcome.kills
    assert set(outcome.statuses) <= {0, 200}, outcome.statuses  # 0: died under the request
    with app.app_context():
        checked = crash_runs.verify(get_session(), outcome, case_ids, now)
    assert checked["problems"] == [], checked
    assert checked["committed_2xx"] > 0 and checked["escalations"] > 0, checked
