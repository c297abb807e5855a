"""A case whose order-in-original stands, handed to recovery as adjudication's hand-off does,
and the recovery officers who work it. Import the `rworld` fixture into a test module."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from audit_app.models import AuditCase, OpenTask, Role, User
from audit_app.services import cases, ledger, recovery
from tests.casedata import World, world  # noqa: F401
from workflows import handoffs
from workflows.clock import local_date

D = Decimal
OFFICE = "ADJ-KHI"
ORDER = {"cd": D(100_000), "st": D(18_000), "penalty": D(5_000)}
ORDER_REF = "OIO/ADJ-KHI/2026/000001"


@dataclass
class RecoveryWorld:
    w: World
    officer: User
    officer2: User
    elsewhere: User
    appellate: User

    @property
    def session(self):  # type: ignore[no-untyped-def]
        return self.w.session

    @property
    def clock(self):  # type: ignore[no-untyped-def]
        return self.w.clock

    def order_stands(self, amounts: dict[str, Decimal] | None = None, *,
                     paid_before: dict[str, Decimal] | None = None) -> AuditCase:
        """A case with an order-in-original adjudging `amounts`, handed to recovery exactly
        as adjudication's end event `adjudged` does (its hand-off)."""
        case = self.w.open_case()
        case.adjudication_office = OFFICE
        today = local_date(self.clock.now())
        if paid_before:
            ledger.post(self.session, case.id, "paid", paid_before, on=today,
                        kind="voluntary_payment", actor=None, clock=self.clock,
                        reference="CH-VOL-1")
        ledger.post(self.session, case.id, "adjudged", amounts or ORDER, on=today,
                    kind="order_in_original", actor=None, clock=self.clock,
                    reference=ORDER_REF, document_ref=ORDER_REF)
        case.status = "adjudged"
        handoffs.process_ended(self.session, case, process_id="adjudication",
                               status="adjudged", clock=self.clock)
        self.session.commit()
        return case

    def task(self, case: AuditCase) -> OpenTask | None:
        rows = self.session.scalars(select(OpenTask).where(
            OpenTask.case_id == case.id, OpenTask.lane == "recovery_officer")).all()
        assert len(rows) <= 1, [r.element_id for r in rows]
        return rows[0] if rows else None

    def step(self, case: AuditCase) -> str | None:
        task = self.task(case)
        return task.element_id if task else None

    def do(self, case: AuditCase, element: str, form: dict[str, Any] | None = None,
           user: User | None = None) -> None:
        task = self.task(case)
        assert task is not None and task.element_id == element, (task and task.element_id)
        cases.complete_task(self.session, task.task_id, user or self.officer, form or {},
                            clock=self.clock)
        self.session.commit()

    def pay(self, case: AuditCase, levy: str, amount: Decimal | str, challan: str,
            on: dt.date | None = None, user: User | None = None) -> None:
        recovery.record_payment(self.session, case.id, {
            "levy": levy, "amount": str(amount), "challan_number": challan,
            "payment_date": (on or local_date(self.clock.now())).isoformat()},
            actor=user or self.officer, clock=self.clock)
        self.session.commit()

    def notice(self, case: AuditCase, **form: Any) -> None:
        self.do(case, "issue_demand_notice", form)


@pytest.fixture
def rworld(world: World, make_user) -> RecoveryWorld:  # type: ignore[no-untyped-def]
    make_user(Role.RECOVERY_OFFICER, username="recov", directorate=OFFICE)
    make_user(Role.RECOVERY_OFFICER, username="recov2", directorate=OFFICE)
    make_user(Role.RECOVERY_OFFICER, username="recov_lhr", directorate="ADJ-LHR")
    make_user(Role.APPELLATE_OFFICER, username="appeals", directorate=None)
    users = {u.username: u for u in world.session.scalars(select(User))}
    return RecoveryWorld(world, users["recov"], users["recov2"], users["recov_lhr"],
                         users["appeals"])
