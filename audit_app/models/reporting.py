"""Management reporting: revenue targets the dashboards compare against, and the steering
committee's reports as issued (PDF kept with its SHA-256, never changed afterwards)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from ..db import Base, Money, utcnow
from .audit_log import Audited

TARGET_MEASURES = ("detected", "adjudged", "recovered")


class RevenueTarget(Audited, Base):
    """A monthly target for one measure, for one directorate or (directorate None) the whole
    administration. Configuration an administrator changes; the dashboards only read it."""

    __tablename__ = "revenue_targets"
    __table_args__ = (
        UniqueConstraint("month", "measure", "directorate_code"),
        Index("ix_revenue_targets_measure_month", "measure", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[dt.date]  # the first day of the month
    measure: Mapped[str] = mapped_column(String(16))  # detected | adjudged | recovered
    directorate_code: Mapped[str | None] = mapped_column(String(16))
    amount_pkr: Mapped[Money]
    set_by: Mapped[str] = mapped_column(String(120))
    set_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SteeringReport(Audited, Base):
    """One issued steering-committee report: the PDF as issued, its hash and the figures it
    showed. Re-issuing a period makes a new version; an issued row is never updated."""

    __tablename__ = "steering_reports"
    __table_args__ = (UniqueConstraint("period", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(24))  # 2026-10 | 2026-Q3
    version: Mapped[int] = mapped_column(default=1)
    period_from: Mapped[dt.date]
    period_to: Mapped[dt.date]
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_by_name: Mapped[str] = mapped_column(String(120))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int]
    pages: Mapped[int]
    # The headline figures as printed (amounts as strings), to answer "what did we report?"
    figures: Mapped[dict[str, Any]]
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))

    @property
    def filename(self) -> str:
        suffix = f"-v{self.version}" if self.version > 1 else ""
        return f"steering-report-{self.period}{suffix}.pdf"
