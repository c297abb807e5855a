"""Accounts and machine tokens: no HTTP here, the caller commits."""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..db import utcnow
from ..errors import DomainError, ValidationFailed
from ..models.user import ApiToken, Role, User, UserRole
from .passwords import hash_password, needs_rehash, verify_password

MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
# Scope -> what it allows. The task and case scopes only work on a personal token (one issued
# for a user): the call then acts as that user and the user's roles still decide.
TOKEN_SCOPES: dict[str, str] = {
    "declarations:read": "read declarations",
    "declarations:write": "push declarations (the clearance system)",
    "risk:read": "read risk scores",
    "cases:read": "read cases, their timeline and diagrams, as the token's user",
    "tasks:read": "list the token user's and their team's tasks",
    "tasks:write": "claim, reassign and complete tasks as the token's user",
    "evidence:write": "upload evidence documents to cases as the token's user",
}
PERSONAL_SCOPES = frozenset({"cases:read", "tasks:read", "tasks:write", "evidence:write"})
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class LoginRefused(DomainError):
    status = 401
    code = "login_refused"


def create_user(session: Session, username: str, password: str, full_name: str,
                roles: list[Role], *, designation: str | None = None,
                directorate_code: str | None = None, team: str | None = None,
                email: str | None = None, password_hash: str | None = None) -> User:
    """A new user; `password_hash`, when given, is `password`'s hash already computed (the demo
    seed gives every demo user the same password, and Argon2 takes ~0.5 s a hash)."""
    username = username.strip().lower()
    if not username:
        raise ValidationFailed("A username is required.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValidationFailed(f"The username {username!r} is taken.")
    user = User(username=username, full_name=full_name, designation=designation, email=email,
                password_hash=password_hash or hash_password(password),
                directorate_code=directorate_code,
                team=team)
    user.roles = [UserRole(role=r) for r in roles]
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str,
                 now: dt.datetime | None = None) -> User:
    """The user, or LoginRefused with a message that does not tell which part was wrong."""
    now = now or utcnow()
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    refused = LoginRefused("Unknown username or wrong password.")
    if user is None or not user.is_active:
        verify_password(_dummy_hash(), password)  # same work either way: no user enumeration by timing
        raise refused
    locked_until = _aware(user.locked_until)
    if locked_until and locked_until > now:
        raise LoginRefused("This account is locked after repeated failed logins; "
                           f"try again after {locked_until:%H:%M} UTC or ask an administrator.")
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
        session.flush()
        raise refused
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    session.flush()
    return user


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands back naive datetimes; everything is stored in UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def _token_digest(token: str) -> str:
    # Tokens are 256-bit random values, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(session: Session, name: str, scopes: list[str],
                    created_by: User | None = None, *,
                    user: User | None = None) -> tuple[ApiToken, str]:
    """A new token; the plain value is returned once and never stored. With `user` it is a
    personal token: it acts as that user (within its scopes and the user's roles)."""
    unknown = set(scopes) - set(TOKEN_SCOPES)
    if unknown:
        raise ValidationFailed(f"Unknown scope(s): {', '.join(sorted(unknown))}; known: "
                               f"{', '.join(TOKEN_SCOPES)}.")
    personal = set(scopes) & PERSONAL_SCOPES
    if personal and user is None:
        raise ValidationFailed(f"Scope(s) {', '.join(sorted(personal))} act for a person: "
                               "issue the token for a user.")
    plain = "pca_" + secrets.token_urlsafe(32)
    token = ApiToken(name=name, prefix=plain[:12], token_hash=_token_digest(plain),
                     scopes=" ".join(sorted(set(scopes))),
                     created_by_id=created_by.id if created_by else None,
                     user_id=user.id if user else None)
    session.add(token)
    session.flush()
    return token, plain


def find_api_token(session: Session, plain: str) -> ApiToken | None:
    # One round trip: the token, its user and the user's roles (every API call pays it).
    token = session.execute(
        select(ApiToken).where(ApiToken.token_hash == _token_digest(plain))
        .options(joinedload(ApiToken.user).joinedload(User.roles))).unique().scalar_one_or_none()
    if token is None or token.revoked_at is not None:
        return None
    if token.user is not None and not token.user.is_active:
        return None  # a disabled officer's personal tokens stop with the account
    # A write per call would double the cost of every API request; a minute is precise enough.
    now = utcnow()
    if token.last_used_at is None or now - _aware(token.last_used_at) >= LAST_USED_RESOLUTION:
        token.last_used_at = now
    return token


def revoke_api_token(session: Session, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise ValidationFailed(f"No API token with id {token_id}.")
    token.revoked_at = token.revoked_at or utcnow()
    session.flush()
    return token


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_hex(16))
