"""The risk engine's records: rule sets, models, scoring runs, scores, proposals, monitoring.

Every score names the rule-set version and model version that produced it, so a score can be
reproduced and a rule or model judged by its results.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (Float, ForeignKey, Index, LargeBinary, Numeric, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, JsonDoc, Money, utcnow
from .audit_log import Audited
from .trader import Importer
from .user import User


_LIVE_STATUS = text("status IN ('active', 'draft')")


class RiskRuleSet(Audited, Base):
    """A versioned set of rules; exactly one is active at a time (status 'active')."""

    __tablename__ = "risk_rule_sets"
    # At most one active and one draft set, whatever two administrators do at the same moment.
    __table_args__ = (Index("uq_risk_rule_sets_live_status", "status", unique=True,
                            sqlite_where=_LIVE_STATUS, postgresql_where=_LIVE_STATUS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft | active | retired
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    activated_at: Mapped[dt.datetime | None]

    rules: Mapped[list[RiskRule]] = relationship(
        back_populates="rule_set", cascade="all, delete-orphan", order_by="RiskRule.code")


class RiskRule(Audited, Base):
    """A readable rule: `condition` is an expression over declaration fields and features."""

    __tablename__ = "risk_rules"
    __table_args__ = (UniqueConstraint("rule_set_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_set_id: Mapped[int] = mapped_column(ForeignKey("risk_rule_sets.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    fraud_kind: Mapped[str] = mapped_column(String(20))  # UNDERVALUATION ... OTHER
    condition: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)  # sentence template shown to auditors
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 3))
    owner: Mapped[str] = mapped_column(String(120))
    valid_from: Mapped[dt.date]
    valid_to: Mapped[dt.date | None]

    rule_set: Mapped[RiskRuleSet] = relationship(back_populates="rules")


class RiskModel(Audited, Base):
    """A trained model: its artifact, training window, counts, metrics and who made it."""

    __tablename__ = "risk_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(40), unique=True)
    algorithm: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), default="candidate")  # candidate|active|retired
    trained_from: Mapped[dt.date | None]
    trained_to: Mapped[dt.date | None]
    rows_train: Mapped[int] = mapped_column(default=0)
    rows_positive: Mapped[int] = mapped_column(default=0)
    features: Mapped[list[str] | None] = mapped_column(JsonDoc)
    params: Mapped[dict[str, Any] | None]
    metrics: Mapped[dict[str, Any] | None]
    artifact: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    activated_at: Mapped[dt.datetime | None]


class RiskRun(Base):
    """One scoring (or selection) pass and what produced it."""

    __tablename__ = "risk_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), default="score")  # score | select
    rule_set_id: Mapped[int | None] = mapped_column(ForeignKey("risk_rule_sets.id"))
    model_id: Mapped[int | None] = mapped_column(ForeignKey("risk_models.id"))
    period_from: Mapped[dt.date | None]
    period_to: Mapped[dt.date | None]
    items_scored: Mapped[int] = mapped_column(default=0)
    parameters: Mapped[dict[str, Any] | None]
    created_by: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]

    rule_set: Mapped[RiskRuleSet | None] = relationship()
    model: Mapped[RiskModel | None] = relationship()


class RiskScore(Base):
    """An item's score in a run: probability of a finding, expected short levy, reasons."""

    __tablename__ = "risk_scores"
    __table_args__ = (
        UniqueConstraint("run_id", "item_id"),
        Index("ix_risk_scores_run_expected", "run_id", "expected_short_levy_pkr"),
        Index("ix_risk_scores_item_run", "item_id", "run_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("risk_runs.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("declaration_items.id"))
    probability: Mapped[float] = mapped_column(Float)
    rule_score: Mapped[float] = mapped_column(Float, default=0.0)
    expected_short_levy_pkr: Mapped[Money]
    duty_at_stake_pkr: Mapped[Money]
    rules_hit: Mapped[list[str] | None] = mapped_column(JsonDoc)
    reasons: Mapped[list[str] | None] = mapped_column(JsonDoc)


_OPEN_PROPOSAL = text("status IN ('proposed', 'approved')")


class AuditProposal(Audited, Base):
    """Declarations of one importer proposed for audit, and why; a supervisor decides."""

    __tablename__ = "audit_proposals"
    # An importer is under at most one open proposal, even when two selections run at once.
    __table_args__ = (Index("uq_audit_proposals_open_importer", "importer_id", unique=True,
                            sqlite_where=_OPEN_PROPOSAL, postgresql_where=_OPEN_PROPOSAL),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("risk_runs.id"))
    importer_id: Mapped[int] = mapped_column(ForeignKey("importers.id"), index=True)
    directorate_code: Mapped[str | None] = mapped_column(String(16))
    basis: Mapped[str] = mapped_column(String(10))  # risk | random
    status: Mapped[str] = mapped_column(String(12), default="proposed")  # proposed|approved|rejected|converted
    expected_short_levy_pkr: Mapped[Money]
    items_count: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)

    items: Mapped[list[AuditProposalItem]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan")
    importer: Mapped[Importer] = relationship(lazy="joined", innerjoin=True)
    decided_by: Mapped[User | None] = relationship(lazy="joined")


class AuditProposalItem(Audited, Base):
    __tablename__ = "audit_proposal_items"
    __table_args__ = (UniqueConstraint("proposal_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("audit_proposals.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("declaration_items.id"), index=True)
    score_id: Mapped[int | None] = mapped_column(ForeignKey("risk_scores.id"))
    expected_short_levy_pkr: Mapped[Money]
    reasons: Mapped[list[str] | None] = mapped_column(JsonDoc)

    proposal: Mapped[AuditProposal] = relationship(back_populates="items")


class RiskMonitor(Base):
    """A measured figure for a rule, a model version or the random share, over a period."""

    __tablename__ = "risk_monitoring"
    __table_args__ = (Index("ix_risk_monitoring_subject", "subject_type", "subject_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(10))  # rule | model | selection | scores
    subject_key: Mapped[str] = mapped_column(String(60))
    period_from: Mapped[dt.date]
    period_to: Mapped[dt.date]
    selected: Mapped[int] = mapped_column(default=0)
    audited: Mapped[int] = mapped_column(default=0)
    hits: Mapped[int] = mapped_column(default=0)
    yield_pkr: Mapped[Money] = mapped_column(default=Decimal(0))
    drift_psi: Mapped[float | None] = mapped_column(Float)
    details: Mapped[dict[str, Any] | None]
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
