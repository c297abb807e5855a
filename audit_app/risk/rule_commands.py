"""`pca risk rules ...`, `pca risk select`, `pca risk monitor`: rule sets, audit selection and
monitoring from the console. `attach(groups)` adds them to the `risk` group of `pca`."""
from __future__ import annotations

import datetime as dt
import getpass
import json
from pathlib import Path
from typing import Any, Callable, Sequence

import click
from flask.cli import AppGroup

from ..db import get_session
from ..errors import DomainError

rules_cli = AppGroup("rules", help="Risk rule sets: the starter set, versions, export/import, "
                                   "validation and activation.")


def _console_user() -> str:
    try:
        return f"console:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "console"


def _domain(action: Callable[[], Any]) -> Any:
    """Run a service call; a domain error becomes a clear console message and exit status 1."""
    try:
        return action()
    except DomainError as exc:
        details = exc.details
        if isinstance(details, dict):
            details = [f"{k}: {v}" for k, v in details.items()]
        elif isinstance(details, list):
            details = [d if isinstance(d, str) else _problem(d) for d in details]
        lines = [exc.message, *[f"  - {d}" for d in details or []]]
        raise click.ClickException("\n".join(lines)) from exc


def _problem(d: dict[str, Any]) -> str:
    where = f" column {d['column']}" if d.get("column") else ""
    return f"{d['code']} {d['field']}{where}: {d['message']}"


@rules_cli.command("install-starter")
def install_starter_cmd() -> None:
    """Create and activate version 1 from the starter rules, if there is no rule set yet."""
    from .rule_service import install_starter

    session = get_session()
    rule_set = _domain(lambda: install_starter(session))
    if rule_set is None:
        click.echo("A rule set already exists: nothing installed.")
        return
    session.commit()
    click.echo(f"Installed and activated rule set version {rule_set.version} "
               f"({len(rule_set.rules)} rules).")


@rules_cli.command("list")
@click.option("--version", type=int, default=None, help="Show the rules of this version "
                                                         "(default: the active one).")
def list_cmd(version: int | None) -> None:
    """List the rule-set versions, then the rules of one."""
    from .rule_service import get_rule_set, rule_sets

    session = get_session()
    sets = rule_sets(session)
    if not sets:
        click.echo("No rule set yet: `pca risk rules install-starter` installs the starter set.")
        return
    for s in sets:
        when = f"activated {s.activated_at:%Y-%m-%d %H:%M}" if s.activated_at else ""
        click.echo(f"v{s.version:<4} {s.status:<8} {len(s.rules):>3} rules  {when}  {s.note or ''}")
    shown = _domain(lambda: get_rule_set(session, version)) if version else \
        next((s for s in sets if s.status == "active"), None)
    if shown is not None:
        click.echo(f"\nRules of version {shown.version} ({shown.status}):")
        for r in shown.rules:
            until = f" to {r.valid_to}" if r.valid_to else ""
            click.echo(f"  {r.code:<20} w={r.weight}  {r.fraud_kind:<17} {r.name}  "
                       f"[{r.valid_from}{until}]")
            click.echo(f"  {'':<20} if {r.condition}")


@rules_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--version", type=int, default=None, help="Default: the active version.")
def export_cmd(file: Path, version: int | None) -> None:
    """Write a rule set to FILE.json."""
    from .rule_service import export_rule_set, get_rule_set
    from .rules import active_rule_set

    session = get_session()
    rule_set = _domain(lambda: get_rule_set(session, version)) if version \
        else active_rule_set(session)
    if rule_set is None:
        raise click.ClickException("No active rule set to export: give --version.")
    file.write_text(json.dumps(export_rule_set(rule_set), indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    click.echo(f"Exported version {rule_set.version} ({len(rule_set.rules)} rules) to {file}.")


@rules_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace-draft", is_flag=True, help="Discard the draft being edited, if any.")
def import_cmd(file: Path, replace_draft: bool) -> None:
    """Create a draft from FILE.json (activate it with `pca risk rules activate`)."""
    from .rule_service import import_rule_set

    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.ClickException(f"{file} is not a JSON file: {exc}") from exc
    session = get_session()
    draft, warnings = _domain(lambda: import_rule_set(session, document, None, replace_draft))
    session.commit()
    click.echo(f"Imported {len(draft.rules)} rules as draft version {draft.version}.")
    for w in warnings:
        click.echo(f"  ! {_problem(w)}")
    if warnings:
        click.echo("Correct these rules before activating the draft.")


@rules_cli.command("validate")
@click.option("--version", type=int, default=None, help="Default: the draft, else the active.")
@click.option("--no-test-run", is_flag=True, help="Only check that every rule compiles.")
def validate_cmd(version: int | None, no_test_run: bool) -> None:
    """Check every condition and reason; test-run on the latest 10,000 items."""
    from .rule_service import current_draft, get_rule_set, latest_feature_frame, validate_rule_set
    from .rules import active_rule_set

    session = get_session()
    rule_set = (_domain(lambda: get_rule_set(session, version)) if version
                else current_draft(session) or active_rule_set(session))
    if rule_set is None:
        raise click.ClickException("No rule set to validate.")
    frame, note = (None, "Test run skipped.") if no_test_run else latest_feature_frame(session)
    report = validate_rule_set(rule_set, frame, note)
    click.echo(f"Version {report.version} ({rule_set.status}): {report.rules} rules, "
               f"{len(report.errors)} error(s).")
    for e in report.errors:
        click.echo(f"  ! {_problem(e)}")
    if report.hit_counts is not None:
        click.echo(f"Test run on the latest {report.items_tested:,} items: "
                   f"{report.items_hit:,} hit by at least one rule.")
        for code, n in report.hit_counts.items():
            share = n / report.items_tested if report.items_tested else 0
            click.echo(f"  {code:<20} {n:>7,} ({share:.1%})")
    elif report.note:
        click.echo(report.note)
    if not report.ok:
        raise SystemExit(1)


@rules_cli.command("activate")
@click.argument("version", type=int)
def activate_cmd(version: int) -> None:
    """Make VERSION the active rule set; the active one is retired. All or nothing."""
    from .rule_service import activate

    session = get_session()
    rule_set = _domain(lambda: activate(session, version))
    session.commit()
    click.echo(f"Rule set version {rule_set.version} is active ({len(rule_set.rules)} rules).")


@click.command("select")
@click.option("--capacity", type=int, required=True, help="Audits (importers) to propose.")
@click.option("--directorate", default=None, help="Only items cleared at this directorate's "
                                                  "collectorates, e.g. PCA-S.")
@click.option("--random-share", type=float, default=0.1, show_default=True,
              help="Share of the audits chosen at random.")
@click.option("--seed", type=int, default=None, help="Seed of the random draw (printed when "
                                                     "not given, to reproduce it).")
@click.option("--items-per-audit", type=int, default=20, show_default=True)
@click.option("--run", "run_id", type=int, default=None, help="Scoring run (default: latest).")
def select_cmd(capacity: int, directorate: str | None, random_share: float, seed: int | None,
               items_per_audit: int, run_id: int | None) -> None:
    """Propose audits within capacity from the latest scores, grouped by importer."""
    from dataclasses import replace

    from .selection import SelectionRequest, select_audits

    session = get_session()
    request = _domain(lambda: SelectionRequest.parse({
        "capacity": capacity, "directorate": directorate, "random_share": random_share,
        "seed": seed, "items_per_audit": items_per_audit}))
    result = _domain(lambda: select_audits(session, replace(request, run_id=run_id),
                                           _console_user()))
    session.commit()
    click.echo(f"Selection run {result.run.id} from scoring run {result.score_run.id}: "
               f"{len(result.proposals)} proposals (seed {result.seed}); "
               f"{result.importers_ranked:,} importers ranked, {result.importers_skipped:,} "
               "skipped as already proposed.")
    for n, p in enumerate(result.proposals, start=1):
        who = p.importer
        click.echo(f"{n:>3}. [{p.basis}] {who.name or ''} (NTN {who.ntn}) "
                   f"{p.directorate_code or '-'}: {p.reason}")
    for note in result.notes:
        click.echo(f"Note: {note}")


@click.command("monitor")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="First audit date counted.")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Last audit date counted.")
def monitor_cmd(date_from: dt.datetime | None, date_to: dt.datetime | None) -> None:
    """Store hit rate and yield per rule, model version and selection basis, and score drift."""
    from .monitoring import psi_label, run_monitoring

    session = get_session()
    rows = run_monitoring(session, date_from.date() if date_from else None,
                          date_to.date() if date_to else None)
    session.commit()
    click.echo(f"{len(rows)} monitoring rows stored.")
    for r in rows:
        if r.subject_type == "scores":
            click.echo(f"  drift  {r.subject_key:<22} PSI {r.drift_psi:.3f} ({psi_label(r.drift_psi)})")
        else:
            rate = f"{r.hits / r.audited:.0%}" if r.audited else "-"
            click.echo(f"  {r.subject_type:<9} {r.subject_key:<20} selected {r.selected:>8,}  "
                       f"audited {r.audited:>6,}  hits {r.hits:>6,} ({rate:>4})  "
                       f"yield Rs {r.yield_pkr:,.0f}")


def attach(groups: Sequence[click.Command]) -> None:
    """Add these commands to the `risk` group among `groups` (the risk engine's own commands
    live in .commands, kept by the model side)."""
    risk = next((g for g in groups if g.name == "risk" and isinstance(g, click.Group)), None)
    if risk is None:
        raise RuntimeError("the `pca risk` group is not registered")
    for command in (rules_cli, select_cmd, monitor_cmd):
        risk.add_command(command)
