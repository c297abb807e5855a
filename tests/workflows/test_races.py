"""Many clients claiming, reassigning and completing the same tasks at once, over the JSON API,
each thread with its own client and database session: no update is lost, no step runs twice.

Every attempt either succeeds (and leaves exactly one timeline event) or is refused with 403
(not the caller's task by then) or 409 (someone else got there first); never a server error.
On SQLite writers take turns; on PostgreSQL they really run at once (CI runs both).
"""
from __future__ import annotations

import random
import threading
from collections import Counter
from decimal import Decimal
from typing import Any

from flask import Flask
from sqlalchemy import select, update

from audit_app.auth.service import issue_api_token
from audit_app.models import AuditCase, CaseEvent, OpenTask, Role, User, WorkflowInstance
from audit_app.services import ledger
from audit_app.services.findings import CorrectFacts, record_finding
from tests.casedata import World, drive_to, tariff, world  # noqa: F401

D = Decimal
CASES = 3
THREADS = 8
ROUNDS = 6  # each thread tries each task this many times (or until it is gone)


def _case_at_review(w: World) -> AuditCase:
    case = w.open_case([{"hs_code": "84713010", "declared_value_pkr": D(1_000_000)}])
    drive_to(w, case, "examine_records")
    record_finding(w.session, case.items[0].id, w.auditor, CorrectFacts(value_pkr=D(1_500_000)),
                   evidence="Supplier invoice", clock=w.clock)
    w.session.commit()
    w.do(case, "examine_records")
    return case


def _token(w: World, user: User) -> str:
    _, plain = issue_api_token(w.session, f"{user.username} race", ["tasks:read", "tasks:write"],
                               user=user)
    w.session.commit()
    return plain


def test_concurrent_claims_reassignments_and_completions_lose_nothing(
        app: Flask, world: World, make_user) -> None:  # type: ignore[no-untyped-def]
    app.extensions["pca_clock"] = world.clock
    tariff(world.session, "84713010")
    world.session.commit()
    for name in ("sup2", "sup3"):
        make_user(Role.SUPERVISOR, username=name)
    sups = list(world.session.scalars(select(User).where(User.username.in_(
        ["sup", "sup2", "sup3"])).order_by(User.id)))
    case_list = [_case_at_review(world) for _ in range(CASES)]
    tasks = {c.id: world.task(c, "review_findings").task_id for c in case_list}
    # The review tasks wait in the pool: any supervisor of the directorate may claim them.
    world.session.execute(update(OpenTask).where(OpenTask.task_id.in_(tasks.values()))
                          .values(assignee_id=None))
    world.session.commit()
    versions_before = {c.id: world.session.scalar(select(WorkflowInstance.version).where(
        WorkflowInstance.case_id == c.id, WorkflowInstance.status == "running"))
        for c in case_list}
    detected_before = {c.id: ledger.balances(world.session, c.id) for c in case_list}
    tokens = {u.id: _token(world, u) for u in sups}

    barrier = threading.Barrier(THREADS)
    results: list[tuple[str, str, int, int, dict[str, Any] | None]] = []
    lock = threading.Lock()

    def client_thread(seed: int) -> None:
        rnd = random.Random(seed)
        me = sups[seed % len(sups)]
        client = app.test_client()
        headers = {"Authorization": f"Bearer {tokens[me.id]}"}
        plan = [tid for tid in tasks.values() for _ in range(ROUNDS)]
        rnd.shuffle(plan)
        barrier.wait()
        for task_id in plan:
            op = rnd.choice(("claim", "claim", "reassign", "complete"))
            body: dict[str, Any] = {}
            if op == "reassign":
                body = {"assignee_id": rnd.choice(sups).id}
            elif op == "complete":
                body = {"decision": "approve"}
            response = client.post(f"/api/v1/tasks/{task_id}/{op}", json=body, headers=headers)
            with lock:
                results.append((task_id, op, me.id, response.status_code, response.get_json()))

    threads = [threading.Thread(target=client_thread, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    statuses = Counter(status for *_, status, _ in results)
    assert set(statuses) <= {200, 403, 409}, [r for r in results if r[3] not in (200, 403, 409)]
    for *_, status, body in results:
        if status != 200:
            assert body["error"]["code"] in ("forbidden", "conflict"), body
    assert len(results) == THREADS * CASES * ROUNDS

    # A completion succeeds only for the assignee of the moment, so by chance a task may come out
    # of the storm with nobody having completed it: its assignee then completes it (claiming it
    # first if it sits in the pool), and every task is checked through to its completion.
    world.session.expire_all()
    finisher = app.test_client()
    for task_id in tasks.values():
        if any(r[0] == task_id and r[1] == "complete" and r[3] == 200 for r in results):
            continue
        row = world.session.scalar(select(OpenTask).where(OpenTask.task_id == task_id))
        assert row is not None, "an uncompleted task left the open-task table"
        who = row.assignee_id or sups[0].id
        headers = {"Authorization": f"Bearer {tokens[who]}"}
        if row.assignee_id is None:
            r = finisher.post(f"/api/v1/tasks/{task_id}/claim", json={}, headers=headers)
            assert r.status_code == 200, r.get_json()
            results.append((task_id, "claim", who, 200, r.get_json()))
        r = finisher.post(f"/api/v1/tasks/{task_id}/complete", json={"decision": "approve"},
                          headers=headers)
        assert r.status_code == 200, r.get_json()
        results.append((task_id, "complete", who, 200, r.get_json()))

    world.session.expire_all()
    for case in case_list:
        task_id = tasks[case.id]
        mine = [r for r in results if r[0] == task_id]
        ok = Counter(op for _, op, _, status, _ in mine if status == 200)
        events = list(world.session.scalars(select(CaseEvent).where(
            CaseEvent.case_id == case.id, CaseEvent.kind.in_(
                ["task_claimed", "task_reassigned", "task_completed"]),
            CaseEvent.at >= world.clock.now()).order_by(CaseEvent.id)))
        review_events = [e for e in events
                         if e.element_id == "review_findings" or e.kind != "task_completed"]
        by_kind = Counter(e.kind for e in review_events)
        # Every success left exactly one event, and nothing else did.
        assert ok["complete"] == 1 and by_kind["task_completed"] == 1, (ok, by_kind)
        assert by_kind["task_claimed"] == ok["claim"]
        assert by_kind["task_reassigned"] == ok["reassign"]
        # Replaying the events in commit order reproduces every change: a claim only ever took
        # an unassigned task (or one already the claimer's), a reassignment started from the
        # assignee the previous event left, and the completion was by the assignee of the time.
        assignee: int | None = None
        chain = [(e.kind, e.actor_id, e.data.get("from_user_id"), e.data.get("to_user_id"))
                 for e in review_events]
        for e in review_events:
            if e.kind == "task_claimed":
                assert assignee in (None, e.actor_id), ("claim overwrote", assignee, e.actor_id, chain)
                assignee = e.actor_id
            elif e.kind == "task_reassigned":
                assert e.data["from_user_id"] == assignee, ("lost update", e.data, assignee, chain)
                assignee = e.data["to_user_id"]
            else:
                assert assignee in (None, e.actor_id), ("completed by someone else",
                                                        assignee, e.actor_id)
                break
        assert review_events[-1].kind == "task_completed"  # nothing happened to it after
        # The step ran once: the instance moved on by one version, the task is gone, the next
        # task (the observation) is open once, and the ledger holds the detected amount once.
        audit = world.session.scalar(select(WorkflowInstance).where(
            WorkflowInstance.case_id == case.id, WorkflowInstance.process_id == "pca_audit"))
        assert audit.version == versions_before[case.id] + 1
        open_now = [t.element_id for t in world.session.scalars(
            select(OpenTask).where(OpenTask.case_id == case.id))]
        assert open_now == ["issue_observation"]
        finding = case.items[0].finding
        short = {levy: getattr(finding, f"short_{levy}_pkr") or D(0)
                 for levy in ledger.DUTY_LEVIES}
        after = ledger.balances(world.session, case.id)
        assert after["detected"] == {**detected_before[case.id]["detected"], **short}, (
            "the approval posted to the ledger other than once")
        assert sum(short.values()) > 0
