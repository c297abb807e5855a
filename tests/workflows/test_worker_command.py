"""`pca worker --now`: the operator's way to fire what is due at a given instant."""
from __future__ import annotations

from sqlalchemy import select

from audit_app.models import OpenTask
from tests.casedata import World, world  # noqa: F401


def test_worker_fires_what_is_due_at_the_given_instant(runner, world: World) -> None:  # type: ignore[no-untyped-def]
    case = world.open_case()
    early = runner.invoke(args=["worker", "--now", "2026-01-06T00:00:00"])
    assert early.exit_code == 0 and "Fired 0 timer(s)" in early.output
    late = runner.invoke(args=["worker", "--now", "2026-01-09T00:00:00+05:00"])
    assert late.exit_code == 0 and "Fired 1 timer(s)" in late.output, late.output
    world.session.expire_all()
    task = world.session.scalar(select(OpenTask).where(OpenTask.case_id == case.id))
    assert task.escalated_at is not None
    again = runner.invoke(args=["worker", "--once"])  # the real clock: long after, nothing new
    assert "Fired 0 timer(s)" in again.output


def test_a_timer_that_cannot_fire_is_left_for_the_next_round(app, world: World) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from audit_app.models import WorkflowTimer
    from workflows.worker import run_once
    case = world.open_case()
    task = world.task(case)
    world.session.add(WorkflowTimer(instance_id=task.instance_id, task_id=task.task_id,
                                    element_id="no_such_signal", kind="timer",
                                    due_at=world.clock.now()))
    world.session.commit()
    assert run_once(app.extensions["pca_db"].sessionmaker, world.clock) == 0
    world.clock.advance(days=dt.timedelta(days=10).days)
    assert run_once(app.extensions["pca_db"].sessionmaker, world.clock) == 1  # the escalation
    world.session.expire_all()
    stuck = world.session.scalar(select(WorkflowTimer).where(WorkflowTimer.kind == "timer"))
    assert stuck.fired_at is None
