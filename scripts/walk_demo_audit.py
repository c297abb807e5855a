"""Issue 4's walkthrough, clicked in a real browser against a running demo instance (`make run`):
the demo supervisor approves a proposed audit and assigns it, the auditor plans it, issues the
notice of audit, records a finding (the short levy is computed, nobody types it), the supervisor
approves the review and the auditor issues the audit observation; the task highlighted on the
bpmn-js diagram moves with each step.

    .venv/bin/python scripts/walk_demo_audit.py [--base http://127.0.0.1:5000]

Demo logins only; prints each step and exits non-zero at the first that does not do what the
README says. It uses up one of the seeded proposals.
"""
from __future__ import annotations

import argparse
import re
from typing import Any

from playwright.sync_api import expect, sync_playwright

from demo_browser import CHROMIUM, log_in, step

AUDITORS = {"Ayesha Siddiqui": "auditor", "Bilal Ahmed": "auditor2"}


def active(page: Any) -> str:
    diagram = page.locator("section.bpmn-diagram[data-process=pca_audit]")
    expect(diagram).to_have_attribute("data-state", "ready")
    highlighted = page.locator(".djs-element.pca-active").evaluate_all(
        "els => els.map(e => e.getAttribute('data-element-id'))")
    shown = diagram.get_attribute("data-active")
    assert highlighted == [shown], f"diagram highlights {highlighted}, case is at {shown}"
    return shown


def my_task(page: Any, number: str, name: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Work queue").click()
    row = page.get_by_test_id("my-tasks").get_by_test_id("task-row").filter(
        has_text=number).filter(has_text=name)
    expect(row).to_have_count(1)
    row.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def case_page(page: Any, base: str, case_id: str) -> None:
    page.goto(f"{base}/cases/{case_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Audit case")


def walk(base: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page()
        page.set_default_timeout(30_000)

        log_in(page, base, "supervisor")
        page.get_by_role("navigation").get_by_role("link", name="Risk").click()
        page.get_by_role("link", name="Selection").click()
        proposal = page.locator("[id^=proposal-]").filter(
            has=page.get_by_role("button", name="Approve")).first
        expect(proposal).to_be_visible()
        proposal.get_by_role("button", name="Approve").click()
        expect(page.locator(".flash.info")).to_contain_text("approved: case PCA-")
        number = re.search(r"PCA-[A-Z]+/\d{4}/\d+",
                           page.locator(".flash.info").inner_text()).group(0)
        expect(page.get_by_role("heading", level=1)).to_have_text("Assign auditor")
        chosen = page.get_by_label("Auditor").locator("option:checked").inner_text()
        assert "(suggested)" in chosen, chosen
        username = next(u for name, u in AUDITORS.items() if name in chosen)
        page.get_by_role("button", name="Assign").click()
        expect(page.locator(".flash.info")).to_contain_text("'Assign auditor' completed.")
        found = re.search(r"/cases/(\d+)", page.url)
        if found is None:
            href = page.locator("main").get_by_role("link", name=number).first.get_attribute(
                "href")
            found = re.search(r"/cases/(\d+)", href or "")
        assert found, f"no link to case {number} on {page.url}"
        case_id = found.group(1)
        case_page(page, base, case_id)
        assert active(page) == "prepare_plan"
        step(f"supervisor: approved the proposal, case {number}, assigned the suggested auditor "
             f"({username}); the diagram highlights prepare_plan")

        log_in(page, base, username)
        my_task(page, number, "Prepare audit plan")
        page.get_by_label("Desk audit").check()
        page.get_by_label("Scope").fill("Valuation of the selected declarations")
        page.get_by_role("button", name="Save the plan").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Issue notice of audit")
        step(f"{username}: audit plan saved")
        page.get_by_role("button", name="Issue the notice").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Examine records and record findings")
        step(f"{username}: notice of audit issued")
        item = page.get_by_test_id("examine-item").first
        if item.locator("details:not([open])").count():
            item.get_by_text("Record a finding").click()  # one form per item, folded
        declared = item.get_by_label("Correct assessed value (Rs)").input_value()
        value = int(float(declared.replace(",", "") or 0)) or 1_000_000
        item.get_by_label("Correct assessed value (Rs)").fill(str(value * 3 // 2))
        item.get_by_label("Evidence").fill("Supplier's export invoice")
        item.get_by_role("button", name="Record the finding and compute the short levy").click()
        expect(page.locator(".flash.info")).to_contain_text("short levy Rs ")
        total = page.get_by_test_id("examination-total").inner_text()
        assert re.fullmatch(r"Rs [\d,]+", total) and total != "Rs 0", total
        step(f"{username}: finding recorded, assessed value {value:,} -> {value * 3 // 2:,}; "
             f"short levy computed: {total}")
        page.get_by_role("button", name="Examination complete: send for review").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Audit case")
        assert active(page) == "review_findings"
        step("the diagram moved to review_findings")

        log_in(page, base, "supervisor")
        my_task(page, number, "Review findings")
        expect(page.get_by_test_id("task-form")).to_contain_text(total)
        page.get_by_label("Approve the findings").check()
        page.get_by_role("button", name="Record the review").click()
        expect(page.locator(".flash.info")).to_contain_text("'Review findings' completed.")
        assert active(page) == "issue_observation"
        step("supervisor: findings approved; the diagram moved to issue_observation")

        log_in(page, base, username)
        my_task(page, number, "Issue audit observation")
        expect(page.get_by_test_id("task-form")).to_contain_text(f"short levy of {total}")
        page.get_by_role("button", name="Issue the observation").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Record trader's reply or payment")
        case_page(page, base, case_id)
        assert active(page) == "record_reply"
        expect(page.get_by_test_id("amounts")).to_contain_text(total)
        step(f"{username}: audit observation issued; the diagram moved to record_reply")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:5000")
    walk(parser.parse_args().base.rstrip("/"))
    print("walkthrough completed")


if __name__ == "__main__":
    main()
