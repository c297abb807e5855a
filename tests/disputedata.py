"""A case with an order-in-original and its demand in the ledger, an appellate officer, and
helpers to drive dispute.bpmn through the disputes service with a fixed clock. Import the
`dworld` fixture (and `world`, which it builds on) into a test module to use it."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from audit_app.models import AuditCase, Dispute, OpenTask, Role, User, WorkflowInstance
from audit_app.services import dispute_decisions, disputes, ledger
from tests.casedata import World, world  # noqa: F401
from workflows.clock import end_of_day_utc
from workflows.worker import run_once

ORDER_DATE = dt.date(2026, 3, 2)
# The order-in-original's demand: duty and taxes, penalty and fine.
DEMAND = {"cd": Decimal(200_000), "st": Decimal(150_000), "it": Decimal(50_000),
          "penalty": Decimal(40_000), "fine": Decimal(10_000)}
DEMAND_TOTAL = sum(DEMAND.values())  # 450,000


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    """`hour` o'clock in Karachi on `day`, as a UTC instant."""
    return dt.datetime(day.year, day.month, day.day, hour - 5, tzinfo=dt.timezone.utc)


def plus(days: int, day: dt.date = ORDER_DATE) -> dt.date:
    return day + dt.timedelta(days=days)


@dataclass
class DisputeWorld:
    app: Flask
    w: World
    officer: User
    other_officer: User

    @property
    def session(self):  # type: ignore[no-untyped-def]
        return self.w.session

    @property
    def clock(self):  # type: ignore[no-untyped-def]
        return self.w.clock

    def ordered_case(self, order_number: str = "OIO/PCA-S/2026/000001",
                     order_date: dt.date = ORDER_DATE) -> AuditCase:
        """A case whose order-in-original (with DEMAND) was passed on `order_date`."""
        case = self.w.open_case()
        self.clock.set(at(order_date))
        ledger.post(self.session, case.id, "adjudged", DEMAND, on=order_date,
                    kind="order_in_original", actor=None, clock=self.clock,
                    reference=order_number)
        ledger.post(self.session, case.id, "demanded", DEMAND, on=order_date,
                    kind="order_in_original", actor=None, clock=self.clock,
                    reference=order_number)
        ORDERS[case.id] = disputes.Order(order_number, order_date)
        self.session.commit()
        # The audit process's own escalations fall due by now: fire them, so that the worker
        # counts in the tests are the dispute's timers only.
        self.run_worker_at(self.clock.now())
        return case

    def file(self, case: AuditCase, forum: str, filed_on: dt.date, *,
             user: User | None = None, **form: Any) -> Dispute:
        """Record a filing dated `filed_on`, on that day."""
        self.clock.set(at(max(filed_on, _local(self.clock.now()))))
        fields = {"forum": forum, "filed_on": filed_on.isoformat(),
                  "grounds": "The value was correctly declared.", **form}
        dispute = disputes.file(self.session, case, fields, actor=user or self.officer,
                                clock=self.clock)
        self.session.commit()
        return dispute

    def decide(self, dispute: Dispute, outcome: str, decided_on: dt.date, *,
               user: User | None = None, **form: Any) -> Dispute:
        self.clock.set(at(max(decided_on, _local(self.clock.now()))))
        fields = {"outcome": outcome, "decided_on": decided_on.isoformat(),
                  "reasons": "Heard both sides.", "order_number": f"ORDER-{dispute.id}", **form}
        dispute_decisions.decide(self.session, dispute, fields, actor=user or self.officer,
                        clock=self.clock)
        self.session.commit()
        return dispute

    def demand(self, case: AuditCase) -> dict[str, Decimal]:
        return dict(ledger.balances(self.session, case.id)["demanded"])

    def demand_total(self, case: AuditCase) -> Decimal:
        return ledger.balances(self.session, case.id).total("demanded")

    def open_elements(self, case: AuditCase) -> list[str]:
        return list(self.session.scalars(select(OpenTask.element_id).where(
            OpenTask.case_id == case.id, OpenTask.lane == Role.APPELLATE_OFFICER.value)))

    def task(self, case: AuditCase, element: str) -> OpenTask:
        return self.w.task(case, element)

    def run_worker_at(self, instant: dt.datetime) -> int:
        self.clock.set(instant)
        fired = run_once(self.app.extensions["pca_db"].sessionmaker, self.clock)
        self.session.expire_all()
        return fired

    def run_worker_after(self, day: dt.date) -> int:
        """Run the worker at the first instant after `day` ends in Karachi."""
        return self.run_worker_at(end_of_day_utc(day))

    def dispute_instance(self, case: AuditCase) -> WorkflowInstance:
        return self.session.scalars(select(WorkflowInstance).where(
            WorkflowInstance.case_id == case.id, WorkflowInstance.process_id == "dispute")
            .order_by(WorkflowInstance.id.desc())).first()


def _local(instant: dt.datetime) -> dt.date:
    from workflows.clock import local_date
    return local_date(instant)


# The orders-in-original of the test cases, by case id (see `dworld`).
ORDERS: dict[int, disputes.Order] = {}


@pytest.fixture
def dworld(app: Flask, world: World, make_user,  # type: ignore[no-untyped-def]
           monkeypatch) -> DisputeWorld:
    make_user(Role.APPELLATE_OFFICER, username="appellate", directorate=None)
    make_user(Role.APPELLATE_OFFICER, username="appellate2", directorate=None)
    ORDERS.clear()
    monkeypatch.setattr(disputes, "original_order", lambda session, case: ORDERS.get(case.id))
    users = {u.username: u for u in world.session.scalars(select(User))}
    return DisputeWorld(app, world, users["appellate"], users["appellate2"])
