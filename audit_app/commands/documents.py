"""`pca documents`: check that every issued document is still exactly as issued."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from ..db import get_session
from ..services import documents

documents_cli = AppGroup("documents", help="Issued legal documents (notices, orders).")


@documents_cli.command("verify")
def verify_cmd() -> None:
    """Recompute the SHA-256 of every stored PDF and look for gaps in every number series.

    Prints each problem with where it is (table, row id, number, case) and exits 1 if any.
    """
    session = get_session()
    checked = problems = 0
    for _doc, problem in documents.verify(session):
        if problem is None:
            checked += 1
            continue
        problems += 1
        click.echo(f"MISMATCH {problem.where}: {problem.what}")
    session.rollback()
    if problems:
        click.echo(f"{checked} document(s) checked, {problems} problem(s).", err=True)
        sys.exit(1)
    click.echo(f"{checked} document(s) checked: every PDF matches its SHA-256, no number missing.")
