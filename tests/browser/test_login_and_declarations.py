"""An auditor's first session, in a real browser: log in, find declarations, read one, log out."""
from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from audit_app.models import Role
from tests.conftest import PASSWORD
from tests.factories import amend_item, make_declaration, make_importer

pytestmark = pytest.mark.browser

AMENDED = "KAPW-HC-100007-12032025"


def log_in(page: Any, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def rupees_in_column(page: Any, header: str) -> list[int]:
    """The whole-rupee amounts of one column of the declarations table, top to bottom."""
    headers = page.locator("table[data-testid=declarations] thead th").all_inner_texts()
    column = next(n for n, h in enumerate(headers, start=1) if h.startswith(header))
    cells = page.locator(f"table[data-testid=declarations] tbody td:nth-child({column})")
    return [int(re.sub(r"[^\d]", "", text)) for text in cells.all_inner_texts()]


def gd_numbers(page: Any) -> list[str]:
    return page.locator("table[data-testid=declarations] tbody td:first-child a").all_inner_texts()


@pytest.fixture
def declarations(session) -> None:  # type: ignore[no-untyped-def]
    """55 LDPE declarations of one importer (more than a page), plus others the filters drop."""
    polymers = make_importer(session, ntn="1234567-8", name="Indus Polymers (Pvt) Ltd")
    others = make_importer(session, ntn="7654321-0", name="Karachi Electronics Traders")
    for n in range(55):
        gd = make_declaration(
            session, f"KAPW-HC-{100_000 + n}-12032025", gd_date=dt.date(2025, 3, 1 + n % 28),
            importer=polymers, agent="CHAL-0042", channel=("GREEN", "YELLOW", "RED")[n % 3],
            items=[{"hs_code": "39011000", "description": "LDPE granules, film grade",
                    "origin_country": "SA", "unit": "KG", "quantity": 1000 + 250 * n,
                    "currency": "USD",
                    "invoice_value": Decimal(1120 + 280 * n), "exchange_rate": Decimal("278.50")}])
        if gd.gd_number == AMENDED:
            amend_item(session, gd, 1, invoice_value=Decimal(9_900), description="LDPE granules",
                       received_at=dt.datetime(2025, 4, 2, 10, 15, tzinfo=dt.timezone.utc))
    make_declaration(session, "KAPW-HC-200001-12032025", importer=polymers,
                     items=[{"hs_code": "84713010"}])
    for n in range(5):
        make_declaration(session, f"KAPE-HC-{300_000 + n}-12032025", collectorate="KAPE",
                         importer=others, items=[{"hs_code": "39011000"}, {"hs_code": "85171300"}])
    session.commit()


def test_log_in_with_a_wrong_then_the_right_password_and_log_out(page, live_server, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.AUDITOR, username="ayesha_khan")
    log_in(page, live_server, "ayesha_khan", "not-the-password")
    expect(page.get_by_role("alert")).to_have_text("Unknown username or wrong password.")
    expect(page.get_by_label("Username")).to_have_value("ayesha_khan")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Ayesha Khan")
    expect(page.get_by_test_id("current-user")).to_contain_text("Ayesha Khan · PCA auditor")
    expect(page.locator("header nav")).to_contain_text("Declarations")

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_text("You have logged out.")).to_be_visible()
    page.goto(f"{live_server}/declarations/")
    expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)declarations(/|%2F)$"))


def test_find_sort_page_and_read_a_declaration(page, live_server, make_user, declarations) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.AUDITOR, username="bilal_ahmed")
    log_in(page, live_server, "bilal_ahmed")
    page.get_by_role("navigation").get_by_role("link", name="Declarations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cleared goods declarations")
    expect(page.locator("table[data-testid=declarations] tbody tr")).to_have_count(50)

    # Search by importer and PCT code: only Indus Polymers' LDPE declarations remain.
    page.get_by_label("Importer NTN or name").fill("polymers")
    page.get_by_label("PCT code (2-8 digits)").fill("3901")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"importer=polymers.*hs_code=3901"))
    expect(page.get_by_label("Importer NTN or name")).to_have_value("polymers")
    rows = page.locator("table[data-testid=declarations] tbody tr")
    expect(rows).to_have_count(50)
    expect(rows.filter(has_text="Karachi Electronics")).to_have_count(0)
    expect(rows.filter(has_text="KAPW-HC-200001")).to_have_count(0)

    # Sort by declared value: largest first, and the arrow says so.
    page.get_by_role("link", name="Declared value").click()
    expect(page.get_by_role("link", name="Declared value ▼")).to_be_visible()
    invoices = [9_900 if n == 7 else 1120 + 280 * n for n in range(55)]
    by_value = sorted((int(usd * Decimal("278.50")) for usd in invoices), reverse=True)
    assert rupees_in_column(page, "Declared value") == by_value[:50]
    first_page = gd_numbers(page)
    if os.environ.get("PCA_SCREENSHOT"):
        page.screenshot(path=os.environ["PCA_SCREENSHOT"], full_page=False)

    # The next page holds the 5 smallest, still filtered and sorted; then back to the first.
    page.get_by_role("link", name="Next page").click()
    expect(rows).to_have_count(5)
    expect(page.get_by_role("link", name="Next page")).to_have_count(0)
    second_page = gd_numbers(page)
    assert not set(first_page) & set(second_page)
    assert len(set(first_page) | set(second_page)) == 55
    assert rupees_in_column(page, "Declared value") == by_value[50:]
    page.get_by_role("link", name="First page").click()
    expect(rows).to_have_count(50)
    assert gd_numbers(page) == first_page

    # Open the amended declaration: its item, duties and the amendment's before and after.
    page.get_by_role("link", name=AMENDED).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Goods declaration {AMENDED}")
    items = page.get_by_test_id("items")
    expect(items.locator("tbody tr")).to_have_count(1)
    expect(items).to_contain_text("3901.1000")
    expect(items).to_contain_text("USD 9,900.00")
    expect(items).to_contain_text(f"Rs {round(9_900 * Decimal('278.50')):,}")
    history = page.get_by_test_id("amendments")
    expect(history).to_contain_text("2025-04-02 10:15 UTC")

    def change(field: str) -> list[str]:
        """Label, before and after of one changed column (its raw name is the cell's title)."""
        row = history.locator("tr", has=page.locator(f"td[title={field}]"))
        return row.locator("td").all_inner_texts()[-3:]

    assert change("description") == ["Description", "LDPE granules, film grade", "LDPE granules"]
    assert change("invoice_value") == ["Invoice value", str(1120 + 280 * 7), "9900"]
    assert change("declared_value_pkr") == [
        "Declared value", f"Rs {(1120 + 280 * 7) * Decimal('278.50'):,.2f}",
        f"Rs {9_900 * Decimal('278.50'):,.2f}"]

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You have logged out.")).to_be_visible()
