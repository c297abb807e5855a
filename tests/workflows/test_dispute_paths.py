"""Every path of dispute.bpmn, driven through the disputes service as the appellate / ADR
officer would, with a simulated clock; the demand after each outcome is read from the ledger."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from audit_app.errors import Conflict, PermissionDenied, ValidationFailed
from audit_app.models import CaseEvent, Dispute
from audit_app.services import dispute_decisions, disputes, ledger
from tests.disputedata import (DEMAND, DEMAND_TOTAL, ORDER_DATE, DisputeWorld, dworld,  # noqa: F401
                               plus, world)

ZERO = Decimal(0)
REDUCED = {"after_cd": "120000", "after_st": "150000", "after_it": "50000",
           "after_penalty": "0", "after_fine": "10000"}  # 330,000: cd and penalty cut


# A decision day for a matter `_at_forum` left pending (within the Collector's limit).
DECIDE_ON = {"collector_appeals": plus(100), "tribunal": plus(260), "high_court": plus(300)}


def _at_forum(d: DisputeWorld, forum: str):  # type: ignore[no-untyped-def]
    """A case with an appeal pending before `forum`, each earlier forum having upheld."""
    case = d.ordered_case()
    appeal = d.file(case, "collector_appeals", plus(10))
    if forum == "collector_appeals":
        return case, appeal
    d.decide(appeal, "upheld", plus(40))
    appeal = d.file(case, "tribunal", plus(50))
    if forum == "tribunal":
        return case, appeal
    d.decide(appeal, "upheld", plus(200))
    return case, d.file(case, "high_court", plus(210))


def test_an_appeal_to_the_collector_starts_the_process(dworld: DisputeWorld) -> None:
    case = dworld.ordered_case()
    appeal = dworld.file(case, "collector_appeals", plus(30))
    assert dworld.open_elements(case) == ["decide_collector_appeal"]
    task = dworld.task(case, "decide_collector_appeal")
    assert task.assignee_id == dworld.officer.id and task.directorate_code is None
    assert appeal.decision_due_on == task.due_on == plus(150)  # 120 days from the filing
    assert appeal.demand_before_pkr == DEMAND_TOTAL == appeal.amount_disputed_pkr
    assert appeal.order_appealed == "OIO/PCA-S/2026/000001"
    assert appeal.window_ends_on == plus(30) and appeal.condonation is None
    assert dworld.w.events(case, "dispute_filed")[0].actor_id == dworld.officer.id


@pytest.mark.parametrize("forum", ["collector_appeals", "tribunal", "high_court"])
def test_upheld_leaves_the_demand(dworld: DisputeWorld, forum: str) -> None:
    case, appeal = _at_forum(dworld, forum)
    dworld.decide(appeal, "upheld", DECIDE_ON[forum])
    assert appeal.outcome == "upheld" and appeal.demand_after_pkr == DEMAND_TOTAL
    assert dworld.demand_total(case) == DEMAND_TOTAL
    if forum == "high_court":  # no forum is left: the demand is final
        assert case.status == "appeal_concluded" and dworld.open_elements(case) == []
    else:
        assert dworld.open_elements(case) == ["record_further_appeal"]


@pytest.mark.parametrize("forum", ["collector_appeals", "tribunal", "high_court"])
def test_reduced_lowers_the_demand_per_levy_with_ledger_entries(dworld: DisputeWorld,
                                                                 forum: str) -> None:
    case, appeal = _at_forum(dworld, forum)
    dworld.decide(appeal, "reduced", DECIDE_ON[forum], **REDUCED)
    after = dworld.demand(case)
    assert after["cd"] == Decimal(120_000) and after["penalty"] == ZERO
    assert after["st"] == DEMAND["st"] and after["fine"] == DEMAND["fine"]
    assert dworld.demand_total(case) == Decimal(330_000) == appeal.demand_after_pkr
    balances = ledger.balances(dworld.session, case.id)
    assert balances.total("remitted") == Decimal(120_000)
    assert balances.total("adjudged") == DEMAND_TOTAL  # the order itself is history
    # Never an edit: the order's entries are all still there, the cut is new entries.
    kinds = [e.kind for e in ledger.entries(dworld.session, case.id)]
    assert kinds.count("order_in_original") == 10 and f"{forum}_reduced" in kinds


@pytest.mark.parametrize("forum", ["collector_appeals", "tribunal", "high_court"])
def test_set_aside_removes_the_demand_and_ends(dworld: DisputeWorld, forum: str) -> None:
    case, appeal = _at_forum(dworld, forum)
    dworld.decide(appeal, "set_aside", DECIDE_ON[forum])
    assert dworld.demand_total(case) == ZERO and appeal.demand_after_pkr == ZERO
    assert ledger.balances(dworld.session, case.id).total("remitted") == DEMAND_TOTAL
    assert case.status == "set_aside_on_appeal"
    assert dworld.dispute_instance(case).status == "completed"
    assert disputes.opening(dworld.session, case) is None


def test_a_reduction_must_reduce(dworld: DisputeWorld) -> None:
    case, appeal = _at_forum(dworld, "collector_appeals")
    with pytest.raises(ValidationFailed) as err:
        dworld.decide(appeal, "reduced", plus(40), after_cd="250000")
    assert err.value.details == {"after_cd": "more than the demand (Rs 200,000)"}
    dworld.session.rollback()
    with pytest.raises(ValidationFailed) as err:
        dworld.decide(appeal, "reduced", plus(40))
    assert "outcome" in err.value.details
    dworld.session.rollback()
    assert dworld.demand_total(case) == DEMAND_TOTAL and appeal.pending


def test_reduced_then_further_reduced_up_the_chain(dworld: DisputeWorld) -> None:
    case = dworld.ordered_case()
    first = dworld.decide(dworld.file(case, "collector_appeals", plus(5)), "reduced", plus(60),
                          **REDUCED)
    assert dworld.task(case, "record_further_appeal").due_on == plus(120)  # 60 days from it
    second = dworld.file(case, "tribunal", plus(100))
    assert second.order_appealed == first.order_number
    assert second.demand_before_pkr == Decimal(330_000)
    dworld.decide(second, "reduced", plus(300), after_cd="20000")
    assert dworld.demand_total(case) == Decimal(230_000)
    assert [d.demand_after_pkr for d in disputes.for_case(dworld.session, case)] == [
        Decimal(330_000), Decimal(230_000)]


# --- ADR --------------------------------------------------------------------------------

def test_adr_accepted_settles_at_the_amount_agreed(dworld: DisputeWorld) -> None:
    case = dworld.ordered_case()
    adr = dworld.file(case, "adr", plus(20), amount_agreed="360000")
    assert dworld.open_elements(case) == ["decide_adr"]
    assert adr.decision_due_on == plus(140)  # the committee's 120 days
    dworld.decide(adr, "accepted", plus(90))
    # Duty and taxes first (400,000 > 360,000): cd and st in full, it in part; penalty and
    # fine remitted.
    after = dworld.demand(case)
    assert after["cd"] == DEMAND["cd"] and after["st"] == DEMAND["st"]
    assert after["it"] == Decimal(10_000) and after["penalty"] == after["fine"] == ZERO
    assert dworld.demand_total(case) == Decimal(360_000) == adr.demand_after_pkr
    assert case.status == "adr_settled" and dworld.open_elements(case) == []


def test_adr_rejected_opens_the_appeal_window_from_the_decision(dworld: DisputeWorld) -> None:
    case = dworld.ordered_case()
    adr = dworld.file(case, "adr", plus(20), amount_agreed="100000")
    dworld.decide(adr, "rejected", plus(70))
    assert dworld.demand_total(case) == DEMAND_TOTAL
    assert dworld.task(case, "record_further_appeal").due_on == plus(100)  # 30 days
    opening = disputes.opening(dworld.session, case)
    assert opening.forums == ("collector_appeals",)  # ADR once per chain
    appeal = dworld.file(case, "collector_appeals", plus(100))
    assert appeal.order_appealed == "OIO/PCA-S/2026/000001"
    assert dworld.open_elements(case) == ["decide_collector_appeal"]


def test_adr_amount_agreed_is_required_and_at_most_the_demand(dworld: DisputeWorld) -> None:
    case = dworld.ordered_case()
    with pytest.raises(ValidationFailed) as err:
        dworld.file(case, "adr", plus(5))
    assert err.value.details == {"amount_agreed": "required"}
    dworld.session.rollback()
    with pytest.raises(ValidationFailed) as err:
        dworld.file(case, "adr", plus(5), amount_agreed="450001")
    assert err.value.details == {"amount_agreed": "more than the demand (Rs 450,000)"}


def test_adr_lapses_when_the_committee_does_not_decide_in_time(dworld: DisputeWorld) -> None:
    case = dworld.ordered_case()
    adr = dworld.file(case, "adr", plus(20), amount_agreed="100000")
    assert dworld.run_worker_after(plus(139)) == 0
    assert dworld.run_worker_after(plus(140)) == 1  # end of the 120th day
    assert dworld.open_elements(case) == ["record_further_appeal"]
    # The appeal window (30 days) counts from the end of the committee's limit.
    assert dworld.task(case, "record_further_appeal").due_on == plus(170)
    appeal = dworld.file(case, "collector_appeals", plus(165))
    dworld.session.refresh(adr)
    assert adr.outcome == "lapsed" and adr.demand_after_pkr == DEMAND_TOTAL
    assert appeal.pending


# --- filing windows ---------------------------------------------------------------------

@pytest.mark.parametrize(("days", "ok"), [(30, True), (31, False)])
def test_collector_appeal_window_edges(dworld: DisputeWorld, days: int, ok: bool) -> None:
    case = dworld.ordered_case()
    if ok:
        assert dworld.file(case, "collector_appeals", plus(days)).pending
        return
    with pytest.raises(ValidationFailed) as err:
        dworld.file(case, "collector_appeals", plus(days))
    assert "out of time: the window closed on 01 Apr 2026" in err.value.details["filed_on"]
    dworld.session.rollback()
    assert dworld.session.scalars(select(Dispute)).all() == []


def test_a_late_filing_stands_on_condonation(dworld: DisputeWorld) -> None:
    case = dworld.ordered_case()
    appeal = dworld.file(case, "collector_appeals", plus(45),
                         condonation="Delay of 15 days condoned: the order was served late.")
    assert appeal.condonation.startswith("Delay of 15 days") and appeal.window_ends_on == plus(30)
    assert "delay condoned" in dworld.w.events(case, "dispute_filed")[0].summary


@pytest.mark.parametrize(("forum", "days", "ok"), [("tribunal", 60, True),
                                                    ("tribunal", 61, False),
                                                    ("high_court", 30, True),
                                                    ("high_court", 31, False)])
def test_further_appeal_window_edges(dworld: DisputeWorld, forum: str, days: int,
                                     ok: bool) -> None:
    case = dworld.ordered_case()
    appeal = dworld.decide(dworld.file(case, "collector_appeals", plus(1)), "upheld", plus(20))
    decided = plus(20)
    if forum == "high_court":
        appeal = dworld.decide(dworld.file(case, "tribunal", plus(21)), "upheld", plus(100))
        decided = plus(100)
    if ok:
        assert dworld.file(case, forum, plus(days, decided)).order_appealed == appeal.order_number
        return
    with pytest.raises(ValidationFailed) as err:
        dworld.file(case, forum, plus(days, decided))
    assert err.value.details["filed_on"].startswith("out of time")


def test_filing_before_the_order_or_in_the_future_is_refused(dworld: DisputeWorld) -> None:
    case = dworld.ordered_case()
    with pytest.raises(ValidationFailed) as err:
        dworld.file(case, "collector_appeals", plus(-1))
    assert err.value.details["filed_on"].startswith("before the order")
    dworld.session.rollback()
    with pytest.raises(ValidationFailed) as err:
        disputes.file(dworld.session, case, {"forum": "collector_appeals",
                                             "filed_on": plus(3).isoformat(), "grounds": "x"},
                      actor=dworld.officer, clock=dworld.clock)  # clock: the order's day
    assert err.value.details == {"filed_on": "in the future"}


def test_the_window_expiring_unused_makes_the_demand_final(dworld: DisputeWorld) -> None:
    case, appeal = _at_forum(dworld, "collector_appeals")
    dworld.decide(appeal, "upheld", plus(40))
    assert dworld.run_worker_after(plus(99)) == 0
    assert dworld.run_worker_after(plus(100)) == 1
    assert dworld.open_elements(case) == []
    assert case.status == "appeal_concluded" and dworld.demand_total(case) == DEMAND_TOTAL
    # A filing with the delay condoned starts the chain again at the Tribunal.
    late = dworld.file(case, "tribunal", plus(110), condonation="Condoned by the Tribunal.")
    assert late.order_appealed == appeal.order_number
    assert dworld.open_elements(case) == ["decide_tribunal_appeal"]
    assert dworld.dispute_instance(case).id != appeal.instance_id


def test_the_trader_accepting_the_order_concludes(dworld: DisputeWorld) -> None:
    case, appeal = _at_forum(dworld, "collector_appeals")
    dworld.decide(appeal, "reduced", plus(40), **REDUCED)
    disputes.accept(dworld.session, case, actor=dworld.officer, clock=dworld.clock)
    dworld.session.commit()
    assert case.status == "appeal_concluded" and dworld.demand_total(case) == Decimal(330_000)
    assert dworld.w.events(case, "dispute_accepted")


# --- the Collector (Appeals) decision limit ----------------------------------------------

@pytest.mark.parametrize(("day", "ok"), [(120, True), (121, False)])
def test_decision_limit_without_extension(dworld: DisputeWorld, day: int, ok: bool) -> None:
    case = dworld.ordered_case()
    appeal = dworld.file(case, "collector_appeals", ORDER_DATE)
    if ok:
        assert dworld.decide(appeal, "set_aside", plus(day)).outcome == "set_aside"
        return
    with pytest.raises(ValidationFailed) as err:
        dworld.decide(appeal, "set_aside", plus(day))
    assert err.value.details["decided_on"].startswith("after the decision limit of 30 Jun 2026")


def test_the_limit_passing_undecided_lapses_the_appeal(dworld: DisputeWorld) -> None:
    case = dworld.ordered_case()
    appeal = dworld.file(case, "collector_appeals", ORDER_DATE)
    assert dworld.run_worker_after(plus(119)) == 0
    assert dworld.run_worker_after(plus(120)) == 1
    assert dworld.open_elements(case) == ["record_further_appeal"]
    assert dworld.task(case, "record_further_appeal").due_on == plus(180)  # Tribunal: 60 days
    with pytest.raises(Conflict):
        dworld.decide(appeal, "set_aside", plus(120))
    dworld.session.rollback()
    tribunal = dworld.file(case, "tribunal", plus(150))
    dworld.session.refresh(appeal)
    assert appeal.outcome == "lapsed" and dworld.demand_total(case) == DEMAND_TOTAL
    assert tribunal.order_appealed == "OIO/PCA-S/2026/000001"


def test_decision_limit_with_extension(dworld: DisputeWorld) -> None:
    case = dworld.ordered_case()
    appeal = dworld.file(case, "collector_appeals", ORDER_DATE)
    dworld.clock.set(dworld.clock.now() + dt.timedelta(days=120))  # day 120: still in time
    dispute_decisions.extend_limit(dworld.session, appeal, {"days": "60", "reasons": "Record is voluminous"},
                          actor=dworld.officer, clock=dworld.clock)
    dworld.session.commit()
    assert appeal.decision_due_on == plus(180) and appeal.extension_days == 60
    assert dworld.task(case, "decide_collector_appeal").due_on == plus(180)
    assert dworld.run_worker_after(plus(120)) == 0  # the old limit no longer fires
    with pytest.raises(ValidationFailed):
        dworld.decide(appeal, "upheld", plus(181))
    dworld.session.rollback()
    dworld.decide(appeal, "upheld", plus(180))
    assert appeal.outcome == "upheld"


def test_extended_limit_lapses_at_its_new_end(dworld: DisputeWorld) -> None:
    case = dworld.ordered_case()
    appeal = dworld.file(case, "collector_appeals", ORDER_DATE)
    dispute_decisions.extend_limit(dworld.session, appeal, {"days": "30", "reasons": "Hearing adjourned"},
                          actor=dworld.officer, clock=dworld.clock)
    dworld.session.commit()
    assert dworld.run_worker_after(plus(149)) == 0
    assert dworld.run_worker_after(plus(150)) == 1
    # The Tribunal window counts from the end of the extended limit.
    assert dworld.task(case, "record_further_appeal").due_on == plus(210)


@pytest.mark.parametrize(("when", "form", "field"), [
    (121, {"days": "30", "reasons": "late"}, "days"),  # after the limit expired
    (100, {"days": "61", "reasons": "too long"}, "days"),
    (100, {"days": "30"}, "reasons"),
])
def test_extension_refused(dworld: DisputeWorld, when: int, form: dict[str, str],
                           field: str) -> None:
    case = dworld.ordered_case()
    appeal = dworld.file(case, "collector_appeals", ORDER_DATE)
    dworld.clock.set(dworld.clock.now() + dt.timedelta(days=when))
    with pytest.raises(ValidationFailed) as err:
        dispute_decisions.extend_limit(dworld.session, appeal, form, actor=dworld.officer,
                              clock=dworld.clock)
    assert set(err.value.details) == {field}


def test_extension_only_once_and_only_for_the_collector(dworld: DisputeWorld) -> None:
    case = dworld.ordered_case()
    appeal = dworld.file(case, "collector_appeals", ORDER_DATE)
    form = {"days": "10", "reasons": "Adjourned"}
    dispute_decisions.extend_limit(dworld.session, appeal, form, actor=dworld.officer, clock=dworld.clock)
    with pytest.raises(Conflict, match="only once"):
        dispute_decisions.extend_limit(dworld.session, appeal, form, actor=dworld.officer,
                              clock=dworld.clock)
    dworld.session.rollback()
    adr_case = dworld.ordered_case()
    adr = dworld.file(adr_case, "adr", ORDER_DATE, amount_agreed="1000")
    with pytest.raises(Conflict):
        dispute_decisions.extend_limit(dworld.session, adr, form, actor=dworld.officer, clock=dworld.clock)


# --- who may, and what is not open ---------------------------------------------------------

def test_only_an_appellate_officer_records(dworld: DisputeWorld) -> None:
    case = dworld.ordered_case()
    with pytest.raises(PermissionDenied):
        dworld.file(case, "collector_appeals", plus(3), user=dworld.w.supervisor)
    dworld.session.rollback()
    appeal = dworld.file(case, "collector_appeals", plus(3))
    with pytest.raises(PermissionDenied):
        dworld.decide(appeal, "upheld", plus(10), user=dworld.w.auditor)


def test_another_appellate_officer_cannot_take_an_assigned_matter(dworld: DisputeWorld) -> None:
    case = dworld.ordered_case()
    appeal = dworld.file(case, "collector_appeals", plus(3))
    with pytest.raises(PermissionDenied, match="assigned to someone else"):
        dworld.decide(appeal, "upheld", plus(10), user=dworld.other_officer)


def test_nothing_to_appeal_without_an_order_or_while_pending(dworld: DisputeWorld) -> None:
    bare = dworld.w.open_case()
    with pytest.raises(Conflict, match="no order"):
        dworld.file(bare, "collector_appeals", plus(1))
    dworld.session.rollback()
    case = dworld.ordered_case()
    dworld.file(case, "collector_appeals", plus(1))
    with pytest.raises(Conflict, match="pending"):
        dworld.file(case, "adr", plus(2), amount_agreed="100")
    with pytest.raises(ValidationFailed) as err:
        dworld.file(dworld.ordered_case(), "tribunal", plus(2))
    assert "forum" in err.value.details


def test_the_timeline_tells_the_story(dworld: DisputeWorld) -> None:
    case, appeal = _at_forum(dworld, "collector_appeals")
    dworld.decide(appeal, "reduced", plus(40), **REDUCED)
    events = dworld.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind.in_(("dispute_filed", "dispute_decided"))).order_by(CaseEvent.id))
    summaries = [e.summary for e in events]
    assert summaries[0].startswith("Collector (Appeals) (s.193): filed on 12 Mar 2026")
    assert summaries[1].endswith("demand Rs 450,000 -> Rs 330,000")


def test_the_disputes_services_know_nothing_of_http() -> None:
    from tests.workflows.test_layering import FORBIDDEN, ROOT, _imports
    for name in ("disputes.py", "dispute_money.py"):
        assert [n for n in _imports(ROOT / "audit_app/services" / name)
                if n.startswith(FORBIDDEN)] == []
