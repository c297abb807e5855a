"""`pca adjudication`: officers' ranks (which decide jurisdiction) and the statutory clock."""
from __future__ import annotations

import datetime as dt
import json

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..db import get_session
from ..errors import DomainError
from ..models import AdjudicatingOfficer, User
from ..models.adjudication import RANK_LABELS, RANKS
from ..services import adjudication
from ..services.adjudication_clock import breaching_within
from workflows.clock import SystemClock, local_date

adjudication_cli = AppGroup("adjudication", help="Adjudicating officers and the order limits.")


@adjudication_cli.command("rank")
@click.argument("username")
@click.argument("rank", type=click.Choice(RANKS))
def rank_cmd(username: str, rank: str) -> None:
    """Record the rank of an adjudication officer (it decides the amounts they may adjudicate)."""
    session = get_session()
    user = session.scalar(select(User).where(User.username == username.lower()))
    if user is None:
        raise click.ClickException(f"No user {username!r}.")
    try:
        adjudication.set_rank(session, user, rank)
    except DomainError as exc:
        raise click.ClickException(f"{exc.message} {exc.details or ''}") from exc
    session.commit()
    click.echo(f"{user.full_name} is a {RANK_LABELS[rank]}.")


@adjudication_cli.command("officers")
def officers_cmd() -> None:
    """Adjudicating officers by rank."""
    rows = get_session().execute(select(User.username, User.full_name, User.directorate_code,
                                        AdjudicatingOfficer.rank)
                                 .join(AdjudicatingOfficer, AdjudicatingOfficer.user_id == User.id)
                                 .order_by(AdjudicatingOfficer.rank, User.username))
    for username, name, office, rank in rows:
        click.echo(f"{username:16} {RANK_LABELS[rank]:38} {office or '-':8} {name}")


@adjudication_cli.command("breaching")
@click.option("--days", default=30, show_default=True, help="Look this many days ahead.")
@click.option("--today", "today_iso", default=None, help="Pretend today is this date (ISO).")
def breaching_cmd(days: int, today_iso: str | None) -> None:
    """Open proceedings whose order limit falls within DAYS (or has passed), as JSON lines."""
    today = (dt.date.fromisoformat(today_iso) if today_iso
             else local_date(SystemClock().now()))
    for adj_id, case_id, due in breaching_within(get_session(), today, days):
        click.echo(json.dumps({"adjudication_id": adj_id, "case_id": case_id,
                               "order_due_on": due.isoformat(),
                               "days_left": (due - today).days}))


COMMANDS = [adjudication_cli]
