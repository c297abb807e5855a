"""`pca report steering --period 2026-10 [--out FILE] [--draft]` and `pca report targets ...`."""
from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click
from flask.cli import with_appcontext

from audit_app.db import get_session
from audit_app.errors import DomainError

report_cli = click.Group("report", help="Management reports: the steering-committee report, targets.")


@report_cli.command("steering")
@click.option("--period", required=True, help="2026-10 (month), 2026-Q3 (quarter) or 2026 (year)")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the PDF (default: steering-report-<period>.pdf)")
@click.option("--draft", is_flag=True, help="Write the PDF without archiving it as issued")
@with_appcontext
def steering_command(period: str, out: Path | None, draft: bool) -> None:
    """Make the steering-committee report; archive it as issued unless --draft."""
    from workflows.clock import local_date
    from . import build, issue, render_pdf
    session = get_session()
    today = local_date(dt.datetime.now(dt.timezone.utc))
    started = time.perf_counter()
    try:
        if draft:
            data = build(session, period, today=today)
            pdf, pages = render_pdf(data, issued_by="draft (not issued)", issued_on=today)
            label, note = data.period_label, "draft, not archived"
        else:
            report = issue(session, period, actor=None, today=today)
            session.commit()
            pdf, pages, label = report.pdf, report.pages, report.period
            note = f"issued as report {report.id} version {report.version}, sha256 {report.sha256}"
    except DomainError as exc:
        raise click.ClickException(f"{exc.message} {exc.details or ''}".strip()) from None
    path = out or Path(f"steering-report-{label}.pdf")
    path.write_bytes(pdf)
    click.echo(f"{path}: {pages} pages, {len(pdf):,} bytes, {time.perf_counter() - started:.1f} s; {note}")


@report_cli.group("targets")
def targets_cli() -> None:
    """Monthly revenue targets the dashboards and the report compare against."""


@targets_cli.command("set")
@click.option("--month", required=True, help="YYYY-MM")
@click.option("--measure", required=True, type=click.Choice(["detected", "adjudged", "recovered"]))
@click.option("--amount", required=True, help="rupees")
@click.option("--directorate", default=None, help="a directorate code; omit for the whole administration")
@with_appcontext
def targets_set(month: str, measure: str, amount: str, directorate: str | None) -> None:
    from audit_app.services.targets import set_target
    session = get_session()
    try:
        row = set_target(session, month, measure, amount, directorate=directorate,
                         set_by="pca report targets")
    except DomainError as exc:
        raise click.ClickException(f"{exc.message} {exc.details or ''}".strip()) from None
    session.commit()
    click.echo(f"{row.month:%Y-%m} {row.measure} {row.directorate_code or 'all directorates'}: "
               f"Rs {row.amount_pkr:,.0f}")


@targets_cli.command("list")
@with_appcontext
def targets_list() -> None:
    from audit_app.services.targets import list_targets
    for row in list_targets(get_session()):
        click.echo(f"{row.month:%Y-%m}  {row.measure:<9} {row.directorate_code or 'all':<8} "
                   f"Rs {row.amount_pkr:>16,.0f}  ({row.set_by})")
