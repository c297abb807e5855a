"""`pca`: the operator's console, a Flask CLI group bound to the app factory.

Each feature keeps its commands beside its code and is registered here, in one list.
"""
from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup


def _create_app() -> Flask:
    from . import create_app
    from .config import ConfigurationError
    try:
        return create_app()
    except ConfigurationError as exc:  # a clear sentence, not a traceback, for the operator
        click.echo(f"Configuration error: {exc}", err=True)
        sys.exit(2)


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False,
             add_version_option=False, load_dotenv=False)
def cli() -> None:
    """Post-clearance audit system: migrations, imports, risk, timers, reports, benchmarks."""


def init_app(app: Flask) -> None:
    from .commands import admin, audit_log, database
    from .commands.adjudication import COMMANDS as adjudication_commands
    from .commands.documents import documents_cli
    from .intake.commands import COMMANDS as intake_commands
    from .risk.commands import COMMANDS as risk_commands
    from .risk.rule_commands import attach as attach_rule_commands
    from workflows.commands import COMMANDS as workflow_commands
    groups = [database.db_cli, admin.users_cli, admin.tokens_cli, admin.config_cli,
              audit_log.audit_log_cli,
              *intake_commands, *risk_commands, *workflow_commands, *adjudication_commands,
              documents_cli]
    attach_rule_commands(groups)  # pca risk rules / select / monitor
    try:
        from .demo.commands import demo_cli
        groups.append(demo_cli)
    except ImportError:  # the demo package is optional in a trimmed production build
        pass
    from reports.steering.commands import report_cli
    groups.append(report_cli)
    from dashboards.commands import dashboards_cli
    groups.append(dashboards_cli)
    for group in groups:
        app.cli.add_command(group)
