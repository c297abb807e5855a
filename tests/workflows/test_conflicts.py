"""Two writers on one case: the version column lets exactly one win; the other gets Conflict."""
from __future__ import annotations

import threading
from uuid import UUID

import pytest
from flask import Flask
from sqlalchemy import select

from audit_app.errors import Conflict
from audit_app.models import CaseEvent, User, WorkflowInstance
from audit_app.services import cases
from tests.casedata import World, world  # noqa: F401
from workflows import runtime


def test_a_stale_instance_is_not_saved(app: Flask, world: World) -> None:
    case = world.open_case()
    task_id = world.task(case).task_id
    other = app.extensions["pca_db"].sessionmaker()
    try:
        stale = runtime.load(other, case.id)  # read before the first writer commits
        world.do(case, "assign_auditor", {"auditor_id": world.auditor.id})
        task = stale.workflow.get_task_from_id(UUID(task_id))
        task.data["auditor_id"] = world.auditor2.id
        task.run()
        with pytest.raises(Conflict, match="at the same time"):
            runtime._save(other, stale, world.clock)
        other.rollback()
    finally:
        other.close()
    world.session.expire_all()
    instance = world.session.scalar(select(WorkflowInstance))
    assert instance.version == 2
    assert case.auditor_id == world.auditor.id


def test_two_sessions_completing_the_same_task(app: Flask, world: World) -> None:
    case = world.open_case()
    task_id = world.task(case).task_id
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def complete(auditor_id: int) -> None:
        with app.extensions["pca_db"].sessionmaker() as session:
            user = session.get(User, world.supervisor.id)
            barrier.wait()
            try:
                cases.complete_task(session, task_id, user, {"auditor_id": auditor_id},
                                    clock=world.clock)
                session.commit()
                outcomes.append("done")
            except Conflict:
                session.rollback()
                outcomes.append("conflict")

    threads = [threading.Thread(target=complete, args=(uid,))
               for uid in (world.auditor.id, world.auditor2.id)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "done"]
    world.session.expire_all()
    completed = world.session.scalars(select(CaseEvent).where(
        CaseEvent.kind == "task_completed")).all()
    assert len(completed) == 1
    assert world.session.scalar(select(WorkflowInstance)).version == 2


def test_completing_a_task_already_done_is_a_conflict(world: World) -> None:
    case = world.open_case()
    task_id = world.task(case).task_id
    world.do(case, "assign_auditor", {"auditor_id": world.auditor.id})
    with pytest.raises(Conflict, match="no longer open"):
        cases.complete_task(world.session, task_id, world.supervisor,
                            {"auditor_id": world.auditor.id}, clock=world.clock)
