"""Evidence in a real browser: the auditor uploads a PDF for an item from the case page and
sees it listed; a file over the limit is stopped before it is sent (static/js/evidence-upload.js)."""
from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.browser.test_login_and_declarations import log_in
from tests.casedata import World, drive_to, world  # noqa: F401
from tests.services.test_evidence import PDF

pytestmark = pytest.mark.browser


def test_the_auditor_uploads_evidence_from_the_case_page(app: Flask, page: Any,
                                                         live_server: str, world: World) -> None:
    app.extensions["pca_clock"] = world.clock
    case = world.open_case(1)
    drive_to(world, case, "prepare_plan")
    log_in(page, live_server, "aud")
    page.goto(f"{live_server}/cases/{case.id}")
    section = page.get_by_test_id("case-evidence")
    section.get_by_label("Supports").select_option(str(case.items[0].id))
    section.locator("input[type=file]").set_input_files(
        {"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": PDF})
    section.get_by_role("button", name="Upload").click()
    expect(page.locator(".flash.info")).to_contain_text("invoice.pdf uploaded")
    expect(section.get_by_role("link", name="invoice.pdf")).to_be_visible()

    app.config["MAX_UPLOAD_MB"] = 1
    page.reload()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.method))
    section.locator("input[type=file]").set_input_files(
        {"name": "big.pdf", "mimeType": "application/pdf",
         "buffer": PDF + b"0" * (2 * 1024 * 1024)})
    section.get_by_role("button", name="Upload").click()
    expect(section.locator("[data-upload-problem]")).to_have_text(
        "big.pdf was not uploaded: it is 2.0 MB; the limit is 1 MB.")
    assert "POST" not in requests
