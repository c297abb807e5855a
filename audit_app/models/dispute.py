"""Disputes against an order: ADR applications (s.195C) and appeals to the Collector (Appeals)
(s.193), the Appellate Tribunal (s.194A) and the High Court (s.196).

One row per filing, whatever the forum; the rows of a case, oldest first, are its dispute
history. The demand before and after a decision is kept as it stood, as a sum
{"levies": {"cd": "..", ...}, "penalty": "..", "fine": ".."} (amounts as decimal strings), and
as totals for lists; the money itself lives in the recovery ledger, which the disputes service
adjusts with entries, never edits.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, Money, utcnow
from .audit_log import Audited

FORUM_LABELS = {
    "adr": "Alternative Dispute Resolution Committee (s.195C)",
    "collector_appeals": "Collector (Appeals) (s.193)",
    "tribunal": "Customs Appellate Tribunal (s.194A)",
    "high_court": "High Court (reference, s.196)",
}
# What each forum's decision may say. `lapsed`: the limit passed without a decision.
APPEAL_OUTCOMES = ("upheld", "reduced", "set_aside", "remanded")
ADR_OUTCOMES = ("accepted", "rejected")
OUTCOME_LABELS = {"upheld": "Upheld", "reduced": "Reduced", "set_aside": "Set aside",
                  "remanded": "Remanded to adjudication", "accepted": "Accepted (settled)",
                  "rejected": "Rejected", "lapsed": "Lapsed (no decision within the limit)"}


class Dispute(Audited, Base):
    __tablename__ = "disputes"
    __table_args__ = (Index("ix_disputes_case_id_filed_on", "case_id", "filed_on"),
                      Index("ix_disputes_outcome_decision_due_on", "outcome", "decision_due_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("audit_cases.id", ondelete="CASCADE"))
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("workflow_instances.id", ondelete="SET NULL"))
    forum: Mapped[str] = mapped_column(String(20))  # a FORUM_LABELS key
    appeal_number: Mapped[str | None] = mapped_column(String(60))  # the forum's own number
    # The order this filing is against (order-in-original, order-in-appeal, Tribunal order)
    # and the order-in-original the chain started from (a remand starts a new chain).
    order_appealed: Mapped[str] = mapped_column(String(80))
    order_appealed_on: Mapped[dt.date]
    original_order: Mapped[str] = mapped_column(String(80))
    filed_on: Mapped[dt.date]
    window_ends_on: Mapped[dt.date | None]  # None: no filing window (ADR)
    # A filing after the window stands only on the forum's condonation of the delay.
    condonation: Mapped[str | None] = mapped_column(Text)
    grounds: Mapped[str] = mapped_column(Text)
    amount_disputed_pkr: Mapped[Money]
    # ADR: what the trader agrees to pay.
    amount_agreed_pkr: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    demand_before: Mapped[dict[str, Any]]
    demand_before_pkr: Mapped[Money]
    # The statutory decision limit (ADR committee, Collector (Appeals)); None: no limit.
    decision_due_on: Mapped[dt.date | None]
    extension_days: Mapped[int | None]
    extension_reasons: Mapped[str | None] = mapped_column(Text)
    extended_on: Mapped[dt.date | None]
    outcome: Mapped[str | None] = mapped_column(String(12))
    decided_on: Mapped[dt.date | None]
    decision_reasons: Mapped[str | None] = mapped_column(Text)
    order_number: Mapped[str | None] = mapped_column(String(80))  # order-in-appeal, judgment
    document_id: Mapped[int | None]  # the issued order-in-appeal record, when there is one
    demand_after: Mapped[dict[str, Any] | None]
    demand_after_pkr: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def forum_label(self) -> str:
        return FORUM_LABELS[self.forum]

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS.get(self.outcome or "", "Pending")

    @property
    def pending(self) -> bool:
        return self.outcome is None

    def days_left(self, today: dt.date) -> int | None:
        """Days to the decision limit (negative once passed); None where the forum has none."""
        if self.decision_due_on is None or not self.pending:
            return None
        return (self.decision_due_on - today).days

    @property
    def reduction_pkr(self) -> Decimal | None:
        if self.demand_after_pkr is None:
            return None
        return self.demand_before_pkr - self.demand_after_pkr
