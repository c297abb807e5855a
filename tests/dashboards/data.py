"""A small set of cases in two directorates, driven through the audit process with a fixed
clock, for the dashboard tests. Import `world` and `cases3` into a test module."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from flask import Flask
from flask_login import login_user
from sqlalchemy import select

from audit_app.models import AuditCase, Directorate, User
from audit_app.services import ledger
from audit_app.services.targets import set_target
from audit_app.services.findings import CorrectFacts, record_finding
from tests.casedata import World, approved_proposal, drive_to, tariff, world  # noqa: F401

LAPTOP = "84713010"


@dataclass
class Cases3:
    world: World
    hit: AuditCase  # PCA-S: undervaluation, observed Jan 2026, referred to adjudication
    clean: AuditCase  # PCA-S: no finding, observed Feb 2026, closed with no change
    north: AuditCase  # PCA-N: opened in Feb 2026 only


@pytest.fixture
def cases3(world: World) -> Cases3:  # noqa: F811
    w = world
    s = w.session
    s.add_all([Directorate(code="PCA-S", name="PCA South", city="Karachi"),
               Directorate(code="PCA-N", name="PCA North", city="Islamabad")])
    tariff(s, LAPTOP)
    s.commit()
    hit = w.open_case([{"hs_code": LAPTOP, "declared_value_pkr": Decimal(1_000_000),
                        "quantity": 100}])
    drive_to(w, hit, "examine_records")
    record_finding(s, hit.items[0].id, w.auditor, CorrectFacts(value_pkr=Decimal(1_500_000)),
                   evidence="Supplier's export invoice", clock=w.clock)
    s.commit()
    w.clock.advance(days=10)
    w.do(hit, "examine_records")
    w.do(hit, "review_findings", {"decision": "approve"})
    w.do(hit, "issue_observation", {"observation_date": "2026-01-15"})  # on 15 Jan 2026
    w.do(hit, "record_reply", {"reply_outcome": "contravention"})

    w.clock.set(dt.datetime(2026, 2, 3, 5, tzinfo=dt.timezone.utc))
    # Goods of chapter 39, not left to the factories' rotation (which may give laptops, 84).
    clean = w.open_case([{"hs_code": "39011000"}])
    drive_to(w, clean, "record_reply")
    w.do(clean, "record_reply", {"reply_outcome": "explanation_accepted"})

    proposal = approved_proposal(s, w.supervisor, [{"hs_code": "39011000"}])
    proposal.directorate_code = "PCA-N"
    s.flush()
    from audit_app.services import cases
    north = cases.open_case(s, proposal.id, w.supervisor, clock=w.clock)
    s.commit()
    return Cases3(w, hit, clean, north)


@pytest.fixture
def money(cases3: Cases3) -> Cases3:  # noqa: F811
    """The hit case through SCN, order, demand, two payments and a stay; the north case gets
    its own findings posted directly (detected in March)."""
    w, s = cases3.world, cases3.world.session
    hit, north = cases3.hit, cases3.north

    def post(case: AuditCase, account: str, amounts: dict[str, str], on: dt.date, kind: str) -> None:
        ledger.post(s, case.id, account, {k: Decimal(v) for k, v in amounts.items()}, on=on, kind=kind,
                    actor=w.supervisor, clock=w.clock)

    post(hit, "contravened", {"cd": "100000", "st": "109800"}, dt.date(2026, 2, 10), "scn_issued")
    post(hit, "adjudged", {"cd": "100000", "st": "109800", "penalty": "20000"},
         dt.date(2026, 3, 20), "order_in_original")
    post(hit, "demanded", {"cd": "100000", "st": "109800", "penalty": "20000"},
         dt.date(2026, 3, 21), "demand_raised")
    post(hit, "paid", {"cd": "60000"}, dt.date(2026, 3, 28), "payment")
    post(hit, "paid", {"st": "9800"}, dt.date(2026, 4, 5), "payment")
    post(hit, "stayed", {"cd": "40000"}, dt.date(2026, 4, 6), "stay_granted")
    post(north, "detected", {"cd": "5000.50"}, dt.date(2026, 3, 3), "findings_approved")
    set_target(s, "2026-03", "recovered", "50000", directorate=None, set_by="test")
    s.commit()
    return cases3



def as_user(app: Flask, user: User):  # type: ignore[no-untyped-def]
    """A request context with `user` logged in, for calling callbacks directly."""
    context = app.test_request_context("/dashboards/performance/_dash-update-component",
                                       method="POST")
    context.push()
    login_user(user)
    return context


def user(world: World, username: str) -> User:
    return world.session.scalar(select(User).where(User.username == username))
