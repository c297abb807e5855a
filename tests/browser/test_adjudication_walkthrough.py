"""Issue 5's walkthrough in a real browser: a case referred to adjudication is taken from its
contravention report through the show-cause notice (drafted, approved, issued), the reply, a
hearing and the order-in-original, an appeal to the Collector (Appeals) that reduces the demand,
and payments until recovery closes. Each step is done by the officer whose step it is, through
the screens; every document is downloaded from the case page and read with pdftotext.

Only the starting point is made with the test-data helpers (a case whose audit referred it to
adjudication); the clock is moved between steps, as days pass."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from audit_app.models import AuditCase, AuditOutcome, IssuedDocument, Role
from audit_app.models.ledger import LEVY_LABELS as _LEVY_LABELS
from tests.adjudicationdata import Court, court  # noqa: F401
from tests.browser.test_login_and_declarations import log_in
from tests.casedata import world  # noqa: F401

pytestmark = pytest.mark.browser
SUPT = "adj_superintendent"  # the competent rank for Rs 278,696 (Rs 20,000 to Rs 500,000)


@pytest.fixture
def referred(app: Flask, court: Court,  # noqa: F811
             make_user) -> AuditCase:  # type: ignore[no-untyped-def]
    """A case the audit referred to adjudication, and the officers of the rest of the way."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is missing: sudo apt-get install poppler-utils")
    make_user(Role.RECOVERY_OFFICER, username="recov", directorate="PCA-S")
    make_user(Role.APPELLATE_OFFICER, username="appellate", directorate=None)
    app.extensions["pca_clock"] = court.w.clock
    case = court.referred()
    court.session.commit()
    return case


def _as(page: Any, base: str, username: str) -> None:
    # Let the last step's navigation finish first: a response still arriving after the cookies
    # are cleared would set the previous officer's session cookie again (seen on a busy CI run).
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    log_in(page, base, username)
    expect(page.get_by_role("navigation")).to_be_visible()


def _queue(page: Any) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Work queue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Work queue")


def _my_task(page: Any, name: str) -> None:
    """Open one of my tasks from the work queue; the adjudication screens show the days left."""
    _queue(page)
    page.get_by_test_id("my-tasks").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def _claim(page: Any, name: str) -> None:
    """Claim an unassigned task of my team from the work queue (the claim opens the task)."""
    _queue(page)
    row = page.get_by_test_id("team-tasks").get_by_test_id("task-row").filter(has_text=name)
    row.get_by_role("button", name="Claim").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def _done(page: Any, name: str) -> None:
    expect(page.locator(".flash.info")).to_contain_text(f"'{name}' completed.")


def _days_left(page: Any, days: int) -> None:
    expect(page.get_by_test_id("adj-clock").first.get_by_test_id("days-left")).to_have_text(
        f"{days} days left")


def _case_page(page: Any, base: str, case: AuditCase) -> None:
    page.goto(f"{base}/cases/{case.id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Audit case {case.case_number}")


def _download(page: Any, base: str, case: AuditCase, title: str, tmp: Path,
              version: int | None = None) -> str:
    """Download the document titled `title` (the version in force, which must be `version`
    when given) from the case page's documents table; its text as pdftotext reads it."""
    _case_page(page, base, case)
    row = page.get_by_test_id("case-documents").locator("tbody tr:not(.replaced)").filter(
        has=page.locator("td:first-child", has_text=re.compile(f"^{re.escape(title)}")))
    expect(row).to_have_count(1)
    if version is not None:
        expect(row.locator("td:nth-child(3)")).to_have_text(re.compile(f"^{version}"))
    with page.expect_download() as info:
        row.get_by_role("link", name="PDF").click()
    download = info.value
    target = tmp / download.suggested_filename
    download.save_as(target)
    assert target.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(["pdftotext", "-layout", str(target), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert case.case_number in text, f"{title}: no case number in its text"
    return text


def _money(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_a_case_from_contravention_report_to_recovery(  # noqa: PLR0915
        page: Any, live_server: str, court: Court, referred: AuditCase,  # noqa: F811
        tmp_path: Path) -> None:
    base, case = live_server, referred
    adj = court.adj(case)
    contravened = adj.contravened()
    start = court.today()

    # --- the auditor frames the contravention report ----------------------------------------
    _as(page, base, "aud")
    _my_task(page, "Frame the contravention report")
    page.get_by_label("Inadvertence").check()
    page.get_by_role("button", name="Frame the report").click()
    expect(page.locator("#facts-error")).to_have_text("required")  # refused, by the field
    expect(page.get_by_label("Inadvertence")).to_be_checked()
    page.get_by_label("Facts of the case").fill("Laptops declared at two thirds of their value")
    page.get_by_role("button", name="Frame the report").click()
    _done(page, "Frame the contravention report")
    text = _download(page, base, case, "Contravention Report", tmp_path)
    assert "Laptops declared at two thirds of their value" in _money(text)

    # --- the Collector's office allocates the case to an officer with jurisdiction ------------
    _as(page, base, "adj_collector")
    _claim(page, "Assign the adjudicating officer")
    page.get_by_label(re.compile("^Adjudicating officer")).select_option(
        value=str(court.officers["superintendent"].id))
    page.get_by_role("button", name="Assign").click()
    _done(page, "Assign the adjudicating officer")

    # --- the adjudicating officer: SCN drafted, approved, issued ------------------------------
    _as(page, base, SUPT)
    page.get_by_role("navigation").get_by_role("link", name="Adjudication").click()
    docket = page.locator("tr", has_text=case.case_number)
    expect(docket).to_be_visible()
    _my_task(page, "Draft the show-cause notice")
    page.get_by_role("button", name="Save the draft for approval").click()
    _done(page, "Draft the show-cause notice")
    _my_task(page, "Approve the show-cause notice")
    page.get_by_label("Approve the notice").check()
    page.get_by_role("button", name="Record the decision").click()
    _done(page, "Approve the show-cause notice")
    _my_task(page, "Issue the show-cause notice")
    page.get_by_role("button", name="Issue the notice").click()
    _done(page, "Issue the show-cause notice")
    text = _download(page, base, case, "Show-Cause Notice", tmp_path)
    scn_number = court.adj(case).scn.number
    assert scn_number in text

    # --- reply, hearing ------------------------------------------------------------------------
    court.at_day(start, 10)
    _my_task(page, "Record the reply to the show-cause notice")
    _days_left(page, 110)
    page.get_by_label("What the respondent says").fill("The invoice was genuine")
    page.get_by_role("button", name="Record the reply").click()
    _done(page, "Record the reply to the show-cause notice")
    _my_task(page, "Schedule a hearing")
    _days_left(page, 110)
    hearing = start + dt.timedelta(days=20)
    page.get_by_label("Hearing date").fill(hearing.isoformat())
    page.get_by_role("button", name="Fix the hearing").click()
    _done(page, "Schedule a hearing")
    page.get_by_role("navigation").get_by_role("link", name="Adjudication").click()
    page.get_by_role("link", name="Hearing diary").click()
    diary = page.locator("tr", has_text=case.case_number)
    expect(diary).to_contain_text(hearing.strftime("%d %b %Y"))
    expect(diary).to_contain_text("110 (by")

    court.at_day(start, 20)
    _my_task(page, "Record the hearing")
    _days_left(page, 100)
    page.get_by_label("Concluded").check()
    page.get_by_label(re.compile("^Appearances")).fill("Ali Raza, counsel")
    page.get_by_role("button", name="Record the hearing").click()
    _done(page, "Record the hearing")

    # --- the order-in-original -----------------------------------------------------------------
    court.at_day(start, 30)
    _my_task(page, "Record the order-in-original")
    _days_left(page, 90)
    page.get_by_label("Demand adjudged").check()
    for levy, amount in contravened.items():
        if amount:
            page.get_by_label(re.compile(rf"^{_LEVY_LABELS[levy]} adjudged$")).fill(str(amount))
    page.get_by_label("Penalty (Rs)").fill("50000")
    page.get_by_label("Findings and reasons").fill("The value was understated by a third.")
    page.get_by_role("button", name="Record the order").click()
    _done(page, "Record the order-in-original")
    order_total = sum(contravened.values(), Decimal(0)) + 50_000
    _case_page(page, base, case)
    expect(page.get_by_test_id("order")).to_contain_text(f"Rs {order_total:,.0f}")
    expect(page.get_by_test_id("outstanding")).to_have_text(f"Rs {order_total:,.0f}")
    text = _download(page, base, case, "Order-in-Original", tmp_path)
    oio_number = court.adj(case).order.number
    assert oio_number in text

    # --- recovery: the demand notice -----------------------------------------------------------
    court.at_day(start, 31)
    _as(page, base, "recov")
    _claim(page, "Issue demand notice")
    page.get_by_role("button", name="Issue the demand notice").click()
    _done(page, "Issue demand notice")
    text = _download(page, base, case, "Demand Notice", tmp_path)
    assert f"{order_total:,.0f}" in text

    # --- the appeal to the Collector (Appeals) reduces the demand -----------------------------
    court.at_day(start, 45)
    _as(page, base, "appellate")
    page.get_by_role("navigation").get_by_role("link", name="Disputes").click()
    waiting = page.get_by_test_id("orders-open").locator(f"tr[data-case='{case.case_number}']")
    expect(waiting).to_contain_text(oio_number)
    expect(waiting).to_contain_text(f"Rs {order_total:,.0f}")
    waiting.get_by_role("link", name=case.case_number).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Audit case {case.case_number}")
    page.get_by_test_id("case-disputes").get_by_role("link", name="Record a filing").click()
    page.get_by_role("radio", name=re.compile(r"Collector \(Appeals\)")).check()
    page.get_by_label("Grounds").fill("The transaction value was genuine.")
    page.get_by_role("button", name="Record the filing").click()
    expect(page.locator(".flash.info")).to_contain_text("filing recorded.")
    dispute_url = page.url

    court.at_day(start, 75)
    page.goto(dispute_url)
    expect(page.get_by_test_id("days-left")).to_contain_text("90 days")  # 120 from the filing
    decision = page.get_by_test_id("decision-form")
    decision.get_by_label("Reduced").check()
    decision.get_by_label("Order / judgment number").fill("OIA-77/2026")
    reduced = {"cd": Decimal(0), "rd": Decimal(0), "acd": Decimal(0), "ast": Decimal(0)}
    for levy, value in reduced.items():
        if contravened[levy]:
            decision.get_by_label(f"{_LEVY_LABELS[levy]} after the order",
                                  exact=True).fill(str(value))
    decision.get_by_label("Penalty after the order", exact=True).fill("10000")
    decision.get_by_label(re.compile("^Reasons")).fill(
        "Customs and regulatory duty were not leviable; penalty reduced.")
    decision.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".flash.info")).to_contain_text("decision recorded (reduced")
    after = {levy: v for levy, v in contravened.items() if levy not in reduced and v}
    after["penalty"] = Decimal(10_000)
    after_total = sum(after.values(), Decimal(0))
    text = _download(page, base, case, "Order-in-Appeal", tmp_path)
    assert "OIA-77/2026" in text or "Collector (Appeals)" in text
    # The demand history shows the reduction, and the demand notice is re-issued with it.
    expect(page.get_by_test_id("outstanding")).to_have_text(f"Rs {after_total:,.0f}")
    expect(page.get_by_test_id("ledger-entries")).to_contain_text("OIA-77/2026")
    text = _download(page, base, case, "Demand Notice", tmp_path, version=2)
    assert f"{after_total:,.0f}" in text

    # The trader accepts the order-in-appeal: no appeal to the Tribunal.
    page.get_by_role("navigation").get_by_role("link", name="Disputes").click()
    window = page.get_by_test_id("windows").locator("tr", has_text=case.case_number)
    expect(window).to_contain_text("Collector (Appeals)")
    window.get_by_role("link", name="Record a filing").click()
    page.get_by_role("button", name="The trader accepts the order: no further appeal").click()
    expect(page.locator(".flash.info")).to_contain_text("the demand stands")

    # --- payments until nothing is left: recovery closes ---------------------------------------
    court.at_day(start, 80)
    _as(page, base, "recov")
    _case_page(page, base, case)
    page.get_by_test_id("recovery-link").click()
    expect(page.get_by_test_id("recovery-task")).to_contain_text("Await payment")
    for n, (levy, amount) in enumerate(after.items(), start=1):
        form = page.get_by_test_id("payment-form")
        form.get_by_label("Challan number").fill(f"CH-{n:04d}")
        form.get_by_label("Levy").select_option(levy)
        form.get_by_label("Amount (Rs)").fill(str(amount))
        form.get_by_role("button", name="Record the payment").click()
        expect(page.locator(".flash.info")).to_be_visible()
    expect(page.get_by_test_id("outstanding")).to_have_text("Rs 0")
    expect(page.get_by_test_id("payment-form")).to_have_count(0)
    _case_page(page, base, case)
    expect(page.get_by_test_id("open-tasks")).to_have_count(0)
    expect(page.get_by_test_id("recovery-position")).to_contain_text(f"Rs {after_total:,.0f}")
    expect(page.get_by_test_id("ledger-balances").locator("tr[data-account=remitted]")
           ).to_contain_text(f"Rs {order_total - after_total:,.0f}")
    court.session.expire_all()
    assert court.session.get(AuditCase, case.id).status == "recovered"
    # The outcome went back to the risk model: the short levy that stood, per item.
    outcomes = court.session.scalars(select(AuditOutcome).where(
        AuditOutcome.source == "case")).all()
    assert {o.item_id for o in outcomes} == {i.item_id for i in case.items}
    kinds = set(court.session.scalars(select(IssuedDocument.kind)
                                      .where(IssuedDocument.case_id == case.id)))
    assert {"contravention_report", "show_cause_notice", "order_in_original",
            "order_in_appeal", "demand_notice"} <= kinds

