"""Issued legal documents (notices, reports, orders) and the counters that number them.

An issued document is a legal record: its PDF, hash, number and context never change. A
correction is a new version that names the one it replaces (`replaces_id`); nothing is ever
updated in place. The database enforces this with triggers (see the migration that creates
the table): an UPDATE of `issued_documents` is refused, and so is a DELETE while the
document's series counter exists. `pca documents verify` recomputes every hash and looks for
gaps in each series, so tampering that goes around the triggers is found.

The PDF is kept in the database, not in files under instance/: one backup (pg_dump or a copy of
the SQLite file) holds the documents with the numbers and events that refer to them; every app
process on every host reads the same bytes; and the PDF is written in the same transaction as
its number, so a rollback leaves neither an orphan file nor a number without its document.
The column is deferred so lists never load the bytes.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utcnow
from .audit_log import Audited

# Kind -> series prefix of its number (SCN/PCA-S/2026/000123).
DOCUMENT_KINDS: dict[str, str] = {
    "notice_of_audit": "NOA",
    "audit_observation": "AOB",
    "contravention_report": "CR",
    "show_cause_notice": "SCN",
    "order_in_original": "OIO",
    "order_in_appeal": "OIA",
    "demand_notice": "DN",
}


class DocumentImmutable(RuntimeError):
    """Raised when code tries to change or delete an issued document through the ORM."""


class IssuedDocument(Audited, Base):
    __tablename__ = "issued_documents"
    __table_args__ = (
        UniqueConstraint("number", "version"),
        Index("ix_issued_documents_case_id_kind", "case_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("audit_cases.id"))
    kind: Mapped[str] = mapped_column(String(40))
    series: Mapped[str] = mapped_column(String(40))  # SCN/PCA-S/2026
    sequence: Mapped[int]  # 123
    number: Mapped[str] = mapped_column(String(60))  # SCN/PCA-S/2026/000123
    version: Mapped[int] = mapped_column(default=1)
    # The version this one corrects; unique, so two officers cannot both replace the same one.
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("issued_documents.id"), unique=True)
    reissue_reason: Mapped[str | None] = mapped_column(Text)
    issued_on: Mapped[dt.date]  # the document's date, Pakistan time
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_by_name: Mapped[str] = mapped_column(String(120))
    # What was rendered, as JSON (amounts as strings), so the document can be re-issued or audited.
    context: Mapped[dict[str, Any]]
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int]
    pages: Mapped[int]
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    replaces: Mapped[IssuedDocument | None] = relationship(remote_side=[id], lazy="joined",
                                                           join_depth=1)

    @property
    def filename(self) -> str:
        suffix = f"-v{self.version}" if self.version > 1 else ""
        return self.number.replace("/", "-") + suffix + ".pdf"


class DocumentSeries(Audited, Base):
    """The counter of one series; its row is locked while a number is taken from it."""

    __tablename__ = "document_series"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)  # SCN/PCA-S/2026
    last_number: Mapped[int] = mapped_column(default=0)
    # Points at the newest document so the counter is a child of the documents: a wipe of the
    # whole register deletes the counters first, which then lets the documents go (test teardown).
    last_document_id: Mapped[int | None] = mapped_column(ForeignKey("issued_documents.id"))


@event.listens_for(IssuedDocument, "before_update")
def _refuse_update(_mapper: Any, _conn: Any, target: IssuedDocument) -> None:
    raise DocumentImmutable(f"issued document {target.number} v{target.version} cannot be "
                            "changed; re-issue it as a new version")


@event.listens_for(IssuedDocument, "before_delete")
def _refuse_delete(_mapper: Any, _conn: Any, target: IssuedDocument) -> None:
    raise DocumentImmutable(f"issued document {target.number} v{target.version} cannot be "
                            "deleted")
