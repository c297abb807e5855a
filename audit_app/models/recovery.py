"""Recovery of a demand (s.202): the demand notices, stays from appellate forums, and the
enforcement steps taken. Amounts are never kept here: what is demanded, paid and stayed are
sums over the ledger (`models.ledger`); these rows hold the facts around the money (dates,
forums, references, outcomes).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow
from .audit_log import Audited

ENFORCEMENT_STEPS = ("ntn_block", "bank_attachment", "consignment_hold", "review")
ENFORCEMENT_LABELS = {"ntn_block": "NTN blocked", "bank_attachment": "Bank accounts attached",
                      "consignment_hold": "Consignments held", "review": "Enforcement reviewed"}
# done: the step was taken; in_force: an earlier order of the same kind still applies;
# not_taken: not possible or not allowed (stay, no account found...), with the reason.
ENFORCEMENT_OUTCOMES = ("done", "in_force", "not_taken")


class Demand(Audited, Base):
    """The demand raised on a case when an order-in-original stands, and its notice."""

    __tablename__ = "recovery_demands"
    __table_args__ = (Index("ix_recovery_demands_case_id_raised_on", "case_id", "raised_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("audit_cases.id"))
    # The order the demand rests on (the latest order-in-original, as posted to the ledger).
    order_ref: Mapped[str | None] = mapped_column(String(80))
    raised_on: Mapped[dt.date]
    notice_number: Mapped[str | None] = mapped_column(String(80))
    notice_date: Mapped[dt.date | None]
    pay_by: Mapped[dt.date | None] = mapped_column(index=True)
    document_id: Mapped[int | None]  # the issued demand notice (services.documents), when any
    # open -> closed (recovered or cancelled: the recovery process's end status).
    status: Mapped[str] = mapped_column(String(20), default="open")
    closed_on: Mapped[dt.date | None]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Stay(Audited, Base):
    """A stay of recovery ordered by an appellate forum; its amounts are `stayed` entries."""

    __tablename__ = "recovery_stays"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("audit_cases.id"), index=True)
    forum: Mapped[str] = mapped_column(String(40))
    order_ref: Mapped[str] = mapped_column(String(80))
    granted_on: Mapped[dt.date]
    until: Mapped[dt.date | None]  # None: until the forum decides
    # The amount per levy the forum stayed, as granted (levy -> rupees as text).
    levies: Mapped[dict[str, Any]]
    lifted_on: Mapped[dt.date | None]
    lift_reference: Mapped[str | None] = mapped_column(String(80))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def amount(self) -> Decimal:
        """The total stayed when granted."""
        return sum((Decimal(v) for v in self.levies.values()), Decimal(0))


class EnforcementAction(Audited, Base):
    """An enforcement step the recovery officer took (or could not take), with its outcome."""

    __tablename__ = "recovery_enforcement_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("audit_cases.id"), index=True)
    step: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(12))
    acted_on: Mapped[dt.date]
    reference: Mapped[str | None] = mapped_column(String(80))
    remarks: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
