"""`pca demo seed`: formations, users, data through the intake path, rules, a model and scores."""
from __future__ import annotations

from sqlalchemy import func, select

from audit_app.db import get_session
from audit_app.models import AuditProposal, DeclarationItem, RiskModel, RiskRuleSet, RiskScore, User


def test_seed_builds_a_usable_demo_instance_once(app, runner) -> None:  # type: ignore[no-untyped-def]
    app.config["DEMO"] = True
    result = runner.invoke(args=["demo", "seed", "--items", "3000", "--months", "12", "--if-empty"])
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
