"""A directorate's people, an approved proposal, and helpers to drive a case through
pca_audit.bpmn with a fixed clock. Import the `world` fixture into a test module to use it."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from audit_app.models import (AuditCase, AuditProposal, AuditProposalItem, CaseEvent, OpenTask,
                              Role, RiskRun, TariffRate, User)
from audit_app.services import cases
from tests.factories import DEFAULT_RATES, make_declaration, make_importer
from workflows.clock import FixedClock
from workflows.deadlines import seed_defaults

START = dt.datetime(2026, 1, 5, 4, 0, tzinfo=dt.timezone.utc)  # 09:00 in Karachi, a Monday
GD_DATE = dt.date(2025, 3, 12)


@dataclass
class World:
    session: Session
    clock: FixedClock
    supervisor: User
    auditor: User
    auditor2: User
    outsider: User
    cases: list[AuditCase] = field(default_factory=list)

    def open_case(self, items: list[dict[str, Any]] | int = 2) -> AuditCase:
        proposal = approved_proposal(self.session, self.supervisor, items)
        case = cases.open_case(self.session, proposal.id, self.supervisor, clock=self.clock)
        self.session.commit()
        return case

    def task(self, case: AuditCase, element: str | None = None) -> OpenTask:
        query = select(OpenTask).where(OpenTask.case_id == case.id)
        if element:
            query = query.where(OpenTask.element_id == element)
        rows = self.session.scalars(query).all()
        assert len(rows) == 1, [r.element_id for r in rows]
        return rows[0]

    def do(self, case: AuditCase, element: str, form: dict[str, Any] | None = None,
           user: User | None = None) -> AuditCase:
        task = self.task(case, element)
        if user is None:
            user = self.supervisor if task.lane == "supervisor" else self.auditor
        cases.complete_task(self.session, task.task_id, user, form or {}, clock=self.clock)
        self.session.commit()
        return case

    def events(self, case: AuditCase, kind: str) -> list[CaseEvent]:
        return list(self.session.scalars(select(CaseEvent).where(
            CaseEvent.case_id == case.id, CaseEvent.kind == kind).order_by(CaseEvent.id)))


def approved_proposal(session: Session, supervisor: User,
                      items: list[dict[str, Any]] | int = 2) -> AuditProposal:
    importer = make_importer(session)
    gd = make_declaration(session, importer=importer, items=items, gd_date=GD_DATE)
    run = RiskRun(kind="select", created_by="test")
    session.add(run)
    session.flush()
    proposal = AuditProposal(run_id=run.id, importer_id=importer.id, directorate_code="PCA-S",
                             basis="risk", status="approved", reason="test",
                             expected_short_levy_pkr=Decimal(1000), items_count=len(gd.items),
                             created_by="test", decided_by_id=supervisor.id,
                             decided_at=START)
    proposal.items = [AuditProposalItem(item_id=i.id, expected_short_levy_pkr=Decimal(500),
                                        reasons=["Unit value far below comparable imports"])
                      for i in gd.items]
    session.add(proposal)
    session.flush()
    return proposal


def tariff(session: Session, hs_code: str, valid_from: dt.date = dt.date(2024, 7, 1),
           **rates: Any) -> TariffRate:
    values = {**DEFAULT_RATES.as_dict(), **{k: Decimal(str(v)) for k, v in rates.items()}}
    row = TariffRate(hs_code=hs_code, valid_from=valid_from, description="test", row_hash="x",
                     **{f"{k}_rate": v for k, v in values.items()})
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def world(app: Flask, session: Session, make_user) -> World:  # type: ignore[no-untyped-def]
    for name, role in (("sup", Role.SUPERVISOR), ("aud", Role.AUDITOR), ("aud2", Role.AUDITOR)):
        make_user(role, username=name)
    make_user(Role.AUDITOR, username="north", directorate="PCA-N")
    seed_defaults(session)
    session.commit()
    users = {u.username: u for u in session.scalars(select(User))}
    return World(session, FixedClock(START), users["sup"], users["aud"], users["aud2"],
                 users["north"])


PLAN = {"audit_type": "desk", "planned_scope": "GDs of 2025", "period_from": "2025-01-01",
        "period_to": "2025-12-31"}
NOTICE = {"notice_date": "2026-01-06", "records_due_date": "2026-01-20"}


def drive_to(world: World, case: AuditCase, element: str) -> None:
    """Complete the steps before `element` on the straight path."""
    steps = [("assign_auditor", {"auditor_id": world.auditor.id}), ("prepare_plan", PLAN),
             ("issue_notice", NOTICE), ("examine_records", {}),
             ("review_findings", {"decision": "approve"}),
             ("issue_observation", {"observation_date": "2026-02-02"}), ("record_reply", None)]
    for name, form in steps:
        if name == element:
            return
        world.do(case, name, form)
    raise AssertionError(element)


# Names holding markup, for the pages that must show what people typed as text.
HOSTILE_IMPORTER = '<script>alert("x")</script> & Sons'
HOSTILE_IMPORTER_SHOWN = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Sons"
HOSTILE_OFFICER = "Aud <b>One</b>"
HOSTILE_OFFICER_SHOWN = "Aud &lt;b&gt;One&lt;/b&gt;"


def case_with_hostile_names(world: World, items: int = 2) -> AuditCase:
    """A case assigned to `world.auditor`, its importer and that auditor named with markup."""
    case = world.open_case(items)
    world.do(case, "assign_auditor", {"auditor_id": world.auditor.id})
    case.importer.name = HOSTILE_IMPORTER
    world.auditor.full_name = HOSTILE_OFFICER
    world.session.commit()
    return case
