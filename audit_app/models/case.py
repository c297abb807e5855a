"""Audit cases: one per approved proposal, its declaration items, findings and timeline.

A case's status and people are kept here, in columns, so lists and dashboards never need to
deserialize the workflow that drives the case (see `models.workflow`).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, JsonDoc, Money, Quantity, utcnow
from .audit_log import Audited
from .declaration import DeclarationItem
from .trader import Importer

# The audit's statuses; each later process adds the end statuses of its own BPMN file
# (a case's status is the `case_status` of the last end event any of its processes reached,
# unless that end event keeps the status already reached: `keeps_case_status` in the BPMN).
CASE_STATUSES = ("open", "closed_no_change", "closed_voluntary_payment",
                 "referred_to_adjudication")
# dispute.bpmn's end statuses.
CASE_STATUSES += ("adr_settled", "set_aside_on_appeal", "remanded_to_adjudication",
                  "appeal_concluded")


class AuditCase(Audited, Base):
    __tablename__ = "audit_cases"
    __table_args__ = (Index("ix_audit_cases_directorate_status", "directorate_code", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # PCA-S/2026/000123: directorate, year opened, the case id (race-free, unlike a counter).
    case_number: Mapped[str] = mapped_column(String(40), unique=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("audit_proposals.id"), unique=True)
    importer_id: Mapped[int] = mapped_column(ForeignKey("importers.id"), index=True)
    directorate_code: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32), default="open")
    audit_type: Mapped[str | None] = mapped_column(String(8))  # desk | field
    period_from: Mapped[dt.date | None]
    period_to: Mapped[dt.date | None]
    planned_scope: Mapped[str | None] = mapped_column(Text)
    auditor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The officers of the later lanes (`runtime.lane_assignee`), set by the services that own
    # those processes: the adjudicating officer is chosen by jurisdiction over the amount.
    adjudicating_officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    appellate_officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recovery_officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The adjudication collectorate's code (officers carry it as `User.directorate_code`);
    # None lets any officer with jurisdiction take the case (see `runtime.lane_office`).
    adjudication_office: Mapped[str | None] = mapped_column(String(16))
    # Sum of the findings' short levies, kept by the findings service for lists and gateways.
    short_levy_total_pkr: Mapped[Money] = mapped_column(default=Decimal(0))
    amount_paid_pkr: Mapped[Money] = mapped_column(default=Decimal(0))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[dt.datetime | None]

    importer: Mapped[Importer] = relationship(lazy="joined", innerjoin=True)
    items: Mapped[list[CaseItem]] = relationship(
        back_populates="case", order_by="CaseItem.id", cascade="all, delete-orphan")


class CaseItem(Audited, Base):
    """A declaration item under audit, copied from the proposal with the reasons it was picked."""

    __tablename__ = "case_items"
    __table_args__ = (UniqueConstraint("case_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("audit_cases.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("declaration_items.id"), index=True)
    expected_short_levy_pkr: Mapped[Money] = mapped_column(default=Decimal(0))
    reasons: Mapped[list[str] | None] = mapped_column(JsonDoc)

    case: Mapped[AuditCase] = relationship(back_populates="items")
    item: Mapped[DeclarationItem] = relationship(lazy="joined", innerjoin=True)
    finding: Mapped[Finding | None] = relationship(back_populates="case_item", uselist=False)


class Finding(Audited, Base):
    """What was declared and what is correct for one item, and the duty that follows.

    The due and short amounts are written only by `services.findings` from the tariff in force
    on the GD date: nobody types a short levy.
    """

    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_item_id: Mapped[int] = mapped_column(
        ForeignKey("case_items.id", ondelete="CASCADE"), unique=True)
    kinds: Mapped[list[str]] = mapped_column(JsonDoc)  # UNDERVALUATION, MISCLASSIFICATION, ...
    declared_value_pkr: Mapped[Money]
    declared_hs_code: Mapped[str] = mapped_column(String(8))
    declared_origin: Mapped[str] = mapped_column(String(2))
    declared_fta_code: Mapped[str | None] = mapped_column(String(16))
    declared_sro_ref: Mapped[str | None] = mapped_column(String(80))
    declared_quantity: Mapped[Quantity]
    correct_value_pkr: Mapped[Money]
    correct_hs_code: Mapped[str] = mapped_column(String(8))
    correct_origin: Mapped[str] = mapped_column(String(2))
    correct_fta_code: Mapped[str | None] = mapped_column(String(16))
    correct_sro_ref: Mapped[str | None] = mapped_column(String(80))
    correct_quantity: Mapped[Quantity]
    evidence: Mapped[str] = mapped_column(Text)
    documents: Mapped[list[str] | None] = mapped_column(JsonDoc)
    tariff_rate_id: Mapped[int] = mapped_column(ForeignKey("tariff_rates.id"))
    preferential_rate_id: Mapped[int | None] = mapped_column(ForeignKey("preferential_rates.id"))
    # The rates applied, as percentages, so the computation can be shown and re-checked.
    rates_applied: Mapped[dict[str, Any]]
    due_cd_pkr: Mapped[Money]
    due_rd_pkr: Mapped[Money]
    due_acd_pkr: Mapped[Money]
    due_st_pkr: Mapped[Money]
    due_ast_pkr: Mapped[Money]
    due_it_pkr: Mapped[Money]
    short_cd_pkr: Mapped[Money]
    short_rd_pkr: Mapped[Money]
    short_acd_pkr: Mapped[Money]
    short_st_pkr: Mapped[Money]
    short_ast_pkr: Mapped[Money]
    short_it_pkr: Mapped[Money]
    short_total_pkr: Mapped[Money]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    case_item: Mapped[CaseItem] = relationship(back_populates="finding")


class CaseEvent(Audited, Base):
    """The case timeline: who did what, when, and which data changed."""

    __tablename__ = "case_events"
    # (kind, element_id, at): dashboards count steps done in a period (observations issued,
    # contravention reports framed) without reading every case's timeline.
    __table_args__ = (Index("ix_case_events_case_id_at", "case_id", "at"),
                      Index("ix_case_events_kind_element_id_at", "kind", "element_id", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("audit_cases.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the system
    kind: Mapped[str] = mapped_column(String(40))
    element_id: Mapped[str | None] = mapped_column(String(80))
    summary: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None]


