"""Cleared goods declarations (GDs), their items, and every version ever imported.

A GD's header (date, collectorate, channel, importer, agent) lives on `Declaration`; the item
lines on `DeclarationItem`. Every version of an item as received (including the first) is kept
whole in `DeclarationItemVersion`, so an amendment never loses a value once imported.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, Money, Quantity, Rate, utcnow
from .trader import ClearingAgent, Importer

LEVY_COLUMNS = ("cd_pkr", "rd_pkr", "acd_pkr", "st_pkr", "ast_pkr", "it_pkr")


class ImportBatch(Base):
    """One file or API push taken in, with what it did. Amendments point back to it."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # declarations | tariff | preferential | outcomes
    source: Mapped[str] = mapped_column(String(10))  # file | api
    data_format: Mapped[str] = mapped_column(String(16), default="canonical")
    filename: Mapped[str | None] = mapped_column(String(500))
    sha256: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(12), default="running")
    rows_read: Mapped[int] = mapped_column(default=0)
    rows_new: Mapped[int] = mapped_column(default=0)
    rows_amended: Mapped[int] = mapped_column(default=0)
    rows_unchanged: Mapped[int] = mapped_column(default=0)
    rows_rejected: Mapped[int] = mapped_column(default=0)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    api_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    message: Mapped[str | None] = mapped_column(Text)


class Declaration(Base):
    __tablename__ = "declarations"
    __table_args__ = (
        Index("ix_declarations_gd_date_id", "gd_date", "id"),
        Index("ix_declarations_value_id", "declared_value_pkr", "id"),
        Index("ix_declarations_collectorate_gd_date", "collectorate", "gd_date"),
        Index("ix_declarations_importer_gd_date", "importer_id", "gd_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    gd_number: Mapped[str] = mapped_column(String(40), unique=True)
    gd_date: Mapped[dt.date]
    collectorate: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(6))
    importer_id: Mapped[int] = mapped_column(ForeignKey("importers.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("clearing_agents.id"), index=True)
    # Totals over the items, kept by the loader so the browser can sort and page on them.
    item_count: Mapped[int] = mapped_column(default=0)
    declared_value_pkr: Mapped[Money] = mapped_column(default=Decimal(0))
    duty_paid_pkr: Mapped[Money] = mapped_column(default=Decimal(0))
    amendment_count: Mapped[int] = mapped_column(default=0)
    first_received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    importer: Mapped[Importer] = relationship(lazy="joined")
    agent: Mapped[ClearingAgent | None] = relationship(lazy="joined")
    items: Mapped[list[DeclarationItem]] = relationship(
        back_populates="declaration", order_by="DeclarationItem.item_no")


class DeclarationItem(Base):
    __tablename__ = "declaration_items"
    __table_args__ = (
        UniqueConstraint("declaration_id", "item_no"),
        # Items by PCT code or chapter (a range of HS codes): the browser's PCT search, and the
        # risk dashboard's coverage by chapter read from the index alone. An index on hs_code
        # by itself would repeat this one's leading column at a cost to every import.
        Index("ix_declaration_items_hs_code_declaration_id", "hs_code", "declaration_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"))
    item_no: Mapped[int]
    hs_code: Mapped[str] = mapped_column(String(8))
    description: Mapped[str] = mapped_column(Text)
    origin_country: Mapped[str] = mapped_column(String(2), index=True)
    export_country: Mapped[str | None] = mapped_column(String(2))
    quantity: Mapped[Quantity]
    unit: Mapped[str] = mapped_column(String(10))
    gross_weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(20, 6))
    currency: Mapped[str] = mapped_column(String(3))
    invoice_value: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    exchange_rate: Mapped[Rate]
    declared_value_pkr: Mapped[Money]
    assessed_value_pkr: Mapped[Money]
    cd_pkr: Mapped[Money]
    rd_pkr: Mapped[Money]
    acd_pkr: Mapped[Money]
    st_pkr: Mapped[Money]
    ast_pkr: Mapped[Money]
    it_pkr: Mapped[Money]
    sro_ref: Mapped[str | None] = mapped_column(String(80))
    fta_code: Mapped[str | None] = mapped_column(String(16))
    # The file's x_ columns, kept for the risk model.
    attributes: Mapped[dict[str, Any] | None]
    row_hash: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(default=1)
    # The last import batch that added or amended this item (the loader's bookkeeping key).
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"), index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    declaration: Mapped[Declaration] = relationship(back_populates="items")
    versions: Mapped[list[DeclarationItemVersion]] = relationship(
        order_by="DeclarationItemVersion.version", viewonly=True)

    @property
    def duty_paid_pkr(self) -> Decimal:
        return sum((getattr(self, c) for c in LEVY_COLUMNS), Decimal(0))


class DeclarationItemVersion(Base):
    """One version of an item exactly as received (header fields included), oldest first."""

    __tablename__ = "declaration_item_versions"
    __table_args__ = (UniqueConstraint("item_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("declaration_items.id"))
    version: Mapped[int]
    row_hash: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]]
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"), index=True)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
