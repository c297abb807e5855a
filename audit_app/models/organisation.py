"""Customs formations: collectorates (ports of clearance) and PCA directorates."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class Directorate(Base):
    """A Directorate of Post-Clearance Audit (e.g. PCA South, Karachi)."""

    __tablename__ = "directorates"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    city: Mapped[str] = mapped_column(String(60))


class Collectorate(Base):
    """A collectorate / port code seen on declarations, and the directorate that audits it.

    Declarations keep the code as text (files may carry codes not configured yet, e.g. the KCS
    benchmark's office ids); the join to this table is by code.
    """

    __tablename__ = "collectorates"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    directorate_code: Mapped[str | None] = mapped_column(ForeignKey("directorates.code"))
