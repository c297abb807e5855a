"""`pca worker`: fire due workflow timers and SLA escalations."""
from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

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


workflows_cli = click.Group("workflows", help="BPMN processes and DMN decision tables.")


@workflows_cli.command("validate")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
def validate_cmd(files: tuple[Path, ...]) -> None:
    """Check BPMN/DMN FILES (default: every file of bpmn/ and bpmn/archive/) before they are
    installed: well-formed XML, no reserved ids, SpiffWorkflow parses them, every script,
    condition and DMN expression passes the script sandbox. Exit 1 listing every problem."""
    from .specs import BPMN_DIR
    from .validate import validate_directory, validate_file

    if files:
        problems = [p for path in files for p in validate_file(path)]
        checked = len(files)
    else:
        problems = validate_directory(BPMN_DIR)
        checked = sum(len(list(d.glob(pattern))) for d in (BPMN_DIR, BPMN_DIR / "archive")
                      for pattern in ("*.bpmn", "*.dmn"))
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(problems)} problem(s) in {checked} file(s).", err=True)
        sys.exit(1)
    click.echo(f"{checked} file(s) valid.")


COMMANDS = [worker_cmd, workflows_cli]
