"""Audit outcomes: the labels the risk model learns from, and earlier versions of amended rows."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, Money, utcnow
from .declaration import DeclarationItem

FINDINGS = ("NONE", "UNDERVALUATION", "MISCLASSIFICATION", "ORIGIN", "CONCESSION", "QUANTITY",
            "OTHER")


class AuditOutcome(Base):
    """The final result of auditing one declaration item (imported, or from a closed case)."""

    __tablename__ = "audit_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("declaration_items.id"), unique=True)
    audit_date: Mapped[dt.date] = mapped_column(index=True)
    finding: Mapped[str] = mapped_column(String(20))
    short_levy_pkr: Mapped[Money]
    source: Mapped[str] = mapped_column(String(10), default="import")  # import | case
    attributes: Mapped[dict[str, Any] | None]
    row_hash: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(default=1)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    item: Mapped[DeclarationItem] = relationship()


class SupersededRecord(Base):
    """An earlier version of a tariff, preferential or outcome row replaced by a re-import."""

    __tablename__ = "superseded_records"
    __table_args__ = (Index("ix_superseded_records_table_record", "table_name", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    table_name: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int]
    version: Mapped[int]
    data: Mapped[dict[str, Any]]
    replaced_by_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    replaced_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
