"""`pca audit-log verify` / `show`: check the tamper-evident log and read it."""
from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..db import get_db
from ..models.audit_log import AuditLogEntry
from ..security.audit_verify import verify_chain

audit_log_cli = AppGroup("audit-log", help="The tamper-evident log of every change.")


@audit_log_cli.command("verify")
def verify_cmd() -> None:
    """Recompute the hash chain; exit 1 and name the first edited, deleted or moved entry."""
    with get_db().engine.connect() as conn:
        result = verify_chain(conn)
    if result.ok:
        click.echo(f"Audit log intact: {result.checked} entries, last hash {result.last_hash}.")
        return
    click.echo(f"Audit log TAMPERED: first problem at {result.first}", err=True)
    for problem in result.problems[1:]:
        click.echo(f"  also {problem}", err=True)
    click.echo(f"({result.checked} entries checked.)", err=True)
    sys.exit(1)


@audit_log_cli.command("show")
@click.option("--entity", help="Table name, e.g. audit_cases")
@click.option("--id", "entity_id", help="The row's id")
@click.option("--last", default=20, show_default=True, help="How many entries, newest last")
def show_cmd(entity: str | None, entity_id: str | None, last: int) -> None:
    """Print entries as JSON lines: who changed what, before and after."""
    query = select(AuditLogEntry).order_by(AuditLogEntry.id.desc()).limit(last)
    if entity:
        query = query.where(AuditLogEntry.entity == entity)
    if entity_id:
        query = query.where(AuditLogEntry.entity_id == entity_id)
    with get_db().sessionmaker() as session:
        for e in reversed(list(session.scalars(query))):
            click.echo(json.dumps({"seq": e.seq, "at": e.at.isoformat(), "actor": e.actor,
                                   "action": e.action, "entity": e.entity,
                                   "entity_id": e.entity_id, "before": e.before,
                                   "after": e.after, "request_id": e.request_id},
                                  default=str))
