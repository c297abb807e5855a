"""Time-limit risk: adjudications still without an order whose limit (120 days from the SCN,
150 with the extension; the dates are the adjudication's own `order_due_on`) ends within 30, 60
or 90 days of a date, those that became time-barred, and the share of orders made in time."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from audit_app.models import AuditCase
from audit_app.models.adjudication import Adjudication, OrderInOriginal

WINDOWS = (30, 60, 90)


@dataclass
class TimeLimitRisk:
    windows: list[tuple[int, int, Decimal]] = field(default_factory=list)
    time_barred: int = 0
    orders: int = 0
    orders_in_time: int = 0

    @property
    def in_time_share(self) -> float | None:
        return self.orders_in_time / self.orders if self.orders else None


def time_limit_risk(session: Session, on: dt.date, start: dt.date | None = None,
                    case_conditions: list[Any] | None = None) -> TimeLimitRisk:
    """Open adjudications due within each window after `on`; time-barred and orders made
    between `start` and `on` (all time when start is None)."""
    scoped = list(case_conditions or [])

    def where(query: Any) -> Any:
        if scoped:
            query = query.where(Adjudication.case_id.in_(select(AuditCase.id).where(*scoped)))
        return query

    out = TimeLimitRisk()
    for days in WINDOWS:
        count, amount = session.execute(where(
            select(func.count(), func.coalesce(func.sum(Adjudication.amount_involved_pkr), 0))
            .where(Adjudication.ended_on.is_(None), Adjudication.order_due_on.is_not(None),
                   Adjudication.order_due_on >= on,
                   Adjudication.order_due_on <= on + dt.timedelta(days=days)))).one()
        out.windows.append((days, int(count), Decimal(amount)))
    barred = select(func.count()).where(Adjudication.time_barred_on.is_not(None),
                                        Adjudication.time_barred_on <= on)
    orders = (select(func.count(), func.coalesce(func.sum(case(
        (OrderInOriginal.order_date <= Adjudication.order_due_on, 1), else_=0)), 0))
        .join(Adjudication, Adjudication.id == OrderInOriginal.adjudication_id)
        .where(OrderInOriginal.outcome != "time_barred", OrderInOriginal.order_date <= on))
    if start is not None:
        barred = barred.where(Adjudication.time_barred_on >= start)
        orders = orders.where(OrderInOriginal.order_date >= start)
    out.time_barred = int(session.scalar(where(barred)) or 0)
    out.orders, out.orders_in_time = (int(v) for v in session.execute(where(orders)).one())
    return out
