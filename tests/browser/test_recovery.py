"""The recovery officer in a real browser: the demand in the list, the demand notice issued from
the work queue, a refused over-payment with its message by the field, then payments until the
demand is recovered and leaves the list."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.browser.test_login_and_declarations import log_in
from tests.casedata import world  # noqa: F401
from tests.recoverydata import RecoveryWorld, rworld  # noqa: F401

pytestmark = pytest.mark.browser


def test_recovery_officer_recovers_a_demand(page: Any, live_server: str, app: Flask,
                                            rworld: RecoveryWorld) -> None:
    app.extensions["pca_clock"] = rworld.clock
    case = rworld.order_stands({"cd": Decimal(50_000), "penalty": Decimal(5_000)})
    base = live_server
    log_in(page, base, "recov")
    page.get_by_role("navigation").get_by_role("link", name="Recovery").click()
    row = page.locator(f"tr[data-case='{case.case_number}']")
    expect(row).to_contain_text("Rs 55,000")
    row.get_by_role("link", name="Issue demand notice").click()
    page.get_by_role("button", name="Issue the demand notice").click()

    page.goto(f"{base}/recovery/{case.id}")
    expect(page.get_by_test_id("recovery-task")).to_have_text("Await payment by the due date")
    form = page.get_by_test_id("payment-form")
    form.get_by_label("Challan number").fill("CH-1001")
    form.get_by_label("Levy").select_option("cd")
    form.get_by_label("Amount (Rs)").fill("60000")
    form.get_by_role("button", name="Record the payment").click()
    expect(page.locator("#amount-error")).to_have_text(
        "more than the Rs 50,000 outstanding in customs duty")
    expect(page.get_by_label("Challan number")).to_have_value("CH-1001")

    page.get_by_label("Amount (Rs)").fill("50000")
    page.get_by_role("button", name="Record the payment").click()
    expect(page.get_by_test_id("outstanding")).to_have_text("Rs 5,000")
    form = page.get_by_test_id("payment-form")
    form.get_by_label("Challan number").fill("CH-1002")
    form.get_by_label("Levy").select_option("penalty")
    form.get_by_label("Amount (Rs)").fill("5000")
    form.get_by_role("button", name="Record the payment").click()
    expect(page.get_by_test_id("outstanding")).to_have_text("Rs 0")
    expect(page.get_by_test_id("payment-form")).to_have_count(0)  # recovery has ended
    expect(page.locator("p.muted").first).to_contain_text("recovered")
    page.get_by_role("navigation").get_by_role("link", name="Recovery").click()
    expect(page.locator(f"tr[data-case='{case.case_number}']")).to_have_count(0)
