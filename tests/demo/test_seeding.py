"""`pca demo seed`: formations, users, data through the intake path, rules, a model and scores."""
from __future__ import annotations

from sqlalchemy import func, select

from audit_app.db import get_session
from audit_app.models import AuditProposal, DeclarationItem, RiskModel, RiskRuleSet, RiskScore, User


def test_seed_builds_a_usable_demo_instance_once(app, runner) -> None:  # type: ignore[no-untyped-def]
    app.config["DEMO"] = True
    result = runner.invoke(args=["demo", "seed", "--items", "3000", "--months", "12",
                                 "--cases", "0", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "items scored" in result.output
    with app.app_context():
        session = get_session()
        count = lambda model: session.scalar(select(func.count()).select_from(model))  # noqa: E731
        assert count(DeclarationItem) == 3000
        assert count(RiskScore) == 3000
        assert session.scalar(select(RiskModel.status)) == "active"
        assert session.scalar(select(RiskRuleSet.status)) == "active"
        supervisor = session.scalar(select(User).where(User.username == "supervisor"))
        auditor = session.scalar(select(User).where(User.username == "auditor"))
        # The walkthrough starts with proposals the supervisor may approve and assign.
        pending = session.scalars(select(AuditProposal).where(
            AuditProposal.status == "proposed")).all()
        assert pending and {p.directorate_code for p in pending} == {
            supervisor.directorate_code} == {auditor.directorate_code}
        assert all(p.items for p in pending)
    again = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert again.exit_code == 0 and "already present" in again.output


def test_seed_refuses_a_production_instance(app, runner) -> None:  # type: ignore[no-untyped-def]
    app.config["DEMO"] = False
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code != 0 and "PCA_DEMO=1" in result.output


def test_seeded_cases_live_through_every_stage(app, runner) -> None:  # type: ignore[no-untyped-def]
    """A small demo: cases at every stage, each through the services (events by demo users,
    amounts in the ledger), a funnel with money at every stage, targets, and the walkthrough
    case waiting at its first adjudication step."""
    import datetime as dt
    from decimal import Decimal

    from dashboards.filters import Filters
    from dashboards.revenue.queries import funnel
    from audit_app.models import (AuditCase, CaseEvent, Dispute, EnforcementAction,
                                  IssuedDocument, LedgerEntry, OpenTask, RevenueTarget)
    from audit_app.services import ledger

    app.config["DEMO"] = True
    # 10,000 items: the cases spread over five directorates, and the smaller ones need enough
    # goods for their risk selections to find planted fraud (with 4,000, half found nothing).
    result = runner.invoke(args=["demo", "seed", "--items", "10000", "--months", "24",
                                 "--cases", "24", "--seed", "11"])
    assert result.exit_code == 0, result.output
    assert "Walkthrough" in result.output
    with app.app_context():
        session = get_session()
        cases = session.scalars(select(AuditCase)).all()
        assert len(cases) == 25  # 24 lived, and the walkthrough's
        statuses = {c.status for c in cases}
        # Closed at each end the processes have, and open in audit, adjudication and recovery.
        assert {"recovered", "closed_voluntary_payment", "referred_to_adjudication",
                "adjudged"} <= statuses, statuses
        assert statuses & {"closed_no_change", "dropped", "set_aside_on_appeal", "adr_settled",
                           "not_pursued"}, statuses
        lanes = set(session.scalars(select(OpenTask.lane)))
        assert {"auditor", "adjudication_officer", "recovery_officer"} <= lanes, lanes
        assert session.scalar(select(func.count()).select_from(Dispute)) > 0
        assert session.scalar(select(func.count()).select_from(EnforcementAction)) > 0
        kinds = set(session.scalars(select(IssuedDocument.kind)))
        assert {"notice_of_audit", "audit_observation", "contravention_report",
                "show_cause_notice", "order_in_original", "demand_notice"} <= kinds, kinds

        # Every amount is the ledger's: each case's figures are the sums of its entries.
        for case in cases:
            sums: dict[str, Decimal] = {}
            for entry in session.scalars(select(LedgerEntry).where(
                    LedgerEntry.case_id == case.id)):
                sums[entry.account] = sums.get(entry.account, Decimal(0)) + entry.amount_pkr
            balances = ledger.balances(session, case.id)
            assert {a: balances.total(a) for a in sums} == sums
            if sums:  # findings approved: what was detected is what the findings found
                assert sums["detected"] == case.short_levy_total_pkr
        # Every step was taken by a demo user (or the worker's timers) at a simulated time.
        events = session.scalars(select(CaseEvent)).all()
        assert all(e.at.date() <= dt.date.today() + dt.timedelta(days=1) for e in events)
        assert len({e.at.date() for e in events}) > 60  # spread over months, not one instant
        users = {u.id: u.username for u in session.scalars(select(User))}
        actors = {users[e.actor_id] for e in events if e.actor_id}
        assert {"supervisor", "recovery", "appellate"} <= actors, actors
        assert actors & {"auditor", "auditor2"} and actors & {
            "adj_supt", "adj_ac", "adj_dc", "adjudicator", "adj_collector"}, actors

        # The dashboards' funnel has money and cases at every stage.
        today = dt.date.today()
        stages = funnel(session, Filters(period=f"{today.year - 2}-01-01..{today}"))
        assert all(s.amount > 0 and s.cases > 0 for s in stages), stages
        assert session.scalar(select(func.count()).select_from(RevenueTarget)) > 0
        # Spread over the directorates, each case worked by its own directorate's officers.
        assert len({c.directorate_code for c in cases}) >= 4
        for event in events:
            if event.actor_id:
                user = session.get(User, event.actor_id)
                case = session.get(AuditCase, event.case_id)
                assert user.directorate_code in (None, case.directorate_code), user.username

        # The walkthrough case: referred, its report waiting for the auditor to frame it.
        number = result.output.split("Walkthrough case (README, adjudication to recovery): ")[1]
        walk = session.scalar(select(AuditCase).where(
            AuditCase.case_number == number.split(",")[0]))
        assert walk.status == "referred_to_adjudication"
        task = session.scalar(select(OpenTask).where(OpenTask.case_id == walk.id))
        assert task.element_id == "frame_contravention_report"
        framing = session.scalars(select(OpenTask.case_id).where(
            OpenTask.element_id == "frame_contravention_report")).all()
        assert framing == [walk.id]  # the only case at that step: easy to find
