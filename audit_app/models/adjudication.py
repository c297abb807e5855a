"""Adjudication of a contravention report (Customs Act 1969, s.179/180): the proceeding, its
show-cause notice, hearings and order-in-original, and the officers' ranks that decide
jurisdiction.

One `Adjudication` per run of `bpmn/adjudication.bpmn` on a case: a remand from an appeal forum
starts a new one (`remand_of_id`) on the same contravention report. The statutory clock is kept
in columns (`order_due_on`, `ended_on`) so the docket and the breach check are one indexed
query, never a walk through workflow state.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, JsonDoc, Money, utcnow
from .audit_log import Audited

LEVIES = ("cd", "rd", "acd", "st", "ast", "it")
LEVY_LABELS = {"cd": "Customs duty", "rd": "Regulatory duty", "acd": "Additional customs duty",
               "st": "Sales tax", "ast": "Additional sales tax", "it": "Income tax"}

# Ranks that adjudicate (s.179), lowest first; the DMN table names one per band of amount.
RANKS = ("superintendent", "assistant_collector", "deputy_collector", "additional_collector",
         "collector")
RANK_LABELS = {"superintendent": "Superintendent / Principal Appraiser",
               "assistant_collector": "Assistant Collector",
               "deputy_collector": "Deputy Collector",
               "additional_collector": "Additional Collector",
               "collector": "Collector"}

# s.32: 3 years from the relevant date for inadvertence or error, 5 for a false statement.
NATURES = {"inadvertence_or_error": ("32(3)", 3), "false_statement_or_collusion": ("32(2)", 5)}
NATURE_LABELS = {"inadvertence_or_error": "Inadvertence, error or misconstruction (s.32(3))",
                 "false_statement_or_collusion": "False statement or collusion (s.32(2))"}


class AdjudicatingOfficer(Audited, Base):
    """The rank an adjudication officer holds, which decides the amounts they may adjudicate."""

    __tablename__ = "adjudicating_officers"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    rank: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Adjudication(Audited, Base):
    __tablename__ = "adjudications"
    __table_args__ = (
        # The statutory clock: open proceedings by the day their order is due. Partial, so the
        # index holds only what is still running however many orders were made before.
        Index("ix_adjudications_open_order_due_on", "order_due_on",
              postgresql_where=text("ended_on IS NULL"), sqlite_where=text("ended_on IS NULL")),
        Index("ix_adjudications_officer_id_ended_on", "officer_id", "ended_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("audit_cases.id", ondelete="CASCADE"),
                                         index=True)
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("workflow_instances.id", ondelete="SET NULL"), unique=True)
    sequence: Mapped[int] = mapped_column(default=1)  # 2, 3... after remands
    remand_of_id: Mapped[int | None] = mapped_column(ForeignKey("adjudications.id"))
    remand_reason: Mapped[str | None] = mapped_column(Text)
    remand_order_ref: Mapped[str | None] = mapped_column(String(80))
    # received | framed | assigned | scn_drafted | scn_approved | scn_issued | hearing |
    # adjudged | dropped | time_barred | not_pursued
    stage: Mapped[str] = mapped_column(String(24), default="received")

    # The contravention report.
    cr_number: Mapped[str] = mapped_column(String(60))
    cr_date: Mapped[dt.date]
    framed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    nature: Mapped[str | None] = mapped_column(String(40))
    relevant_date: Mapped[dt.date | None]
    limitation_section: Mapped[str | None] = mapped_column(String(8))
    limitation_ends: Mapped[dt.date | None]
    facts: Mapped[str | None] = mapped_column(Text)
    provisions: Mapped[str | None] = mapped_column(Text)
    contravened_cd_pkr: Mapped[Money] = mapped_column(default=Decimal(0))
    contravened_rd_pkr: Mapped[Money] = mapped_column(default=Decimal(0))
    contravened_acd_pkr: Mapped[Money] = mapped_column(default=Decimal(0))
    contravened_st_pkr: Mapped[Money] = mapped_column(default=Decimal(0))
    contravened_ast_pkr: Mapped[Money] = mapped_column(default=Decimal(0))
    contravened_it_pkr: Mapped[Money] = mapped_column(default=Decimal(0))
    amount_involved_pkr: Mapped[Money] = mapped_column(default=Decimal(0))

    # Jurisdiction (from bpmn/adjudication_jurisdiction.dmn on the report date) and the officer.
    competent_rank: Mapped[str | None] = mapped_column(String(32))
    jurisdiction_band: Mapped[str | None] = mapped_column(String(120))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[dt.datetime | None]

    # The statutory clock: from the SCN (or the remand), `order_days` plus one extension.
    clock_started_on: Mapped[dt.date | None]
    order_due_on: Mapped[dt.date | None]
    extension_days: Mapped[int] = mapped_column(default=0)
    extension_reasons: Mapped[str | None] = mapped_column(Text)
    extension_requested_on: Mapped[dt.date | None]
    extended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    warning_level: Mapped[int] = mapped_column(default=0)  # 0, 1 (first), 2 (final), 3 (passed)
    time_barred_on: Mapped[dt.date | None]
    time_barred_reason: Mapped[str | None] = mapped_column(Text)
    ended_on: Mapped[dt.date | None]  # None while the proceeding runs
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    remand_of: Mapped[Adjudication | None] = relationship(remote_side=[id])
    scn: Mapped[ShowCauseNotice | None] = relationship(back_populates="adjudication",
                                                       uselist=False)
    hearings: Mapped[list[Hearing]] = relationship(back_populates="adjudication",
                                                   order_by="Hearing.id")
    order: Mapped[OrderInOriginal | None] = relationship(back_populates="adjudication",
                                                         uselist=False)

    def contravened(self) -> dict[str, Decimal]:
        return {levy: getattr(self, f"contravened_{levy}_pkr") for levy in LEVIES}


class ShowCauseNotice(Audited, Base):
    """Drafted, approved, then issued (s.180: no order without one)."""

    __tablename__ = "show_cause_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    adjudication_id: Mapped[int] = mapped_column(
        ForeignKey("adjudications.id", ondelete="CASCADE"), unique=True)
    facts: Mapped[str] = mapped_column(Text)
    provisions: Mapped[str] = mapped_column(Text)
    penal_provisions: Mapped[str] = mapped_column(Text)
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    drafted_at: Mapped[dt.datetime]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[dt.datetime | None]
    returned_comments: Mapped[str | None] = mapped_column(Text)
    number: Mapped[str | None] = mapped_column(String(60))
    issued_on: Mapped[dt.date | None]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reply_due_date: Mapped[dt.date | None]
    reply_received_on: Mapped[dt.date | None]
    reply_summary: Mapped[str | None] = mapped_column(Text)
    document_id: Mapped[int | None]  # the issued PDF (documents service), when issued there

    adjudication: Mapped[Adjudication] = relationship(back_populates="scn")


class Hearing(Audited, Base):
    """One hearing date: scheduled, then held (with appearances) or adjourned."""

    __tablename__ = "hearings"
    __table_args__ = (Index("ix_hearings_scheduled_for", "scheduled_for"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    adjudication_id: Mapped[int] = mapped_column(
        ForeignKey("adjudications.id", ondelete="CASCADE"), index=True)
    scheduled_for: Mapped[dt.date]
    status: Mapped[str] = mapped_column(String(12), default="scheduled")  # held | adjourned
    held_on: Mapped[dt.date | None]
    # [{"name": "...", "for": "importer" | "clearing agent" | "department" | ...}]
    appearances: Mapped[list[dict[str, Any]] | None] = mapped_column(JsonDoc)
    adjourned_to: Mapped[dt.date | None]
    notes: Mapped[str | None] = mapped_column(Text)
    scheduled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime | None]

    adjudication: Mapped[Adjudication] = relationship(back_populates="hearings")


class OrderInOriginal(Audited, Base):
    """The order: duty and taxes adjudged per levy, penalty and fine, or the case dropped."""

    __tablename__ = "orders_in_original"
    __table_args__ = (UniqueConstraint("adjudication_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    adjudication_id: Mapped[int] = mapped_column(
        ForeignKey("adjudications.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(60))
    order_date: Mapped[dt.date]
    outcome: Mapped[str] = mapped_column(String(16))  # adjudged | dropped | time_barred
    adjudged_cd_pkr: Mapped[Money] = mapped_column(default=Decimal(0))
    adjudged_rd_pkr: Mapped[Money] = mapped_column(default=Decimal(0))
    adjudged_acd_pkr: Mapped[Money] = mapped_column(default=Decimal(0))
    adjudged_st_pkr: Mapped[Money] = mapped_column(default=Decimal(0))
    adjudged_ast_pkr: Mapped[Money] = mapped_column(default=Decimal(0))
    adjudged_it_pkr: Mapped[Money] = mapped_column(default=Decimal(0))
    penalty_pkr: Mapped[Money] = mapped_column(default=Decimal(0))
    fine_pkr: Mapped[Money] = mapped_column(default=Decimal(0))
    total_pkr: Mapped[Money] = mapped_column(default=Decimal(0))
    reasons: Mapped[str] = mapped_column(Text)
    appeal_window_ends: Mapped[dt.date | None]
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    document_id: Mapped[int | None]

    adjudication: Mapped[Adjudication] = relationship(back_populates="order")

    @property
    def levies(self) -> dict[str, Decimal]:
        return {levy: getattr(self, f"adjudged_{levy}_pkr") for levy in LEVIES}

    @property
    def duty_taxes_pkr(self) -> Decimal:
        return sum(self.levies.values(), Decimal(0))
