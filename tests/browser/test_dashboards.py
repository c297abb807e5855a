"""Dashboards in a real browser: the manager opens the performance dashboard, filters, clicks a
bar, lands on the list of cases behind it and opens a case; the revenue dashboard shows the
ledger's figures. No request leaves the server, and no script breaks."""
from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from audit_app.models import Role
from tests.browser.test_login_and_declarations import log_in
from tests.dashboards.data import Cases3, cases3, money, world  # noqa: F401

pytestmark = pytest.mark.browser


def _watch(page: Any, base: str) -> list[str]:
    problems: list[str] = []
    # The app's other pages name no favicon, so the browser asks for /favicon.ico (404).
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and "favicon" not in (m.location or {}).get("url", "") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: problems.append(f"outside request {r.url}")
            if not r.url.startswith(base) and not r.url.startswith("data:") else None)
    return problems


def choose(page: Any, dropdown: str, option: str) -> None:
    """Dash's dropdown lists its options in a pop-over outside the control."""
    page.locator(f"#{dropdown}").click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def test_manager_filters_and_drills_down_to_a_case(page: Any, live_server: str, make_user,  # type: ignore[no-untyped-def]
                                                   money: Cases3) -> None:
    make_user(Role.MANAGEMENT, username="amina_manager", directorate=None)
    problems = _watch(page, live_server)
    log_in(page, live_server, "amina_manager")
    page.get_by_role("navigation").get_by_role("link", name="Dashboards").click()
    page.get_by_role("link", name="Performance").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Performance")

    # Period: the year 2026 (the dropdown's default is this year; choose it explicitly).
    choose(page, "f-period", "2026 (year)")
    expect(page.locator("#perf-started-value")).to_have_text("3")
    expect(page.locator("#perf-completed-value")).to_have_text("2")
    expect(page.locator("#perf-hit-value")).to_have_text("50.0%")

    # Filter on a directorate: the figures follow.
    choose(page, "f-directorate", "PCA-N · PCA North")
    expect(page.locator("#perf-started-value")).to_have_text("1")
    choose(page, "f-directorate", "PCA-S · PCA South")
    expect(page.locator("#perf-started-value")).to_have_text("2")

    # Click the bar of PCA-S's hit rate: the cases behind it.
    bar = page.locator("#perf-directorates .bars .point path").first
    expect(bar).to_be_visible()
    bar.click(force=True)
    expect(page).to_have_url(re.compile(r"/dashboards/cases\?"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("PCA-S")
    expect(page.get_by_test_id("drill-count")).to_contain_text("2 cases")
    link = page.locator("#drill-cases").get_by_role("link", name=money.hit.case_number)
    expect(link).to_have_attribute("href", f"/cases/{money.hit.id}")
    link.click()
    expect(page).to_have_url(re.compile(rf"/cases/{money.hit.id}$"))

    # The revenue dashboard shows the ledger's amounts.
    page.goto(f"{live_server}/dashboards/revenue/")
    choose(page, "f-period", "2026 (year)")
    expect(page.locator("#rev-recovered-value")).to_have_text("Rs 69,800")
    expect(page.locator("#rev-stayed-value")).to_have_text("Rs 40,000")
    expect(page.locator("#export-top-xlsx")).to_have_attribute("href", re.compile(r"period=2026"))
    assert problems == []
