"""The tamper-evident audit log: every change to an audited row, in one hash chain.

Each entry's `hash` is SHA-256 over its canonical JSON (see `security.audit_log.entry_payload`)
followed by the previous entry's hash, so editing, deleting or reordering any entry breaks the
chain from that point on; `audit_log_head` keeps the last link, so cutting entries off the end
is found too. `pca audit-log verify` recomputes it.

Models opt in with one line, by adding the `Audited` mixin:

    class ShowCauseNotice(Audited, Base): ...

Large values (bytes, texts over 4,000 characters such as serialized workflows) are logged as
their SHA-256; `__audit_redact__` names columns whose values never enter the log (password and
token hashes); `__audit_ignore__` names columns whose change alone is not worth an entry.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow

GENESIS_HASH = "0" * 64


class Audited:
    """Mixin: inserts, updates and deletes of this model's rows are appended to the audit log."""

    __audit_redact__: ClassVar[frozenset[str]] = frozenset()
    __audit_ignore__: ClassVar[frozenset[str]] = frozenset()


class AuditLogEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity_entity_id", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Position in the chain; NULL only inside the transaction that wrote the entry (entries are
    # chained when it commits, so the lock on the chain is held for the shortest time).
    seq: Mapped[int | None] = mapped_column(unique=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(160))  # user:<name>, token:<id>, system:<what>
    actor_user_id: Mapped[int | None]  # no foreign key: the log outlives accounts
    action: Mapped[str] = mapped_column(String(16))  # insert | update | delete | bulk_update ...
    entity: Mapped[str] = mapped_column(String(64))  # table name
    entity_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    request_id: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class AuditLogHead(Base):
    """One row (id 1): the chain's last sequence number and hash. Appends lock it."""

    __tablename__ = "audit_log_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
