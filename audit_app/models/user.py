"""People and machines that use the system, and what they may do."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utcnow
from .audit_log import Audited


class Role(str, enum.Enum):
    AUDITOR = "auditor"
    SUPERVISOR = "supervisor"
    ADJUDICATION_OFFICER = "adjudication_officer"
    APPELLATE_OFFICER = "appellate_officer"
    RECOVERY_OFFICER = "recovery_officer"
    MANAGEMENT = "management"
    COMMITTEE_MEMBER = "committee_member"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.AUDITOR: "PCA auditor",
    Role.SUPERVISOR: "PCA supervisor",
    Role.ADJUDICATION_OFFICER: "Adjudication officer",
    Role.APPELLATE_OFFICER: "Appellate / ADR officer",
    Role.RECOVERY_OFFICER: "Recovery officer",
    Role.MANAGEMENT: "Management",
    Role.COMMITTEE_MEMBER: "Steering committee member",
    Role.ADMINISTRATOR: "Administrator",
}

ROLE_ENUM = Enum(Role, name="user_role", native_enum=False, length=32,
                 values_callable=lambda e: [m.value for m in e])


class User(Audited, Base):
    __tablename__ = "users"
    __audit_redact__ = frozenset({"password_hash"})

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    designation: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    # The PCA directorate (or adjudication collectorate) the officer belongs to; object-level
    # access rules and dashboards filter on it.
    directorate_code: Mapped[str | None] = mapped_column(String(16))
    team: Mapped[str | None] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None]
    last_login_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin")

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(r.role for r in self.roles)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.role_set.intersection(roles))

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class UserRole(Audited, Base):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(ROLE_ENUM)
    granted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles")


class ApiToken(Audited, Base):
    """A machine token (e.g. the clearance system pushing declarations), or a personal token
    when `user_id` is set: it then acts as that user, within its scopes and the user's roles.
    Only its hash is kept."""

    __tablename__ = "api_tokens"
    __audit_redact__ = frozenset({"token_hash"})
    __audit_ignore__ = frozenset({"last_used_at"})  # every API call: not a change worth a link

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    scopes: Mapped[str] = mapped_column(String(255))  # space-separated, e.g. "declarations:write"
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                                index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User | None] = relationship(foreign_keys=[user_id], lazy="joined")

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())
