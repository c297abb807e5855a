"""Monthly revenue targets (configuration): set by an administrator, read by the dashboards and
the steering-committee report. Flushes, never commits."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import ValidationFailed
from ..models import TARGET_MEASURES, RevenueTarget


def set_target(session: Session, month: str, measure: str, amount: object, *,
               directorate: str | None, set_by: str) -> RevenueTarget:
    """Create or replace the target of a month (YYYY-MM) for a measure and a directorate
    (None: the whole administration)."""
    errors: dict[str, str] = {}
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        errors["month"] = "a month, YYYY-MM"
        first = None
    if measure not in TARGET_MEASURES:
        errors["measure"] = "one of " + ", ".join(TARGET_MEASURES)
    if isinstance(amount, float):
        errors["amount"] = "an exact amount in rupees, not a float"
        value = None
    else:
        try:
            value = Decimal(str(amount).replace(",", ""))
            if not value.is_finite() or value < 0:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors["amount"] = "an amount in rupees, 0 or more"
            value = None
    if errors:
        raise ValidationFailed("Target not set.", errors)
    directorate = (directorate or "").strip() or None
    row = session.scalar(select(RevenueTarget).where(
        RevenueTarget.month == first, RevenueTarget.measure == measure,
        RevenueTarget.directorate_code.is_(None) if directorate is None
        else RevenueTarget.directorate_code == directorate))
    if row is None:
        row = RevenueTarget(month=first, measure=measure, directorate_code=directorate,
                            amount_pkr=value, set_by=set_by)
        session.add(row)
    else:
        row.amount_pkr, row.set_by = value, set_by
        row.set_at = dt.datetime.now(dt.timezone.utc)
    session.flush()
    return row


def monthly_targets(session: Session, measure: str, start: dt.date, end: dt.date,
                    directorate: str | None = None) -> dict[str, Decimal]:
    """'YYYY-MM' -> target. For one directorate: its own targets. For the whole administration:
    the national target where one is set, else the sum of the directorates' targets."""
    query = (select(RevenueTarget.month, RevenueTarget.directorate_code,
                    func.sum(RevenueTarget.amount_pkr))
             .where(RevenueTarget.measure == measure, RevenueTarget.month >= start.replace(day=1),
                    RevenueTarget.month <= end)
             .group_by(RevenueTarget.month, RevenueTarget.directorate_code))
    national: dict[str, Decimal] = {}
    summed: dict[str, Decimal] = {}
    own: dict[str, Decimal] = {}
    for month, code, amount in session.execute(query):
        key = f"{month:%Y-%m}"
        if directorate is not None:
            if code == directorate:
                own[key] = Decimal(amount)
        elif code is None:
            national[key] = Decimal(amount)
        else:
            summed[key] = summed.get(key, Decimal(0)) + Decimal(amount)
    return own if directorate is not None else {**summed, **national}


def list_targets(session: Session) -> list[RevenueTarget]:
    return list(session.scalars(select(RevenueTarget).order_by(
        RevenueTarget.month, RevenueTarget.measure, RevenueTarget.directorate_code)))
