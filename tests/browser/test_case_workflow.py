"""The audit walkthrough in a real browser: the supervisor approves a proposed audit and assigns
it, the auditor plans, issues the notice, records a finding (the short levy is computed and
shown), the supervisor approves the review and the auditor issues the observation; the
highlighted task on the bpmn-js diagram moves with each step."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.browser.test_login_and_declarations import log_in
from tests.casedata import World, approved_proposal, tariff, world  # noqa: F401

pytestmark = pytest.mark.browser
LAPTOP = "84713010"


@pytest.fixture
def proposed(app: Flask, world: World) -> int:
    """A proposed audit of one laptop item declared at Rs 1,000,000, with its tariff."""
    app.extensions["pca_clock"] = world.clock
    tariff(world.session, LAPTOP)
    proposal = approved_proposal(world.session, world.supervisor,
                                 [{"hs_code": LAPTOP, "declared_value_pkr": Decimal(1_000_000)}])
    proposal.status, proposal.decided_by_id, proposal.decided_at = "proposed", None, None
    world.session.commit()
    return proposal.id


def _log_in_as(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, base, username)


def _active_on_diagram(page: Any) -> str:
    diagram = page.locator("section.bpmn-diagram[data-process=pca_audit]")
    expect(diagram).to_have_attribute("data-state", "ready")
    return diagram.get_attribute("data-active")


def _highlighted(page: Any) -> list[str]:
    """The ids of the shapes bpmn-js drew with the active-task marker."""
    return page.locator(".djs-element.pca-active").evaluate_all(
        "els => els.map(e => e.getAttribute('data-element-id'))")


def _open_case_page(page: Any) -> None:
    page.get_by_role("link", name=re.compile(r"^Case PCA-S")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Audit case PCA-S/")


def test_supervisor_and_auditor_work_a_case_to_the_observation(  # noqa: PLR0915
        page: Any, live_server: str, proposed: int) -> None:
    base = live_server
    _log_in_as(page, base, "sup")
    page.get_by_role("navigation").get_by_role("link", name="Risk").click()
    page.get_by_role("link", name="Selection").click()
    page.locator(f"#proposal-{proposed}").get_by_role("button", name="Approve").click()
    expect(page.locator(".flash.info")).to_contain_text("approved: case PCA-S/2026/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Assign auditor")
    # The suggested auditor is preselected; the supervisor overrides with the other one.
    auditor = page.get_by_label("Auditor")
    expect(auditor.locator("option:checked")).to_contain_text("(suggested)")
    aud = auditor.locator("option", has_text=re.compile(r"^Aud ·")).get_attribute("value")
    auditor.select_option(value=aud)
    page.get_by_role("button", name="Assign").click()
    expect(page.locator(".flash.info")).to_contain_text("'Assign auditor' completed.")
    expect(page.get_by_test_id("case-auditor")).to_have_text("Aud")
    assert _active_on_diagram(page) == "prepare_plan"
    assert _highlighted(page) == ["prepare_plan"]

    _log_in_as(page, base, "aud")
    page.get_by_role("navigation").get_by_role("link", name="Work queue").click()
    mine = page.get_by_test_id("my-tasks")
    expect(mine.get_by_test_id("task-row")).to_have_count(1)
    expect(mine).to_contain_text("15 Jan 2026")  # 05 Jan + 10 days for the plan
    mine.get_by_role("link", name="Prepare audit plan").click()
    page.get_by_label("Field audit").check()
    page.get_by_label("Scope").fill("")
    page.get_by_role("button", name="Save the plan").click()
    expect(page.locator("#planned_scope-error")).to_have_text("required")
    expect(page.get_by_label("Field audit")).to_be_checked()  # what was chosen stays
    page.get_by_label("Scope").fill("Valuation of laptop imports, 2025")
    page.get_by_role("button", name="Save the plan").click()

    # The notice is the auditor's next task: the page goes straight to it.
    expect(page.get_by_role("heading", level=1)).to_have_text("Issue notice of audit")
    page.get_by_label("Records to be produced by").fill("2026-01-20")
    page.get_by_role("button", name="Issue the notice").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Examine records and record findings")
    item = page.get_by_test_id("examine-item")
    item.get_by_label("Correct assessed value (Rs)").fill("1500000")
    item.get_by_label("Evidence").fill("Supplier's export invoice INV-118")
    item.get_by_role("button", name="Record the finding and compute the short levy").click()
    expect(page.locator(".flash.info")).to_contain_text("short levy Rs 278,696")
    expect(page.get_by_test_id("examination-total")).to_have_text("Rs 278,696")
    levies = page.locator("[data-testid^=short-levy-]")
    expect(levies).to_contain_text("Rs 109,800")  # ST
    expect(levies).to_contain_text("Rs 40,596")  # IT
    page.get_by_role("button", name="Examination complete: send for review").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Audit case")
    assert _active_on_diagram(page) == "review_findings"

    _log_in_as(page, base, "sup")
    page.get_by_role("navigation").get_by_role("link", name="Work queue").click()
    page.get_by_test_id("my-tasks").get_by_role("link", name="Review findings").click()
    expect(page.get_by_test_id("task-form")).to_contain_text("Rs 278,696")
    page.get_by_label("Approve the findings").check()
    page.get_by_role("button", name="Record the review").click()
    expect(page.locator(".flash.info")).to_contain_text("'Review findings' completed.")
    assert _active_on_diagram(page) == "issue_observation"
    assert _highlighted(page) == ["issue_observation"]

    _log_in_as(page, base, "aud")
    page.get_by_role("navigation").get_by_role("link", name="Work queue").click()
    page.get_by_test_id("my-tasks").get_by_role("link", name="Issue audit observation").click()
    expect(page.get_by_test_id("task-form")).to_contain_text("short levy of Rs 278,696")
    page.get_by_role("button", name="Issue the observation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record trader's reply or payment")
    expect(page.get_by_test_id("task-form")).to_contain_text("Reply due by 20 Jan 2026")
    _open_case_page(page)
    assert _active_on_diagram(page) == "record_reply"
    assert _highlighted(page) == ["record_reply"]
    timeline = page.get_by_test_id("timeline")
    for step in ("Assign auditor completed", "Prepare audit plan completed",
                 "Issue notice of audit completed", "short levy Rs 278,696",
                 "Review findings completed", "Issue audit observation completed"):
        expect(timeline).to_contain_text(step)
    expect(page.get_by_test_id("amounts")).to_contain_text("Rs 278,696")


# The policy the app is meant to send later: no inline script anywhere.
STRICT_CSP = ("default-src 'self'; script-src 'self'; img-src 'self' data:; font-src 'self'; "
              "object-src 'none'; base-uri 'none'")


def test_the_diagram_draws_under_a_policy_without_inline_script(
        page: Any, live_server: str, world: World, app: Flask) -> None:
    app.extensions["pca_clock"] = world.clock
    case = world.open_case()
    world.do(case, "assign_auditor", {"auditor_id": world.auditor.id})
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "script-src" in m.text else None)

    def with_policy(route: Any) -> None:
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers,
                                                  "content-security-policy": STRICT_CSP})
    page.route("**/*", with_policy)
    _log_in_as(page, live_server, "aud")
    page.goto(f"{live_server}/cases/{case.id}")
    assert _active_on_diagram(page) == "prepare_plan"
    assert _highlighted(page) == ["prepare_plan"]
    assert refused == []
