"""The Pakistan Customs Tariff and preferential rates, each with the date from which it applies."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, Percent, utcnow


class TariffRate(Base):
    """Rates for one PCT code from `valid_from`; the latest row with valid_from <= gd_date applies."""

    __tablename__ = "tariff_rates"
    __table_args__ = (UniqueConstraint("hs_code", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hs_code: Mapped[str] = mapped_column(String(8))
    valid_from: Mapped[dt.date]
    description: Mapped[str] = mapped_column(Text)
    cd_rate: Mapped[Percent]
    rd_rate: Mapped[Percent]
    acd_rate: Mapped[Percent]
    st_rate: Mapped[Percent]
    ast_rate: Mapped[Percent]
    it_rate: Mapped[Percent]
    row_hash: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(default=1)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PreferentialRate(Base):
    """A free-trade agreement's customs-duty rate for goods of a partner origin."""

    __tablename__ = "preferential_rates"
    __table_args__ = (UniqueConstraint("fta_code", "origin_country", "hs_code", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fta_code: Mapped[str] = mapped_column(String(16))
    origin_country: Mapped[str] = mapped_column(String(2))
    hs_code: Mapped[str] = mapped_column(String(8), index=True)
    valid_from: Mapped[dt.date]
    cd_rate: Mapped[Percent]
    row_hash: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(default=1)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
