"""Issue 5's README walkthrough, clicked in a real browser against a running demo instance
(`make run`): the seeded walkthrough case from its contravention report through the show-cause
notice, hearing, order-in-original, an appeal that reduces the demand, and payments until it
closes, downloading each document and reading it with pdftotext.

    .venv/bin/python scripts/walk_demo_adjudication.py [--base http://127.0.0.1:5000] [--case NUMBER]

It uses the demo logins only (as a new user would) and prints each step; it exits non-zero at
the first step that does not do what the README says. The demo's clock is the real one, so the
hearing is fixed for today. Run it once per fresh demo instance: it uses the case up.
"""
from __future__ import annotations

import argparse
import math
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import expect, sync_playwright

from demo_browser import CHROMIUM, log_in, step

LEVIES = {"cd": "Customs duty", "rd": "Regulatory duty", "acd": "Additional customs duty",
          "st": "Sales tax", "ast": "Additional sales tax", "it": "Income tax"}


def queue(page: Any) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Work queue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Work queue")


def open_task(page: Any, case_number: str, name: str) -> None:
    """My task `name` on the case, else claim it from my team's tasks."""
    queue(page)
    mine = page.get_by_test_id("my-tasks").get_by_test_id("task-row").filter(
        has_text=case_number).filter(has_text=name)
    if mine.count():
        mine.first.get_by_role("link", name=name).click()
    else:
        team = page.get_by_test_id("team-tasks").get_by_test_id("task-row").filter(
            has_text=case_number).filter(has_text=name)
        expect(team).to_have_count(1)
        team.get_by_role("button", name="Claim").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def done(page: Any, name: str) -> None:
    expect(page.locator(".flash.info")).to_contain_text(f"'{name}' completed.")


def case_page(page: Any, base: str, case_id: str, number: str) -> None:
    page.goto(f"{base}/cases/{case_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Audit case {number}")


def download(page: Any, base: str, case_id: str, number: str, title: str, tmp: Path) -> str:
    case_page(page, base, case_id, number)
    row = page.get_by_test_id("case-documents").locator("tbody tr:not(.replaced)").filter(
        has=page.locator("td:first-child", has_text=re.compile(f"^{re.escape(title)}")))
    expect(row).to_have_count(1)
    with page.expect_download() as info:
        row.get_by_role("link", name="PDF").click()
    target = tmp / info.value.suggested_filename
    info.value.save_as(target)
    assert target.read_bytes().startswith(b"%PDF-"), title
    text = subprocess.run(["pdftotext", "-layout", str(target), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert number in text, f"{title}: the case number is not in its text"
    step(f"downloaded {title} ({target.name}, {target.stat().st_size:,} bytes), text checked")
    return text


def rupees(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text) or 0)


def walk(base: str, number: str | None, tmp: Path, case_id: str | None = None,
         skip_framing: bool = False) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_context(accept_downloads=True).new_page()
        page.set_default_timeout(30_000)

        if skip_framing:
            assert number and case_id, "--skip-framing needs --case and --case-id"
            walk_from_adjudication(page, base, number, case_id, tmp)
            browser.close()
            return
        # --- the auditor frames the contravention report -------------------------------------
        name = "Frame the contravention report"
        for auditor in ("auditor", "auditor2"):
            log_in(page, base, auditor)
            queue(page)
            rows = page.get_by_test_id("my-tasks").get_by_test_id("task-row").filter(has_text=name)
            if number:
                rows = rows.filter(has_text=number)
            if rows.count():
                break
        else:
            sys.exit(f"no auditor has '{name}'{' on ' + number if number else ''}")
        row_text = rows.first.inner_text()
        rows.first.get_by_role("link", name=name).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(name)
        number = number or re.search(r"PCA-[A-Z]+/\d{4}/\d+", row_text).group(0)
        href = page.locator("main").get_by_role("link", name=number).first.get_attribute("href")
        case_id = re.search(r"/cases/(\d+)", href).group(1)
        step(f"{auditor}: case {number} (id {case_id}), task '{name}'")
        page.get_by_label("Inadvertence").check()
        page.get_by_label("Facts of the case").fill("Goods declared below their transaction value")
        page.get_by_role("button", name="Frame the report").click()
        done(page, name)
        download(page, base, case_id, number, "Contravention Report", tmp)
        walk_from_adjudication(page, base, number, case_id, tmp)
        browser.close()


def walk_from_adjudication(page: Any, base: str, number: str, case_id: str, tmp: Path) -> None:
    if True:
        # --- adj_ac: assign herself, SCN drafted, approved, issued -----------------------------
        log_in(page, base, "adj_ac")
        name = "Assign the adjudicating officer"
        open_task(page, number, name)
        select = page.get_by_label(re.compile("^Adjudicating officer"))
        options = select.locator("option").all_inner_texts()
        mine = [o for o in options if "adj_ac" in o or "Assistant" in o]
        assert mine, f"adj_ac is not offered: {options}"
        select.select_option(label=mine[0])
        page.get_by_role("button", name="Assign").click()
        done(page, name)
        step(f"adj_ac: assigned to {mine[0]}")
        page.get_by_role("navigation").get_by_role("link", name="Adjudication").click()
        expect(page.locator("tr", has_text=number)).to_be_visible()
        for name, button, extra in (
                ("Draft the show-cause notice", "Save the draft for approval", None),
                ("Approve the show-cause notice", "Record the decision", "Approve the notice"),
                ("Issue the show-cause notice", "Issue the notice", None)):
            open_task(page, number, name)
            expect(page.get_by_test_id("adj-clock").first).to_be_visible()
            if extra:
                page.get_by_label(extra).check()
            page.get_by_role("button", name=button).click()
            done(page, name)
            step(f"adj_ac: {name}")
        download(page, base, case_id, number, "Show-Cause Notice", tmp)

        name = "Record the reply to the show-cause notice"
        open_task(page, number, name)
        days = page.get_by_test_id("adj-clock").first.get_by_test_id("days-left").inner_text()
        page.get_by_label("What the respondent says").fill("The invoice was genuine")
        page.get_by_role("button", name="Record the reply").click()
        done(page, name)
        step(f"adj_ac: {name} ({days})")
        name = "Schedule a hearing"
        open_task(page, number, name)
        # Today in Pakistan, as the server counts days (from 19:00 UTC it is already tomorrow
        # there, and a hearing on the UTC date would be refused as in the past).
        today = page.evaluate(
            "() => new Date().toLocaleDateString('en-CA', {timeZone: 'Asia/Karachi'})")
        page.get_by_label("Hearing date").fill(today)
        page.get_by_role("button", name="Fix the hearing").click()
        done(page, name)
        page.get_by_role("navigation").get_by_role("link", name="Adjudication").click()
        page.get_by_role("link", name="Hearing diary").click()
        expect(page.locator("tr", has_text=number)).to_be_visible()
        step(f"adj_ac: {name} for {today}; in the hearing diary")
        name = "Record the hearing"
        open_task(page, number, name)
        page.get_by_label("Concluded").check()
        page.get_by_label(re.compile("^Appearances")).fill("Ali Raza, counsel")
        page.get_by_role("button", name="Record the hearing").click()
        done(page, name)
        step(f"adj_ac: {name}")

        name = "Record the order-in-original"
        open_task(page, number, name)
        page.get_by_label("Demand adjudged").check()
        adjudged: dict[str, int] = {}
        for levy, label in LEVIES.items():
            cell = page.locator("tr", has=page.get_by_label(f"{label} adjudged", exact=True))
            if not cell.count():
                continue
            notice = rupees(cell.locator("td").nth(1).inner_text())
            if notice > 1:
                adjudged[levy] = notice - 1  # whole rupees, at most the notice's
                page.get_by_label(f"{label} adjudged", exact=True).fill(str(adjudged[levy]))
        assert adjudged, "the notice holds no duty or tax"
        page.get_by_label("Penalty (Rs)").fill("20000")
        page.get_by_label("Findings and reasons").fill("The value was understated.")
        page.get_by_role("button", name="Record the order").click()
        done(page, name)
        order_total = sum(adjudged.values()) + 20_000
        case_page(page, base, case_id, number)
        expect(page.get_by_test_id("outstanding")).to_have_text(f"Rs {order_total:,}")
        step(f"adj_ac: order-in-original, Rs {order_total:,} outstanding on the case page")
        download(page, base, case_id, number, "Order-in-Original", tmp)

        # --- recovery: the demand notice --------------------------------------------------------
        log_in(page, base, "recovery")
        name = "Issue demand notice"
        open_task(page, number, name)
        page.get_by_role("button", name="Issue the demand notice").click()
        done(page, name)
        text = download(page, base, case_id, number, "Demand Notice", tmp)
        assert f"{order_total:,}" in text
        step("recovery: demand notice issued")

        # --- appellate: Collector (Appeals) reduces the demand ------------------------------
        log_in(page, base, "appellate")
        page.get_by_role("navigation").get_by_role("link", name="Disputes").click()
        waiting = page.get_by_test_id("orders-open").locator(f"tr[data-case='{number}']")
        expect(waiting).to_contain_text(f"Rs {order_total:,}")
        waiting.get_by_role("link", name=number).click()
        page.get_by_test_id("case-disputes").get_by_role("link", name="Record a filing").click()
        page.get_by_role("radio", name=re.compile(r"Collector \(Appeals\)")).check()
        page.get_by_label("Grounds").fill("The transaction value was genuine.")
        page.get_by_role("button", name="Record the filing").click()
        expect(page.locator(".flash.info")).to_contain_text("filing recorded.")
        step("appellate: appeal to the Collector (Appeals) filed")
        decision = page.get_by_test_id("decision-form")
        expect(page.get_by_test_id("days-left")).to_contain_text("120 days")
        decision.get_by_label("Reduced").check()
        decision.get_by_label("Order / judgment number").fill("OIA-DEMO/2026")
        after = {levy: math.floor(v / 2) for levy, v in adjudged.items()}
        for levy, value in after.items():
            decision.get_by_label(f"{LEVIES[levy]} after the order", exact=True).fill(str(value))
        decision.get_by_label("Penalty after the order", exact=True).fill("5000")
        decision.get_by_label(re.compile("^Reasons")).fill("Half the value uplift stands.")
        decision.get_by_role("button", name="Record the decision").click()
        expect(page.locator(".flash.info")).to_contain_text("decision recorded (reduced")
        after_total = sum(after.values()) + 5000
        step(f"appellate: reduced to Rs {after_total:,}")
        download(page, base, case_id, number, "Order-in-Appeal", tmp)
        expect(page.get_by_test_id("outstanding")).to_have_text(f"Rs {after_total:,}")
        text = download(page, base, case_id, number, "Demand Notice", tmp)
        assert f"{after_total:,}" in text, "the re-issued demand notice lacks the new demand"
        page.get_by_role("navigation").get_by_role("link", name="Disputes").click()
        window = page.get_by_test_id("windows").locator("tr", has_text=number)
        window.get_by_role("link", name="Record a filing").click()
        page.get_by_role("button", name="The trader accepts the order: no further appeal").click()
        expect(page.locator(".flash.info")).to_contain_text("the demand stands")
        step("appellate: the trader accepts the order-in-appeal")

        # --- recovery: payments until nothing is left ---------------------------------------
        log_in(page, base, "recovery")
        case_page(page, base, case_id, number)
        page.get_by_test_id("recovery-link").click()
        owed = {**after, "penalty": 5000}
        for n, (levy, amount) in enumerate(owed.items(), start=1):
            if not amount:
                continue
            form = page.get_by_test_id("payment-form")
            form.get_by_label("Challan number").fill(f"CH-DEMO-{n:03d}")
            form.get_by_label("Levy").select_option(levy)
            form.get_by_label("Amount (Rs)").fill(str(amount))
            form.get_by_role("button", name="Record the payment").click()
            expect(page.locator(".flash.info")).to_be_visible()
            step(f"recovery: paid Rs {amount:,} of {levy}")
        expect(page.get_by_test_id("outstanding")).to_have_text("Rs 0")
        case_page(page, base, case_id, number)
        expect(page.get_by_test_id("open-tasks")).to_have_count(0)
        expect(page.get_by_text(re.compile(r"No open tasks: .*recovered"))).to_be_visible()
        step(f"case {number}: nothing outstanding, no open task, recovered")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:5000")
    parser.add_argument("--case", default=None, help="the walkthrough case's number")
    parser.add_argument("--case-id", default=None, help="its id (with --skip-framing)")
    parser.add_argument("--skip-framing", action="store_true",
                        help="the report is already framed: start at adjudication")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        walk(args.base.rstrip("/"), args.case, Path(tmp), args.case_id, args.skip_framing)
    print("walkthrough completed")


if __name__ == "__main__":
    main()
