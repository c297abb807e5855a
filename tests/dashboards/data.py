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
    clean = w.open_case(1)
    drive_to(w, clean, "record_reply")
    w.do(clean, "record_reply", {"reply_outcome": "explanation_accepted"})

    proposal = approved_proposal(s, w.supervisor, 1)
    proposal.directorate_code = "PCA-N"
    s.flush()
    from audit_app.services import cases
    north = cases.open_case(s, proposal.id, w.supervisor, clock=w.clock)
    s.commit()
    return Cases3(w, hit, clean, north)


def as_user(app: Flask, user: User):  # type: ignore[no-untyped-def]
    """A request context with `user` logged in, for calling callbacks directly."""
    context = app.test_request_context("/dashboards/performance/_dash-update-component",
                                       method="POST")
    context.push()
    login_user(user)
    return context


def user(world: World, username: str) -> User:
    return world.session.scalar(select(User).where(User.username == username))
