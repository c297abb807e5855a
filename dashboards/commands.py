"""`pca dashboards rebuild-facts` and `pca dashboards check-facts`: the per-case facts the
dashboards filter and group by (`case_facts`, its tags and audited declarations) and the ledger's
monthly sums (`ledger_months`), rebuilt from the source tables or compared with them. The services keep the facts in step as they work; these are for operators (after a bulk
load outside the services, a restore, or to verify)."""
from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from audit_app.db import get_session

dashboards_cli = click.Group("dashboards", help="Dashboards: the per-case facts they read.")


@dashboards_cli.command("rebuild-facts")
@with_appcontext
def rebuild_facts() -> None:
    """Recompute every case's facts (dimensions, stage dates, tags, audited declarations) and
    the ledger's monthly sums, in one transaction."""
    from audit_app.services import case_facts
    session = get_session()
    started = time.perf_counter()
    written = case_facts.rebuild(session)
    session.commit()
    case_facts.analyze(session)
    click.echo(f"case facts rebuilt for {written:,} cases in {time.perf_counter() - started:.1f} s")


@dashboards_cli.command("check-facts")
@with_appcontext
def check_facts() -> None:
    """Compare the kept facts with the source tables; exit 1 naming the cases that differ."""
    from audit_app.services import case_facts
    session = get_session()
    wrong = case_facts.differences(session)
    months = case_facts.ledger_month_differences(session)
    if months:
        shown = ", ".join("/".join(k) for k in months[:10]) + (" ..." if len(months) > 10 else "")
        message = (f"{len(months):,} monthly ledger sums differ from the entries ({shown})")
        if wrong:
            message += f"; {len(wrong):,} cases have facts out of step too"
        raise click.ClickException(message + "; run `pca dashboards rebuild-facts`")
    if wrong:
        shown = ", ".join(str(c) for c in wrong[:20]) + (" ..." if len(wrong) > 20 else "")
        raise click.ClickException(f"{len(wrong):,} cases have facts out of step with their "
                                   f"items, findings or ledger (case ids {shown}); run "
                                   "`pca dashboards rebuild-facts`")
    click.echo("case facts and monthly ledger sums agree with the source tables")
