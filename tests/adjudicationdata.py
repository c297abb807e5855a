"""A case referred to adjudication, the adjudicating officers of every rank, and helpers to
drive adjudication.bpmn with a fixed clock. Import `court` (and `world`) into a test module."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from audit_app.auth.service import create_user
from audit_app.models import Adjudication, AuditCase, OpenTask, Role, TariffRate, User
from audit_app.models.adjudication import RANKS
from audit_app.services import adjudication, cases
from audit_app.services.findings import CorrectFacts, record_finding
from tests.casedata import World, drive_to, tariff
from tests.conftest import PASSWORD
from workflows.clock import PKT

SHORT_LEVY = Decimal(278_696)  # Rs 1,000,000 declared, Rs 1,500,000 correct, laptops


@dataclass
class Court:
    w: World
    officers: dict[str, User]  # rank -> an officer of the case's office (PCA-S)
    elsewhere: User  # an Assistant Collector of another office

    @property
    def session(self):  # type: ignore[no-untyped-def]
        return self.w.session

    def referred(self, amount: Decimal | None = None) -> AuditCase:
        """A case through audit to `referred_to_adjudication`; `amount` replaces the amount
        involved (all in customs duty) so band edges can be tried exactly."""
        w = self.w
        if not w.session.scalar(select(TariffRate.id).where(TariffRate.hs_code == "84713010")):
            tariff(w.session, "84713010")
        case = w.open_case([{"hs_code": "84713010", "declared_value_pkr": Decimal(1_000_000)}])
        drive_to(w, case, "examine_records")
        record_finding(w.session, case.items[0].id, w.auditor,
                       CorrectFacts(value_pkr=Decimal(1_500_000)), evidence="Supplier invoice",
                       clock=w.clock)
        w.do(case, "examine_records")
        w.do(case, "review_findings", {"decision": "approve"})
        w.do(case, "issue_observation", {"observation_date": "2026-02-02"})
        w.do(case, "record_reply", {"reply_outcome": "contravention"})
        if amount is not None:
            adj = self.adj(case)
            for levy in ("rd", "acd", "st", "ast", "it"):
                setattr(adj, f"contravened_{levy}_pkr", Decimal(0))
            adj.contravened_cd_pkr = adj.amount_involved_pkr = amount
            w.session.commit()
        return case

    def adj(self, case: AuditCase) -> Adjudication:
        found = adjudication.current(self.session, case)
        assert found is not None
        return found

    def task(self, case: AuditCase, element: str | None = None) -> OpenTask:
        """The case's open adjudication (or framing) task; other processes' tasks (recovery
        after an order stands) are left out."""
        query = select(OpenTask).where(OpenTask.case_id == case.id,
                                       OpenTask.lane.in_(("adjudication_officer", "auditor")))
        if element:
            query = query.where(OpenTask.element_id == element)
        rows = self.session.scalars(query).all()
        assert len(rows) == 1, [r.element_id for r in rows]
        return rows[0]

    def do(self, case: AuditCase, element: str, form: dict[str, Any] | None = None,
           user: User | None = None) -> AuditCase:
        task = self.task(case)
        assert task.element_id == element, task.element_id
        if user is None:
            user = self.w.auditor if task.lane == "auditor" else self.officer_for(case)
        cases.complete_task(self.session, task.task_id, user, form or {}, clock=self.w.clock)
        self.session.commit()
        return case

    def officer_for(self, case: AuditCase) -> User:
        adj = self.adj(case)
        if adj.officer_id:
            return self.session.get(User, adj.officer_id)
        return self.officers[adj.competent_rank or "collector"]

    def frame(self, case: AuditCase, **form: Any) -> None:
        self.do(case, "frame_contravention_report",
                {"nature": "inadvertence_or_error", "facts": "Undervalued laptops", **form})

    def to_scn(self, case: AuditCase) -> None:
        """Frame, assign the competent officer, draft and approve: the SCN is ready to issue."""
        self.frame(case)
        officer = self.officers[self.adj(case).competent_rank]
        self.do(case, "assign_officer", {"officer_id": officer.id}, user=officer)
        self.do(case, "draft_scn")
        self.do(case, "approve_scn", {"decision": "approve"})

    def at_day(self, start: dt.date, day: int) -> dt.date:
        """Move the clock to 09:00 in Karachi, `day` days after `start`."""
        target = start + dt.timedelta(days=day)
        self.w.clock.set(dt.datetime.combine(target, dt.time(9), tzinfo=PKT))
        return target

    def to_order(self, case: AuditCase) -> dt.date:
        """Through SCN (issued today), reply, one hearing held: the order is due. Returns the
        SCN's date."""
        self.to_scn(case)
        scn_date = self.today()
        self.do(case, "issue_scn")
        self.do(case, "record_scn_reply", {"reply_summary": "The invoice was genuine"})
        hearing = scn_date + dt.timedelta(days=20)
        self.do(case, "schedule_hearing", {"hearing_date": hearing.isoformat()})
        self.at_day(hearing, 0)
        self.do(case, "record_hearing", {"outcome": "concluded",
                                         "appearances": "Ali Raza, counsel for the importer"})
        return scn_date

    def today(self) -> dt.date:
        return self.w.clock.now().astimezone(PKT).date()


@pytest.fixture
def court(world: World, make_user) -> Court:  # type: ignore[no-untyped-def]
    session = world.session
    officers = {}
    for rank in RANKS:
        user = create_user(session, f"adj_{rank}", PASSWORD, rank.replace("_", " ").title(),
                           [Role.ADJUDICATION_OFFICER], directorate_code="PCA-S")
        adjudication.set_rank(session, user, rank)
        officers[rank] = user
    elsewhere = create_user(session, "adj_north", PASSWORD, "Northern Officer",
                            [Role.ADJUDICATION_OFFICER], directorate_code="PCA-N")
    adjudication.set_rank(session, elsewhere, "assistant_collector")
    session.commit()
    return Court(world, officers, elsewhere)


def users(session) -> dict[str, User]:  # type: ignore[no-untyped-def]
    return {u.username: u for u in session.scalars(select(User))}
