"""`pca worker`: fire due workflow timers and SLA escalations."""
from __future__ import annotations

import datetime as dt
import time

import click
from flask.cli import with_appcontext

from audit_app.db import get_db

from .clock import FixedClock, SystemClock
from .worker import record_heartbeat, run_once, worker_name


@click.command("worker")
@click.option("--once", is_flag=True, help="Fire what is due now, then exit.")
@click.option("--now", "now_iso", help="Pretend it is this instant (ISO 8601, UTC if no zone); "
              "for demonstrations and tests. Implies --once.")
@click.option("--interval", default=30.0, show_default=True, help="Seconds between rounds.")
@with_appcontext
def worker_cmd(once: bool, now_iso: str | None, interval: float) -> None:
    """Fire due timers and escalations, each exactly once, even with several workers."""
    sessions = get_db().sessionmaker
    if now_iso:
        at = dt.datetime.fromisoformat(now_iso)
        clock = FixedClock(at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc))
        click.echo(f"Fired {run_once(sessions, clock)} timer(s) at {clock.now().isoformat()}.")
        return
    system = SystemClock()
    name = worker_name()
    while True:
        fired = run_once(sessions, system, name=name)
        record_heartbeat(sessions, name, fired, system.now())
        if once:
            click.echo(f"Fired {fired} timer(s).")
            return
        time.sleep(interval)


COMMANDS = [worker_cmd]
