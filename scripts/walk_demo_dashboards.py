"""Issue 6's walkthrough, clicked in a real browser against a running demo instance (`make run`):
the demo manager opens each dashboard, filters, drills down from a chart to the cases behind it
and on to a case page, exports a table as CSV and as Excel, previews and issues the
steering-committee report (read back with pdftotext); the demo auditor is refused.

    .venv/bin/python scripts/walk_demo_dashboards.py [--base http://127.0.0.1:5000]

Demo logins only; prints each step with the figures it saw and exits non-zero at the first
that does not do what the README says (an empty chart counts as a failure: the demo data must
make every dashboard meaningful). No request may leave the server.
"""
from __future__ import annotations

import argparse
import datetime as dt
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import expect, sync_playwright

from demo_browser import CHROMIUM, log_in, step


def choose(page: Any, dropdown: str, option: str | re.Pattern[str]) -> str:
    """Pick an option of a Dash dropdown (its options pop over outside the control)."""
    page.locator(f"#{dropdown}").click()
    chosen = page.get_by_role("option", name=option).first
    label = chosen.inner_text()
    chosen.click()
    page.keyboard.press("Escape")
    page.wait_for_load_state("networkidle")  # the callbacks it set off have answered
    return label


def kpi(page: Any, name: str) -> str:
    value = page.locator(f"#{name}-value")
    expect(value).not_to_have_text("")
    expect(value).not_to_have_text("…")
    return value.inner_text()


def watch(page: Any, base: str) -> list[str]:
    problems: list[str] = []
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: problems.append(f"outside request {r.url}")
            if not r.url.startswith(base) and not r.url.startswith(("data:", "blob:")) else None)
    return problems


def download(page: Any, click: Any, tmp: Path) -> Path:
    with page.expect_download() as info:
        click()
    target = tmp / info.value.suggested_filename
    info.value.save_as(target)
    return target


def fetch(page: Any, url: str, target: Path) -> Path:
    """A PDF the browser would show inline, fetched with the page's session."""
    response = page.request.get(url)
    assert response.ok, f"{url}: {response.status}"
    assert response.body().startswith(b"%PDF-"), f"{url} is not a PDF"
    target.write_bytes(response.body())
    return target


def walk(base: str, tmp: Path) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        context = browser.new_context(accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(30_000)

        log_in(page, base, "auditor")
        response = page.goto(f"{base}/dashboards/revenue/")
        assert response is not None and response.status == 403, response and response.status
        step("auditor: /dashboards/revenue/ refused (403)")

        problems = watch(page, base)
        log_in(page, base, "manager")
        page.get_by_role("navigation").get_by_role("link", name="Dashboards").click()
        page.get_by_role("link", name="Revenue recovery").first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Revenue")
        year = choose(page, "f-period", re.compile(rf"^{dt.date.today().year} \(year\)$"))
        figures = {k: kpi(page, f"rev-{k}") for k in ("detected", "adjudged", "recovered",
                                                       "outstanding", "stayed")}
        assert figures["recovered"] not in ("Rs 0", ""), figures
        step(f"manager: revenue, {year}: {figures}")
        collectorate = choose(page, "f-collectorate", re.compile(r"^PQIM "))
        expect(page.locator("#rev-detected-value")).not_to_have_text(figures["detected"])
        filtered = kpi(page, "rev-detected")
        step(f"manager: filtered on {collectorate}: detected {filtered}")
        page.goto(f"{base}/dashboards/revenue/")  # filters back to their defaults
        choose(page, "f-period", re.compile(rf"^{dt.date.today().year} \(year\)$"))
        # Back to every collectorate (the figure may have grown meanwhile when `make run`'s
        # background `pca demo grow` is still living cases, so compare with the filtered one).
        expect(page.locator("#rev-detected-value")).not_to_have_text(filtered)

        csv = download(page, lambda: page.locator("#export-top-csv").click(), tmp)
        lines = csv.read_text(encoding="utf-8-sig").splitlines()
        assert len(lines) > 1, f"{csv.name} holds no case"
        xlsx = download(page, lambda: page.locator("#export-top-xlsx").click(), tmp)
        assert xlsx.read_bytes()[:2] == b"PK", f"{xlsx.name} is not an Excel workbook"
        step(f"manager: exported the largest cases: {csv.name} ({len(lines) - 1} rows), "
             f"{xlsx.name} ({xlsx.stat().st_size:,} bytes)")

        bar = page.locator("#rev-funnel .bars .point path").first
        expect(bar).to_be_visible()
        bar.click(force=True)
        expect(page).to_have_url(re.compile(r"/dashboards/cases\?"))
        count = page.get_by_test_id("drill-count").inner_text()
        link = page.locator("#drill-cases a[href^='/cases/']").first
        number = link.inner_text()
        link.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Audit case {number}")
        step(f"manager: funnel bar -> {count} -> case page {number}")

        for name, heading, kpis in (("Performance", "Performance", ("perf-started",
                                                                     "perf-completed",
                                                                     "perf-hit")),
                                    ("Risk effectiveness", "Risk", ("risk-coverage", "risk-risk",
                                                                 "risk-random", "risk-drift"))):
            page.get_by_role("navigation").get_by_role("link", name="Dashboards").click()
            page.get_by_role("link", name=name).first.click()
            expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
            choose(page, "f-period", re.compile(rf"^{dt.date.today().year} \(year\)$"))
            seen = {k: kpi(page, k) for k in kpis}
            graphs = page.locator(".js-plotly-plot, svg.chart, [id$=-graph], .dash-graph")
            expect(graphs.first).to_be_visible()
            step(f"manager: {name} dashboard {seen}")

        page.get_by_role("navigation").get_by_role("link", name="Dashboards").click()
        page.get_by_role("link", name="Steering-committee report").first.click()
        period = page.locator("#period option:checked").inner_text()
        value = page.locator("#period").input_value()
        pdf = fetch(page, f"{base}/dashboards/steering/draft.pdf?period={value}", tmp / "draft.pdf")
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                              capture_output=True, text=True).stdout
        assert "Steering" in text or "steering" in text, "the report's text has no title"
        step(f"manager: steering report draft for {period}: {pdf.name}, "
             f"{len(text.split())} words of text")
        page.locator("#issue-report").click()
        row = page.locator("#issued-reports tbody tr").first
        expect(row).to_contain_text(re.compile(r"[0-9a-f]{16}"))
        href = row.get_by_role("link", name="Download PDF").get_attribute("href")
        issued = fetch(page, f"{base}{href}", tmp / "issued.pdf")
        assert issued.read_bytes().startswith(b"%PDF-")
        step(f"manager: issued and archived ({row.inner_text().split(chr(9))[0]}), "
             f"downloaded {issued.name}")
        assert problems == [], problems
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:5000")
    with tempfile.TemporaryDirectory() as tmp:
        walk(parser.parse_args().base.rstrip("/"), Path(tmp))
    print("walkthrough completed")


if __name__ == "__main__":
    main()
