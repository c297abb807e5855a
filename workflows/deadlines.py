"""Date-effective deadline rules: how many days a step may take, as configured on a date."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from audit_app.errors import DomainError
from audit_app.models import DeadlineRule

# The defaults the migration seeds; `seed_defaults` restores them on an emptied database.
DEFAULT_DEADLINES: dict[str, int] = {
    "audit.approval_days": 7,
    "audit.assignment_days": 3,
    "audit.plan_days": 10,
    "audit.notice_days": 7,
    "audit.examination_days": 60,
    "audit.review_days": 10,
    "audit.observation_days": 7,
    "audit.observation_reply_days": 15,
    # Recovery (s.202): notice after the order stands, the time to pay it, enforcement steps.
    "recovery.demand_notice_days": 7,
    "recovery.payment_days": 30,
    "recovery.enforcement_step_days": 15,
    "recovery.review_days": 30,
    "recovery.stay_review_days": 30,
    # Adjudication (s.179/180): the statutory order limit from the SCN and its one extension,
    # the warnings before it, and the steps' own service levels.
    "adjudication.order_days": 120,
    "adjudication.extension_max_days": 30,
    "adjudication.remand_order_days": 120,
    "adjudication.first_warning_days_before": 30,
    "adjudication.final_warning_days_before": 10,
    "adjudication.appeal_window_days": 30,
    "adjudication.framing_days": 7,
    "adjudication.assignment_days": 7,
    "adjudication.scn_draft_days": 15,
    "adjudication.scn_approval_days": 7,
    "adjudication.scn_issue_days": 7,
    "adjudication.scn_reply_days": 15,
    "adjudication.hearing_scheduling_days": 7,
    "adjudication.order_writing_days": 15,
    # Disputes (DOMAIN.md s.9): filing windows count from the order appealed against; decision
    # limits from the filing. Tribunal and High Court have no limit: their keys only say when
    # an undecided matter is escalated for follow-up.
    "dispute.collector_appeals_filing_days": 30,
    "dispute.collector_appeals_decision_days": 120,
    "dispute.collector_appeals_extension_days": 60,
    "dispute.tribunal_filing_days": 60,
    "dispute.high_court_filing_days": 30,
    "dispute.adr_decision_days": 120,
    "dispute.tribunal_followup_days": 365,
    "dispute.high_court_followup_days": 365,
}
DEFAULT_FROM = dt.date(2000, 1, 1)


class MissingDeadlineRule(DomainError):
    code = "missing_deadline_rule"
    status = 500


# Every task opened reads it: built once (SQLAlchemy memoises the statement's cache key).
_RULE_IN_FORCE = (select(DeadlineRule.days)
                  .where(DeadlineRule.key == bindparam("key"),
                         DeadlineRule.valid_from <= bindparam("on"),
                         or_(DeadlineRule.valid_to.is_(None),
                             DeadlineRule.valid_to >= bindparam("on")))
                  .order_by(DeadlineRule.valid_from.desc()).limit(1))


def days_for(session: Session, key: str, on: dt.date) -> int:
    """Days allowed for `key` under the rule in force on `on` (latest valid_from wins)."""
    days = session.scalar(_RULE_IN_FORCE, {"key": key, "on": on})
    if days is None:
        raise MissingDeadlineRule(f"No deadline rule {key!r} is in force on {on:%d %b %Y}; "
                                  "an administrator must configure one.")
    return days


def seed_defaults(session: Session) -> int:
    """Add each default rule whose key has no rule at all; returns how many were added."""
    present = set(session.scalars(select(DeadlineRule.key).distinct()))
    added = [DeadlineRule(key=k, days=d, valid_from=DEFAULT_FROM, note="default")
             for k, d in DEFAULT_DEADLINES.items() if k not in present]
    session.add_all(added)
    session.flush()
    return len(added)
