"""SLA due dates from the deadline rules, escalations and the reply-period timer, with a
simulated clock: each fires once, even with two workers racing."""
from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import func, select

from audit_app.models import CaseEvent, DeadlineRule, OpenTask, WorkflowTimer
from tests.casedata import World, drive_to, tariff, world  # noqa: F401
from workflows.clock import end_of_day_utc
from workflows.deadlines import DEFAULT_DEADLINES
from workflows.worker import run_once

SLA_TASKS = [("assign_auditor", "audit.assignment_days"), ("prepare_plan", "audit.plan_days"),
             ("issue_notice", "audit.notice_days"), ("examine_records", "audit.examination_days"),
             ("review_findings", "audit.review_days"),
             ("issue_observation", "audit.observation_days")]


def _sessions(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["pca_db"].sessionmaker


@pytest.mark.parametrize(("element", "key"), SLA_TASKS)
def test_each_step_escalates_once_when_its_sla_is_breached(app: Flask, world: World,
                                                           element: str, key: str) -> None:
    case = world.open_case()
    drive_to(world, case, element)
    task = world.task(case, element)
    today = world.clock.now().date()  # 09:00 in Karachi: the same calendar day
    assert task.due_on == today + dt.timedelta(days=DEFAULT_DEADLINES[key])
    assert task.due_at.replace(tzinfo=dt.timezone.utc) == end_of_day_utc(task.due_on)
    world.session.commit()

    world.clock.set(end_of_day_utc(task.due_on) - dt.timedelta(seconds=1))
    assert run_once(_sessions(app), world.clock) == 0
    world.clock.advance(seconds=1)
    assert run_once(_sessions(app), world.clock) == 1
    assert run_once(_sessions(app), world.clock) == 0
    world.clock.advance(days=30)
    assert run_once(_sessions(app), world.clock) == 0

    world.session.expire_all()
    task = world.task(case, element)
    assert task.escalated_at is not None and task.escalated_to_id == world.supervisor.id
    breaches = world.events(case, "sla_breached")
    assert len(breaches) == 1 and breaches[0].element_id == element
    from audit_app.services.cases import list_escalations
    escalated = list_escalations(world.session, world.supervisor, clock=world.clock)
    assert [r.task.element_id for r in escalated] == [element]


def test_a_completed_task_does_not_escalate(app: Flask, world: World) -> None:
    case = world.open_case()
    world.do(case, "assign_auditor", {"auditor_id": world.auditor.id})
    world.clock.advance(days=5)  # past the assignment SLA, within the plan's 10 days
    assert run_once(_sessions(app), world.clock) == 0
    assert world.events(case, "sla_breached") == []


def test_a_dated_rule_applies_from_its_date(world: World) -> None:
    world.session.add(DeadlineRule(key="audit.assignment_days", days=5,
                                   valid_from=dt.date(2026, 2, 1)))
    world.session.commit()
    before = world.task(world.open_case())
    world.clock.set(dt.datetime(2026, 2, 2, 4, tzinfo=dt.timezone.utc))
    after = world.task(world.open_case())
    assert before.due_on == dt.date(2026, 1, 8)
    assert after.due_on == dt.date(2026, 2, 7)


def test_reply_period_expiry_frames_a_contravention(app: Flask, world: World) -> None:
    tariff(world.session, "84713010")
    case = world.open_case([{"hs_code": "84713010", "declared_value_pkr": Decimal(1_000_000)}])
    drive_to(world, case, "examine_records")
    from audit_app.services.findings import CorrectFacts, record_finding
    record_finding(world.session, case.items[0].id, world.auditor,
                   CorrectFacts(value_pkr=Decimal(1_200_000)), evidence="Bank records",
                   clock=world.clock)
    world.session.commit()
    for element, form in (("examine_records", {}), ("review_findings", {"decision": "approve"}),
                          ("issue_observation", {"observation_date": "2026-02-02"})):
        world.do(case, element, form)
    task = world.task(case, "record_reply")
    assert task.due_on == dt.date(2026, 2, 17)  # observation date + 15 days, from the rule
    timer = world.session.scalar(select(WorkflowTimer).where(WorkflowTimer.task_id == task.task_id))
    assert (timer.kind, timer.element_id) == ("timer", "reply_period_expired")

    world.clock.set(end_of_day_utc(dt.date(2026, 2, 17)) - dt.timedelta(minutes=1))
    assert run_once(_sessions(app), world.clock) == 0
    world.clock.advance(minutes=1)
    assert run_once(_sessions(app), world.clock) == 1
    world.session.expire_all()
    assert case.status == "referred_to_adjudication"
    world.clock.advance(days=1)
    assert run_once(_sessions(app), world.clock) == 0
    assert len(world.events(case, "signal")) == 1


def test_two_workers_racing_fire_each_timer_once(app: Flask, world: World) -> None:
    opened = [world.open_case(1) for _ in range(6)]
    world.clock.advance(days=10)
    barrier = threading.Barrier(2)
    fired: list[int] = []
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            barrier.wait()
            fired.append(run_once(_sessions(app), world.clock, name=name))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(fired) == len(opened)
    world.session.expire_all()
    per_case = dict(world.session.execute(
        select(CaseEvent.case_id, func.count()).where(CaseEvent.kind == "sla_breached")
        .group_by(CaseEvent.case_id)).all())
    assert per_case == {c.id: 1 for c in opened}
    assert world.session.scalar(select(func.count()).select_from(OpenTask)
                                .where(OpenTask.escalated_at.is_(None))) == 0
