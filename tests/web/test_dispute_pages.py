"""The appellate / ADR officer's screens: docket, filing, decision, extension; the case-page
section and the task form partials; who may see and do what."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from flask import Flask, render_template
from flask.testing import FlaskClient
from flask_login import login_user
from sqlalchemy import select

from audit_app.models import Dispute, Role, User
from audit_app.services import disputes
from tests.conftest import login
from tests.disputedata import DEMAND_TOTAL, DisputeWorld, at, dworld, plus, world  # noqa: F401


@pytest.fixture
def officer(client: FlaskClient, dworld: DisputeWorld, app: Flask) -> FlaskClient:
    app.extensions["pca_clock"] = dworld.clock
    assert login(client, "appellate").status_code == 302
    return client


def _text(html: bytes) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))


def test_the_docket_lists_pending_matters_by_days_left(officer: FlaskClient,
                                                        dworld: DisputeWorld) -> None:
    later = dworld.ordered_case()
    dworld.file(later, "collector_appeals", plus(20))  # limit plus(140)
    sooner = dworld.ordered_case()
    dworld.file(sooner, "adr", plus(5), amount_agreed="300000")  # limit plus(125)
    upheld = dworld.ordered_case()
    dworld.decide(dworld.file(upheld, "collector_appeals", plus(21)), "upheld", plus(30))
    dworld.clock.set(at(plus(40)))
    page = officer.get("/disputes")
    assert page.status_code == 200
    text = _text(page.data)
    assert text.index(sooner.case_number) < text.index(later.case_number)
    assert "85 days" in text and "100 days" in text
    windows = text[text.index("Open filing windows"):]
    assert upheld.case_number in windows and "50 days" in windows  # Tribunal: to plus(90)


def test_recording_a_filing_and_a_decision(officer: FlaskClient, dworld: DisputeWorld) -> None:
    case = dworld.ordered_case()
    dworld.clock.set(at(plus(30)))
    form = officer.get(f"/cases/{case.id}/disputes/new")
    assert form.status_code == 200 and b"01 Apr 2026" in form.data  # file by
    dworld.clock.set(at(plus(31)))
    late = officer.post(f"/cases/{case.id}/disputes/new", data={
        "forum": "collector_appeals", "filed_on": plus(31).isoformat(), "grounds": "Value"})
    assert late.status_code == 422 and b"out of time" in late.data
    done = officer.post(f"/cases/{case.id}/disputes/new", data={
        "forum": "collector_appeals", "filed_on": plus(30).isoformat(), "grounds": "Value",
        "appeal_number": "CA-77/2026"})
    assert done.status_code == 302
    dispute = dworld.session.scalar(select(Dispute))
    assert done.headers["Location"].endswith(f"/disputes/{dispute.id}")
    show = officer.get(f"/disputes/{dispute.id}")
    assert b"CA-77/2026" in show.data and b"decision-form" in show.data
    bad = officer.post(f"/disputes/{dispute.id}/decision", data={
        "outcome": "reduced", "decided_on": plus(60).isoformat(), "reasons": "Partly",
        "order_number": "OIA-1", "after_cd": "999999"})
    assert bad.status_code == 422 and b"more than the demand (Rs 200,000)" in bad.data
    dworld.clock.set(at(plus(60)))
    ok = officer.post(f"/disputes/{dispute.id}/decision", data={
        "outcome": "reduced", "decided_on": plus(60).isoformat(), "reasons": "Partly",
        "order_number": "OIA-1", "after_cd": "100000", "after_penalty": "0"})
    assert ok.status_code == 302
    page = _text(officer.get(f"/disputes/{dispute.id}").data)
    assert "Reduced on 01 May 2026 (OIA-1)" in page and "Rs 310,000" in page
    assert dworld.demand_total(case) == Decimal(310_000)


def test_extension_form(officer: FlaskClient, dworld: DisputeWorld) -> None:
    case = dworld.ordered_case()
    dispute = dworld.file(case, "collector_appeals", plus(1))
    refused = officer.post(f"/disputes/{dispute.id}/extension", data={"days": "90"})
    assert refused.status_code == 422 and b"1 to 60 days" in refused.data
    ok = officer.post(f"/disputes/{dispute.id}/extension",
                      data={"days": "45", "reasons": "Adjourned at the appellant's request"})
    assert ok.status_code == 302
    page = _text(officer.get(f"/disputes/{dispute.id}").data)
    assert "extended by 45 days" in page and "extension-form" not in page


def test_accepting_the_order_from_the_filing_page(officer: FlaskClient,
                                                   dworld: DisputeWorld) -> None:
    case = dworld.ordered_case()
    dworld.decide(dworld.file(case, "collector_appeals", plus(1)), "upheld", plus(10))
    assert b"accepts the order" in officer.get(f"/cases/{case.id}/disputes/new").data
    assert officer.post(f"/cases/{case.id}/disputes/accept").status_code == 302
    assert case.status == "appeal_concluded" or dworld.session.get(
        type(case), case.id).status == "appeal_concluded"


@pytest.mark.parametrize(("role", "docket", "record"), [
    (Role.APPELLATE_OFFICER, 200, 200), (Role.MANAGEMENT, 200, 403),
    (Role.SUPERVISOR, 403, 403), (Role.AUDITOR, 403, 403), (Role.RECOVERY_OFFICER, 403, 403),
])
def test_who_sees_and_records(client: FlaskClient, dworld: DisputeWorld,  # type: ignore[no-untyped-def]
                              make_user,
                              role: Role, docket: int, record: int) -> None:
    case = dworld.ordered_case()
    dispute = dworld.file(case, "collector_appeals", plus(1))
    login(client, make_user(role, username=f"u_{role.value}"))
    assert client.get("/disputes").status_code == docket
    assert client.get(f"/cases/{case.id}/disputes/new").status_code == record
    # The matter is assigned to the officer who recorded the filing: nobody else decides it.
    assert client.post(f"/disputes/{dispute.id}/decision", data={}).status_code == 403
    viewer = role != Role.AUDITOR
    assert client.get(f"/disputes/{dispute.id}").status_code == (200 if viewer else 403)


def test_case_partial_and_task_forms_render(app: Flask, dworld: DisputeWorld) -> None:
    case = dworld.ordered_case()
    officer = dworld.officer
    with app.test_request_context():
        login_user(officer)
        section = render_template("cases/_disputes.html", case=case)
        assert "Record a filing" in section and "Collector (Appeals)" in section
        dworld.file(case, "collector_appeals", plus(2))
        task = dworld.task(case, "decide_collector_appeal")
        html = render_template("tasks/forms/decide_collector_appeal.html", case=case,
                               task=task, form={}, errors={"reasons": "required"},
                               can_work=True, action="/tasks/x")
        assert 'name="after_cd"' in html and 'value="200000.00"' in html
        assert 'id="reasons-error"' in html and "Record the decision" in html
        section = render_template("cases/_disputes.html", case=case)
        assert "dispute-history" in section and "Pending" in section
    dworld.decide(disputes.for_case(dworld.session, case)[0], "upheld", plus(20))
    with app.test_request_context():
        login_user(dworld.session.get(User, officer.id))
        task = dworld.task(case, "record_further_appeal")
        html = render_template("tasks/forms/record_further_appeal.html", case=case,
                               task=task, form={}, errors={}, can_work=True, action="/tasks/x")
        assert "Customs Appellate Tribunal" in html and 'value="accepted"' in html
    assert DEMAND_TOTAL == dworld.demand_total(case)


def test_a_stay_needs_a_running_recovery(officer: FlaskClient, dworld: DisputeWorld) -> None:
    case = dworld.ordered_case()  # demand posted directly: no recovery process runs
    dispute = dworld.file(case, "collector_appeals", plus(1))
    page = officer.post(f"/disputes/{dispute.id}/stay", data={
        "amount": "1000", "granted_on": plus(1).isoformat(), "order_ref": "STAY-9"})
    assert page.status_code == 422 and b"no demand is being recovered" in page.data
    missing = officer.post(f"/disputes/{dispute.id}/stay", data={"granted_on": "x"})
    assert missing.status_code == 422 and b"the forum&#39;s order number is required" in missing.data


def test_the_docket_says_which_rule_is_missing_instead_of_failing(officer: FlaskClient,
                                                                   dworld: DisputeWorld) -> None:
    """Without a filing-window rule in force the first-filing list cannot be worked out; the
    page still shows the pending matters and names the rule an administrator must configure."""
    from audit_app.models import DeadlineRule
    pending = dworld.ordered_case()
    dworld.file(pending, "adr", plus(5), amount_agreed="300000")
    dworld.session.execute(DeadlineRule.__table__.delete()
                           .where(DeadlineRule.key == disputes.FILING_KEY["collector_appeals"]))
    dworld.session.commit()
    dworld.clock.set(at(plus(6)))
    page = officer.get("/disputes")
    assert page.status_code == 200
    text = _text(page.data)
    assert pending.case_number in text
    assert "Orders open to appeal cannot be listed" in text
    assert disputes.FILING_KEY["collector_appeals"] in text
