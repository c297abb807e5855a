"""The recovery officer's screens: demands overdue first, recording payments (errors next to
their fields), stays, reversals, the task forms, the case page's demand history, and who may
see and do what."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient

from audit_app.models import Role
from audit_app.services import ledger, recovery
from tests.casedata import world  # noqa: F401
from tests.conftest import login
from tests.recoverydata import RecoveryWorld, rworld  # noqa: F401
from workflows.clock import end_of_day_utc

D = Decimal


@pytest.fixture
def officer(app: Flask, client: FlaskClient, rworld: RecoveryWorld) -> FlaskClient:
    app.extensions["pca_clock"] = rworld.clock
    assert login(client, "recov").status_code == 302
    return client


def _page(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def test_demands_are_listed_overdue_first_with_ledger_figures(officer: FlaskClient,
                                                              rworld: RecoveryWorld) -> None:
    later = rworld.order_stands({"cd": D(900_000)})
    rworld.notice(later, pay_by="2026-03-31")
    late = rworld.order_stands({"cd": D(40_000)})
    rworld.notice(late)
    rworld.pay(late, "cd", "15000", "CH-1")
    rworld.clock.set(end_of_day_utc(dt.date(2026, 2, 10)))
    page = _page(officer.get("/recovery/"))
    order = re.findall(r'data-case="([^"]+)"', page)
    assert order == [late.case_number, later.case_number]
    assert "7 days overdue" in page
    assert "Rs 25,000" in page and "Rs 940,000" in page  # outstanding, demanded in total
    assert 'href="/recovery/"' in page  # in the navigation


def test_payment_errors_are_shown_next_to_their_fields(officer: FlaskClient,
                                                       rworld: RecoveryWorld) -> None:
    case = rworld.order_stands()
    rworld.notice(case)
    response = officer.post(f"/recovery/{case.id}/payments", data={
        "challan_number": "", "levy": "cd", "amount": "100001", "payment_date": "2026-01-05"})
    assert response.status_code == 422
    page = _page(response)
    assert re.search(r'id="challan_number-error"[^>]*>required<', page)
    assert re.search(r'id="amount-error"[^>]*>more than the Rs 100,000 outstanding in customs duty<',
                     page)
    assert 'value="100001"' in page  # what was typed is kept
    assert recovery.position(rworld.session, case.id).paid == 0


def test_a_payment_is_recorded_and_can_be_reversed(officer: FlaskClient,
                                                   rworld: RecoveryWorld) -> None:
    case = rworld.order_stands()
    rworld.notice(case)
    response = officer.post(f"/recovery/{case.id}/payments", data={
        "challan_number": "CH-77", "levy": "st", "amount": "8,000", "payment_date": "2026-01-05"})
    assert response.status_code == 302
    page = _page(officer.get(f"/recovery/{case.id}"))
    assert "Payment of Rs 8,000 (sales tax, challan CH-77) recorded." in page
    assert "Rs 115,000" in page  # outstanding
    entry = ledger.entries(rworld.session, case.id, accounts=["paid"])[0]
    refused = officer.post(f"/recovery/entries/{entry.id}/reverse", data={"reason": ""})
    assert refused.status_code == 422 and "say why the entry is wrong" in _page(refused)
    done = officer.post(f"/recovery/entries/{entry.id}/reverse",
                        data={"reason": "Challan dishonoured by the bank"})
    assert done.status_code == 302
    rworld.session.expire_all()
    assert recovery.position(rworld.session, case.id).paid == 0
    assert 'data-testid="reverse-' not in _page(officer.get(f"/recovery/{case.id}"))


def test_stays_are_recorded_and_lifted_on_the_page(officer: FlaskClient,
                                                   rworld: RecoveryWorld) -> None:
    case = rworld.order_stands()
    rworld.notice(case)
    bad = officer.post(f"/recovery/{case.id}/stays", data={
        "forum": "tribunal", "order_ref": "", "granted_on": "2026-01-05", "amount": "200000"})
    assert bad.status_code == 422
    page = _page(bad)
    assert "the forum&#39;s order number is required" in page
    assert "more than the Rs 123,000 outstanding" in page
    ok = officer.post(f"/recovery/{case.id}/stays", data={
        "forum": "tribunal", "order_ref": "ATIR-STAY-5", "granted_on": "2026-01-05",
        "until": "2026-04-30", "amount": "100000"})
    assert ok.status_code == 302
    stay = recovery.stays(rworld.session, case.id)[0]
    assert recovery.position(rworld.session, case.id).stayed == D(100_000)
    assert officer.post(f"/recovery/stays/{stay.id}/lift",
                        data={"lifted_on": "2026-01-05", "reference": "ATIR-ORDER-5"}).status_code == 302
    rworld.session.expire_all()
    assert recovery.position(rworld.session, case.id).stayed == 0


def test_the_recovery_task_forms_render_and_complete(officer: FlaskClient,
                                                     rworld: RecoveryWorld) -> None:
    case = rworld.order_stands()
    task = rworld.task(case)
    page = _page(officer.get(f"/tasks/{task.task_id}"))
    assert "Issue the demand notice" in page and "Rs 123,000" in page
    response = officer.post(f"/tasks/{task.task_id}", data={"notice_date": "2026-01-05"})
    assert response.status_code == 302, _page(response)
    rworld.session.expire_all()
    task = rworld.task(case)
    assert task.element_id == "await_payment"
    refused = officer.post(f"/tasks/{task.task_id}", data={"decision": "enforce"})
    assert refused.status_code == 422 and "the trader has until 04 Feb 2026" in _page(refused)


@pytest.mark.parametrize("element", ["block_ntn", "attach_bank_accounts", "hold_consignments",
                                     "review_recovery", "watch_stay"])
def test_every_enforcement_form_renders(app: Flask, officer: FlaskClient, rworld: RecoveryWorld,
                                        element: str) -> None:
    case = rworld.order_stands({"cd": D(1_000)})
    rworld.notice(case)
    if element == "watch_stay":
        recovery.record_stay(rworld.session, case, forum="tribunal", reference="T", amount=D(1_000),
                             granted_on=dt.date(2026, 1, 5), actor=None, clock=rworld.clock)
        rworld.session.commit()
    rworld.clock.set(end_of_day_utc(dt.date(2026, 2, 4)))
    rworld.do(case, "await_payment", {"decision": "enforce"})
    ladder = ["block_ntn", "attach_bank_accounts", "hold_consignments"]
    while rworld.step(case) != element:
        outcome = ({"outcome": "not_taken", "remarks": "Stayed"} if element == "watch_stay"
                   else {"outcome": "done", "reference": "R"})
        rworld.do(case, ladder[ladder.index(rworld.step(case))], outcome)
    page = _page(officer.get(f"/tasks/{rworld.task(case).task_id}"))
    assert 'data-testid="recovery-position"' in page and 'name="remarks"' in page
    own = {"block_ntn": ("blocking order number", "Block the importer&#39;s NTN"),
           "attach_bank_accounts": ("attachment order number", "Attach bank accounts"),
           "hold_consignments": ("hold order number", "Hold the importer&#39;s consignments")}
    for text in own.get(element, ()):
        assert text in page, text  # the shared enforcement form, with this step's words


def test_case_page_shows_the_demand_history(officer: FlaskClient, rworld: RecoveryWorld) -> None:
    case = rworld.order_stands()
    rworld.notice(case)
    rworld.pay(case, "cd", "30000", "CH-9")
    page = _page(officer.get(f"/cases/{case.id}"))
    assert 'data-testid="demand-history"' in page
    assert 'data-account="demanded"' in page and 'data-account="paid"' in page
    assert "Demand raised (order stands)" in page and "CH-9" in page
    assert "Rs 93,000" in page  # outstanding after the payment


@pytest.mark.parametrize(("role", "directorate", "list_status", "page_status", "pay", "stay"), [
    (Role.RECOVERY_OFFICER, "ADJ-LHR", 200, 403, False, False),
    (Role.AUDITOR, "PCA-S", 403, 403, False, False),
    (Role.MANAGEMENT, None, 200, 200, False, False),
    (Role.APPELLATE_OFFICER, None, 200, 200, False, True),
    (Role.COMMITTEE_MEMBER, None, 403, 403, False, False),
])
def test_who_may_see_and_do_what(app: Flask, client: FlaskClient, rworld: RecoveryWorld,
                                 make_user, role: Role, directorate: str | None,  # type: ignore[no-untyped-def]
                                 list_status: int, page_status: int, pay: bool, stay: bool) -> None:
    app.extensions["pca_clock"] = rworld.clock
    case = rworld.order_stands()
    rworld.notice(case)
    login(client, make_user(role, username=f"u_{role.value}", directorate=directorate))
    assert client.get("/recovery/").status_code == list_status
    response = client.get(f"/recovery/{case.id}")
    assert response.status_code == page_status
    if page_status == 200:
        page = _page(response)
        assert ('data-testid="payment-form"' in page) is pay
        assert ('data-testid="stay-form"' in page) is stay
    expected = 302 if pay else 403
    assert client.post(f"/recovery/{case.id}/payments", data={
        "challan_number": "X", "levy": "cd", "amount": "1"}).status_code == expected
