"""`flask demo ...` / `pca demo ...`: demo data commands (registered by audit_app.cli)."""
from __future__ import annotations

import datetime as dt
import json
import signal
from pathlib import Path

import click
from flask.cli import AppGroup

from .generator import generate

demo_cli = AppGroup("demo", help="Demonstration data: generate files with planted, known fraud; "
                                 "seed a demo instance; list its logins.")


@demo_cli.command("generate")
@click.option("--items", type=click.IntRange(min=1), default=50_000, show_default=True,
              help="Declaration items to generate.")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Random seed: the same seed gives byte-identical files.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="Directory to write the CSV files to (created if needed).")
@click.option("--start", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="First clearance date, YYYY-MM-DD [default: 2023-07-01].")
@click.option("--months", type=click.IntRange(min=1), default=24, show_default=True,
              help="Length of the period in months.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def generate_command(items: int, seed: int, out_dir: Path, start: dt.datetime | None,
                     months: int, as_json: bool) -> None:
    """Write declarations, tariff, preferential and outcomes CSVs (plus ground_truth.csv)."""
    summary = generate(out_dir, items, seed, start.date() if start else None, months)
    if as_json:
        click.echo(json.dumps(summary, default=str, indent=2))
        return
    click.echo(f"Demo data in {summary['out_dir']} (seed {seed}, "
               f"{summary['start']} to {summary['end']}, {summary['importers']:,} importers, "
               f"{summary['declarations']:,} GDs)")
    for name, rows in summary["files"].items():
        click.echo(f"  {name:<18} {rows:>11,} rows")
    click.echo(f"Planted fraud: {summary['planted_items']:,} items, short levy "
               f"Rs {summary['planted_short_levy_pkr']:,}")
    for kind, count in summary["planted"].items():
        click.echo(f"  {kind:<18} {count:>11,}")
    findings = sum(v for k, v in summary["audited_findings"].items() if k != "NONE")
    click.echo(f"Past audits (outcomes.csv): {summary['audited']:,} items, {findings:,} with "
               "a finding")
    click.echo("ground_truth.csv is for evaluating the risk engine only: never import it.")


@demo_cli.command("seed")
@click.option("--items", type=click.IntRange(min=1), default=60_000, show_default=True,
              help="Declaration items to generate and import.")
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option("--months", type=click.IntRange(min=1), default=24, show_default=True,
              help="Months of clearances, ending last month.")
@click.option("--cases", type=click.IntRange(min=0), default=None,
              help="Audit cases to live through every stage over the last 11 months, spread "
                   "over the directorates [default: 300].")
@click.option("--defer-lifecycle", is_flag=True,
              help="Plan the cases and live only the walkthrough's; `pca demo grow` lives the "
                   "rest (used by `make run`, which serves meanwhile).")
@click.option("--if-empty", is_flag=True,
              help="Do nothing when the database already holds data (used by `make run`).")
def seed_command(items: int, seed: int, months: int, cases: int | None,
                 defer_lifecycle: bool, if_empty: bool) -> None:
    """Create formations and demo users, then generate and import demo data."""
    from flask import current_app

    from ..db import get_session
    from .seeding import DEMO_CASES, is_seeded, seed_demo

    if not current_app.config.get("DEMO"):
        raise click.ClickException("Demo data goes only into a demo instance: set PCA_DEMO=1.")
    session = get_session()
    if if_empty and is_seeded(session):
        click.echo("Demo data already present: reusing it.")
        return
    out_dir = Path(current_app.instance_path) / "demo-data"
    click.echo(f"Generating and importing {items:,} declaration items ({months} months)...")
    result = seed_demo(session, out_dir, items=items, seed=seed, months=months,
                       cases=DEMO_CASES if cases is None else cases,
                       defer_lifecycle=defer_lifecycle, commit=session.commit,
                       progress=_progress)
    session.commit()
    for kind, report in result["imported"].items():
        click.echo(f"  {kind:<13} {report['rows_read']:>9,} rows, {report['new']:,} new")
    risk = result["risk"]
    click.echo(f"Risk: starter rules active, model {risk['model']} trained and active, "
               f"{risk['items_scored']:,} items scored, {risk['proposals']} audits proposed "
               "for the supervisor (PCA-S) to approve.")
    life = result["lifecycle"]
    if defer_lifecycle:
        click.echo(f"Cases: {life['planned']} planned over the directorates, to be lived by "
                   "`pca demo grow`.")
    else:
        _report_cases(life)
    click.echo(f"Targets: {life['targets']} monthly targets for the steering report.")
    if life["walkthrough"]:
        click.echo(f"Walkthrough case (README, adjudication to recovery): {life['walkthrough']}, "
                   "its contravention report waiting for the auditor to frame it.")
    click.echo(f"Files (with ground_truth.csv for risk evaluation) in {out_dir}")


def _progress(done: int, total: int, case: object) -> None:
    if done % 10 == 0 or done == total:
        number = getattr(case, "case_number", "-")
        status = getattr(case, "status", "-")
        click.echo(f"demo cases: {done}/{total} lived (last {number}, {status})")


def _report_cases(life: dict[str, object]) -> None:
    click.echo(f"Cases: {life['cases']} lived through their processes over the last months "
               f"({life['seconds']} s, {life['cpu_seconds']} s CPU); by status now:")
    for status, count in life["statuses"].items():  # type: ignore[attr-defined]
        click.echo(f"  {status:<26} {count:>5}")


@demo_cli.command("grow")
def grow_command() -> None:
    """Live the demo cases `pca demo seed --defer-lifecycle` planned and not lived yet, one
    case per transaction (the app stays usable); run again after an interruption to continue."""
    from flask import current_app

    from ..db import get_session
    from .growth import remaining
    from .seeding import grow_lifecycle

    if not current_app.config.get("DEMO"):
        raise click.ClickException("Demo data goes only into a demo instance: set PCA_DEMO=1.")
    session = get_session()
    planned, left = remaining(session)
    session.commit()
    if not left:
        click.echo(f"demo cases: all {planned} planned cases lived." if planned else
                   "demo cases: none planned (run `pca demo seed` first).")
        return
    click.echo(f"demo cases: living {left} of {planned} in the background, one case at a time "
               "(the app is usable meanwhile)...")
    out_dir = Path(current_app.instance_path) / "demo-data"

    stopping: list[int] = []

    def stop(_signum: int, _frame: object) -> None:
        """`make run`'s Ctrl-C arrives as SIGTERM: finish the case being lived (a second or
        two), then stop; a second SIGTERM stops at once (the open case is rolled back)."""
        if stopping:
            raise SystemExit(1)
        stopping.append(_signum)

    signal.signal(signal.SIGTERM, stop)
    try:
        life = grow_lifecycle(session, out_dir, commit=session.commit, progress=_progress,
                              should_stop=lambda: bool(stopping))
    except KeyboardInterrupt:  # Ctrl-C in a terminal: the case being lived is rolled back
        stopping.append(0)
        session.rollback()
    if stopping:
        planned, left = remaining(session)
        session.rollback()
        click.echo(f"demo cases: stopped with {left} of {planned} still to live; "
                   "`pca demo grow` (or `make run`) continues.")
        return
    session.commit()
    _report_cases(life)


@demo_cli.command("logins")
def logins_command() -> None:
    """Print the demo users, their roles and the demo password."""
    from sqlalchemy import select

    from ..db import get_session
    from ..models import ROLE_LABELS, User
    from .seeding import DEMO_PASSWORD, DEMO_USERS

    from .seeding import REGIONAL_NAMES, REGIONAL_STAFF

    session = get_session()
    present = set(session.scalars(select(User.username)))
    regional = {f"{base}_{code[-1].lower()}": code for code in REGIONAL_NAMES
                for base in REGIONAL_STAFF}
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for username, full_name, designation, roles, _ in DEMO_USERS:
        if username in present and username not in regional:
            labels = ", ".join(ROLE_LABELS[r] for r in roles)
            click.echo(f"  {username:<12} {labels:<28} {full_name}, {designation}")
    for code in REGIONAL_NAMES:
        names = [u for u, c in regional.items() if c == code and u in present]
        if names:
            suffix = f"_{code[-1].lower()}"
            click.echo(f"  {code}: the same staff as PCA-S, named with {suffix} "
                       f"(e.g. supervisor{suffix}, auditor{suffix}, recovery{suffix})")
