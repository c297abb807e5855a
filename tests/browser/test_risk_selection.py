"""A supervisor's selection, in a real browser: propose audits within capacity, read why each
importer was chosen, and approve one."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from audit_app.models import Role
from tests.browser.test_login_and_declarations import log_in
from tests.factories import make_declaration, make_importer
from tests.risk.riskdata import make_formations, make_score_run
from tests.risk.riskdata import own_factory_serials  # noqa: F401  (autouse)
from workflows.deadlines import seed_defaults

pytestmark = pytest.mark.browser


@pytest.fixture
def scores(session) -> None:  # type: ignore[no-untyped-def]
    """Three Karachi importers scored; Lahore's one is another directorate's business."""
    make_formations(session)
    rows = []
    for n, (name, collectorate, levy) in enumerate([
            ("Crescent Solar (Pvt) Ltd", "KAPW", 2_400_000), ("Habib Steel Mills", "KAPE", 900_000),
            ("Gul Textiles", "KAPW", 150_000), ("Ravi Foods", "LAHD", 5_000_000)]):
        importer = make_importer(session, ntn=f"55500{n}0-1", name=name)
        gd = make_declaration(session, f"{collectorate}-HC-90{n}-01062025", importer=importer,
                              collectorate=collectorate, gd_date=dt.date(2025, 6, 1))
        rows.append((gd.items[0], 0.6, levy, [f"Unit value {60 + n}% below the median of 300 "
                                              "earlier imports of 85044090 from CN"],
                     ["UV-LOW-ORIGIN"]))
    make_score_run(session, rows)
    seed_defaults(session)  # deadline rules: an approved proposal opens a case at once
    session.commit()


def test_a_supervisor_selects_audits_and_approves_one(page: Any, live_server: str, make_user,  # type: ignore[no-untyped-def]
                                                      scores) -> None:
    make_user(Role.SUPERVISOR, username="farhan_qureshi", directorate="PCA-S")
    log_in(page, live_server, "farhan_qureshi")
    page.get_by_role("navigation").get_by_role("link", name="Risk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Risk scores")
    page.get_by_role("link", name="Selection").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit selection")
    expect(page.get_by_label("Directorate")).to_have_value("PCA-S")

    # A capacity the server refuses, then a sensible one.
    page.get_by_label("Capacity (audits)").fill("0")
    page.get_by_role("button", name="Propose audits").click()
    expect(page.get_by_role("alert")).to_contain_text("a whole number of audits from 1 to 1000")

    page.get_by_label("Capacity (audits)").fill("2")
    page.get_by_label("Random share (0 to 1)").fill("0")
    page.get_by_label("Seed (optional)").fill("7")
    page.get_by_role("button", name="Propose audits").click()
    expect(page.locator(".flash.info")).to_contain_text("2 audit proposals (seed 7)")
    rows = page.get_by_test_id("proposal")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Crescent Solar (Pvt) Ltd")
    expect(rows.nth(0)).to_contain_text(
        "Ranked 1 of 3 importers by expected recovery Rs 2,400,000 over 1 item; top reasons: "
        "Unit value 60% below the median of 300 earlier imports of 85044090 from CN")
    expect(rows.nth(1)).to_contain_text("Habib Steel Mills")
    expect(page.get_by_test_id("proposals")).not_to_contain_text("Ravi Foods")

    first = rows.nth(0)
    first.get_by_label("Note (required to reject)").fill("Field audit with the Karachi team")
    first.get_by_role("button", name="Approve").click()
    # The approved proposal is a case now, and the supervisor lands on its first task.
    expect(page.locator(".flash.info")).to_have_text(
        re.compile(r"Proposal \d+ approved: case PCA-S/\d{4}/\d{6} opened\."))
    expect(page.get_by_role("heading", level=1)).to_have_text("Assign auditor")
    page.get_by_role("navigation").get_by_role("link", name="Risk").click()
    page.get_by_role("link", name="Selection").click()
    approved = page.get_by_test_id("proposal").filter(has_text="Crescent Solar")
    expect(approved).to_contain_text("approved")
    expect(approved).to_contain_text("by Farhan Qureshi")
    expect(approved).to_contain_text("Field audit with the Karachi team")
    expect(approved.get_by_role("button", name="Approve")).to_have_count(0)
