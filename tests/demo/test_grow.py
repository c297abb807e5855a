"""`pca demo seed --defer-lifecycle` then `pca demo grow`: what `make run` does to serve at once
and live the demo cases in the background, a case per transaction, resumable."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from audit_app.db import get_session
from audit_app.models import AuditCase, AuditProposal, CaseEvent, User


def test_deferred_seed_then_grow_resumes_after_an_interruption(app, runner) -> None:  # type: ignore[no-untyped-def]
    from audit_app.demo import growth
    from audit_app.demo.seeding import grow_lifecycle

    app.config["DEMO"] = True
    result = runner.invoke(args=["demo", "seed", "--items", "4000", "--months", "24",
                                 "--cases", "8", "--seed", "11", "--defer-lifecycle"])
    assert result.exit_code == 0, result.output
    assert "8 planned over the directorates" in result.output
    assert "Walkthrough case" in result.output
    with app.app_context():
        session = get_session()
        # Before serving: only the walkthrough's case; the others are planned proposals.
        assert session.scalar(select(func.count()).select_from(AuditCase)) == 1
        planned, left = growth.remaining(session)
        assert planned == left >= 6
        directorates = set(session.scalars(select(AuditProposal.directorate_code).where(
            AuditProposal.status == "proposed")))
        assert len(directorates) >= 3, directorates

        # Interrupted after two cases: both committed, whole.
        def stop_after_two(done: int, total: int, case: AuditCase) -> None:
            if done == 2:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            grow_lifecycle(session, Path(app.instance_path) / "demo-data",
                           commit=session.commit, progress=stop_after_two)
        session.rollback()
        assert growth.remaining(session) == (planned, left - 2)
        assert session.scalar(select(func.count()).select_from(AuditCase)) == 3  # + walkthrough
        # Asked to stop (make run's Ctrl-C): the case under way is finished, no other begun.
        asked: list[int] = []
        grow_lifecycle(session, Path(app.instance_path) / "demo-data", commit=session.commit,
                       progress=lambda done, total, case: asked.append(done),
                       should_stop=lambda: bool(asked))
        assert asked == [3] and growth.remaining(session) == (planned, left - 3)

    again = runner.invoke(args=["demo", "grow"])
    assert again.exit_code == 0, again.output
    assert f"living {left - 3} of {planned}" in again.output
    with app.app_context():
        session = get_session()
        assert growth.remaining(session) == (planned, 0)
        cases = session.scalars(select(AuditCase)).all()
        assert len(cases) == planned + 1
        assert len({c.directorate_code for c in cases}) >= 3
        # Each case worked by its own directorate's officers (the appellate officer is common).
        users = {u.id: u for u in session.scalars(select(User))}
        for event in session.scalars(select(CaseEvent).where(CaseEvent.actor_id.is_not(None))):
            actor = users[event.actor_id]
            case = session.get(AuditCase, event.case_id)
            assert actor.directorate_code in (None, case.directorate_code), (
                actor.username, case.case_number)
    done = runner.invoke(args=["demo", "grow"])
    assert done.exit_code == 0 and f"all {planned} planned cases lived" in done.output
