"""Evidence documents: the files an auditor's findings rest on (invoices, contracts, bank
records), uploaded to a case and optionally tied to one item under audit.

The bytes are kept in the database beside their SHA-256, for the reasons issued documents are
(`models.document`): one backup holds them with the case, every app process on every host reads
the same bytes, and a rollback leaves no orphan file. The column is deferred so lists never load
it. An upload is never edited: a wrong one is withdrawn (who, when, why) and stays on record.
The ORM refuses any other change and any delete; triggers made by the migration refuse an
UPDATE of the stored facts on both engines, so a change around the ORM fails too.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, event, inspect
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow
from .audit_log import Audited

# The only columns a withdrawal writes; everything else is fixed when the row is inserted.
WITHDRAWAL_COLUMNS = frozenset({"withdrawn_at", "withdrawn_by_id", "withdrawal_reason"})


class EvidenceImmutable(RuntimeError):
    """Raised when code tries to change an upload (other than withdrawing it) or delete it."""


class EvidenceDocument(Audited, Base):
    __tablename__ = "evidence_documents"
    __table_args__ = (Index("ix_evidence_documents_case_id_uploaded_at", "case_id",
                            "uploaded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("audit_cases.id"))
    # The item under audit (and so its finding) the document supports; None: the whole case.
    case_item_id: Mapped[int | None] = mapped_column(ForeignKey("case_items.id"), index=True)
    filename: Mapped[str] = mapped_column(String(160))  # sanitised, extension as the content
    content_type: Mapped[str] = mapped_column(String(40))  # sniffed from the bytes
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


@event.listens_for(EvidenceDocument, "before_update")
def _refuse_edit(_mapper: Any, _conn: Any, target: EvidenceDocument) -> None:
    state = inspect(target)
    changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
    if changed - WITHDRAWAL_COLUMNS:
        raise EvidenceImmutable(f"evidence document {target.id} ({target.filename}) cannot be "
                                f"changed ({', '.join(sorted(changed))}); withdraw it and "
                                "upload the right file")
    if state.attrs.withdrawn_at.history.deleted not in ([], [None], ()):
        raise EvidenceImmutable(f"evidence document {target.id} is already withdrawn")


@event.listens_for(EvidenceDocument, "before_delete")
def _refuse_delete(_mapper: Any, _conn: Any, target: EvidenceDocument) -> None:
    raise EvidenceImmutable(f"evidence document {target.id} ({target.filename}) cannot be "
                            "deleted; withdraw it instead")
