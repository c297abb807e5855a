"""`pca declarations|tariff|preferential|outcomes import FILE`."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from ..db import get_session
from .problems import IntakeError
from .runner import KINDS, import_file

SHOWN = 200
declarations_cli = AppGroup("declarations", help="Cleared goods declarations.")
tariff_cli = AppGroup("tariff", help="The customs tariff (rates by PCT code and date).")
preferential_cli = AppGroup("preferential", help="Preferential (FTA) customs-duty rates.")
outcomes_cli = AppGroup("outcomes", help="Past audit outcomes, the risk model's labels.")


def _import_command(group: AppGroup, kind: str) -> None:
    formats = ["canonical", "kcs"] if kind in ("declarations", "outcomes") else ["canonical"]

    @group.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--format", "data_format", type=click.Choice(formats), default="canonical",
                  show_default=True, help="kcs: the KCS benchmark files in shared/data/kcs")
    @click.option("--skip-invalid", is_flag=True,
                  help="Import the good rows; write the bad ones with reasons to a rejects file.")
    @click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="Rejects file (default: FILE.rejects.csv), with --skip-invalid.")
    @click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
    def import_cmd(file: Path, data_format: str, skip_invalid: bool, rejects: Path | None,
                   as_json: bool) -> None:
        session = get_session()
        if skip_invalid and rejects is None:
            rejects = file.with_name(file.name + ".rejects.csv")
        try:
            report = import_file(session, kind, file, data_format=data_format,
                                 skip_invalid=skip_invalid, rejects_path=rejects)
        except IntakeError as exc:
            session.rollback()
            click.echo(f"{file}: not imported, nothing was written. Problems:", err=True)
            for problem in exc.problems[:SHOWN]:
                click.echo(f"  {problem}", err=True)
            if len(exc.problems) > SHOWN:
                click.echo(f"  ... and {len(exc.problems) - SHOWN} more", err=True)
            raise SystemExit(1) from None
        session.commit()
        if as_json:
            click.echo(json.dumps(report.as_dict(), indent=2))
            return
        click.echo(f"{file}: {report.rows_read} rows read; {report.new} new, {report.amended} "
                   f"amended, {report.unchanged} unchanged, {report.rejected} rejected "
                   f"(batch {report.batch_id}).")
        if report.rejects_path:
            click.echo(f"Rejected rows and their reasons: {report.rejects_path}")

    import_cmd.__doc__ = f"Import a {kind} CSV file (all or nothing unless --skip-invalid)."


for _group, _kind in ((declarations_cli, "declarations"), (tariff_cli, "tariff"),
                      (preferential_cli, "preferential"), (outcomes_cli, "outcomes")):
    _import_command(_group, _kind)

COMMANDS = [declarations_cli, tariff_cli, preferential_cli, outcomes_cli]
assert set(KINDS) == {"declarations", "tariff", "preferential", "outcomes"}
