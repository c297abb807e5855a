"""Time-limit risk: adjudications still without an order whose 120-day limit (150 with the
extension) ends within 30, 60 or 90 days of a date, and those that became time-barred."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

WINDOWS = (30, 60, 90)


@dataclass
class TimeLimitRisk:
    available: bool
    windows: list[tuple[int, int, Decimal]] = field(default_factory=list)
    time_barred: int = 0


def time_limit_risk(session: Session, on: dt.date, start: dt.date | None = None) -> TimeLimitRisk:
    try:
        from audit_app.models.adjudication import Adjudication  # type: ignore[import-not-found]
    except ImportError:  # adjudication not installed in this build
        return TimeLimitRisk(False)
    out = TimeLimitRisk(True)
    for days in WINDOWS:
        count, amount = session.execute(
            select(func.count(), func.coalesce(func.sum(Adjudication.amount_involved_pkr), 0))
            .where(Adjudication.ended_on.is_(None), Adjudication.order_due_on.is_not(None),
                   Adjudication.order_due_on >= on,
                   Adjudication.order_due_on <= on + dt.timedelta(days=days))).one()
        out.windows.append((days, int(count), Decimal(amount)))
    barred = select(func.count()).where(Adjudication.time_barred_on.is_not(None),
                                        Adjudication.time_barred_on <= on)
    if start is not None:
        barred = barred.where(Adjudication.time_barred_on >= start)
    out.time_barred = int(session.scalar(barred) or 0)
    return out
