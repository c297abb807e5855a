"""`pca users`, `pca tokens`, `pca config`: accounts, machine tokens and settings."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..auth.service import issue_api_token, revoke_api_token, create_user
from ..config import SETTINGS
from ..db import get_session
from ..errors import DomainError
from ..models.user import ApiToken, Role, User

users_cli = AppGroup("users", help="User accounts and their roles.")
tokens_cli = AppGroup("tokens", help="API tokens for machines (e.g. the clearance system).")
config_cli = AppGroup("config", help="The environment variables the system reads.")

ROLE_CHOICE = click.Choice([r.value for r in Role])


@users_cli.command("create")
@click.option("--username", required=True)
@click.option("--full-name", required=True)
@click.option("--role", "roles", type=ROLE_CHOICE, multiple=True, required=True)
@click.option("--directorate", default=None, help="Directorate code, e.g. PCA-S")
@click.option("--designation", default=None)
@click.password_option(help="At least 10 characters; prompted when not given.")
def create_user_cmd(username: str, full_name: str, roles: tuple[str, ...],
                    directorate: str | None, designation: str | None, password: str) -> None:
    """Create a user with one or more roles."""
    session = get_session()
    try:
        user = create_user(session, username, password, full_name, [Role(r) for r in roles],
                           directorate_code=directorate, designation=designation)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    session.commit()
    click.echo(f"Created user {user.username} ({', '.join(roles)}).")


@users_cli.command("list")
def list_users_cmd() -> None:
    """List users and their roles."""
    for user in get_session().scalars(select(User).order_by(User.username)):
        roles = ",".join(sorted(r.value for r in user.role_set))
        state = "active" if user.is_active else "disabled"
        click.echo(f"{user.username:20} {roles:40} {user.directorate_code or '-':8} {state}")


@tokens_cli.command("issue")
@click.option("--name", required=True, help="Who uses it, e.g. 'clearance system'")
@click.option("--scope", "scopes", multiple=True, default=["declarations:write"],
              show_default=True)
@click.option("--user", "username", default=None,
              help="A personal token acting as this user (needed for cases:read, tasks:*)")
def issue_token_cmd(name: str, scopes: tuple[str, ...], username: str | None) -> None:
    """Issue a token; its value is printed once and only its hash is kept."""
    session = get_session()
    user = None
    if username:
        user = session.scalar(select(User).where(User.username == username.strip().lower()))
        if user is None:
            raise click.ClickException(f"No user {username!r}.")
    try:
        token, plain = issue_api_token(session, name, list(scopes), user=user)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    session.commit()
    click.echo(f"Token {token.id} ({token.scopes}) for {name}:\n{plain}\n"
               "Store it now: it cannot be shown again.")


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_token_cmd(token_id: int) -> None:
    """Revoke a token by its id."""
    session = get_session()
    try:
        revoke_api_token(session, token_id)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    session.commit()
    click.echo(f"Token {token_id} revoked.")


@tokens_cli.command("list")
def list_tokens_cmd() -> None:
    """List tokens (never their values)."""
    for t in get_session().scalars(select(ApiToken).order_by(ApiToken.id)):
        state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
        owner = t.user.username if t.user else "-"
        click.echo(f"{t.id:4} {t.prefix}… {t.name:30} {t.scopes:30} {owner:12} {state}")


@config_cli.command("show")
def show_config_cmd() -> None:
    """Print every environment variable the system reads, with its default."""
    for s in SETTINGS:
        click.echo(f"{s.env:22} default={s.default or '-':8} {s.help}")
