"""Downloading: the stored bytes, named by their number, only for those who may read the case."""
from __future__ import annotations

import pytest

from audit_app.models import AuditCase, Role
from audit_app.services import documents
from reports.samples import sample_context
from tests.casedata import World
from tests.conftest import login
from tests.documents.helpers import pages


@pytest.fixture
def issued(world: World, case: AuditCase):  # type: ignore[no-untyped-def]
    doc = documents.issue(world.session, case, "show_cause_notice",
                          sample_context("show_cause_notice"), actor=world.supervisor,
                          clock=world.clock)
    world.session.commit()
    return doc


def test_a_reader_of_the_case_downloads_the_stored_pdf(client, world: World, case: AuditCase,
                                                        issued) -> None:  # type: ignore[no-untyped-def]
    login(client, "aud")
    response = client.get(f"/cases/{case.id}/documents/{issued.id}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="SCN-PCA-S-2026-000001.pdf"'
    assert documents.sha256(response.data) == issued.sha256
    assert response.headers["ETag"] == f'"{issued.sha256}"'


@pytest.mark.parametrize("who, status", [("north", 403), ("committee", 403), (None, 302)])
def test_others_get_nothing(client, make_user, world: World, case: AuditCase, issued,  # type: ignore[no-untyped-def]
                            who: str | None, status: int) -> None:
    if who == "committee":
        make_user(Role.COMMITTEE_MEMBER, username="committee")
    if who:
        login(client, who)
    response = client.get(f"/cases/{case.id}/documents/{issued.id}.pdf")
    assert response.status_code == status
    assert b"%PDF" not in response.data


def test_management_of_any_directorate_may_read(client, make_user, world: World,  # type: ignore[no-untyped-def]
                                                case: AuditCase, issued) -> None:
    make_user(Role.MANAGEMENT, username="boss", directorate="HQ")
    login(client, "boss")
    assert client.get(f"/cases/{case.id}/documents/{issued.id}.pdf").status_code == 200


def test_a_document_is_only_found_under_its_own_case(client, world: World, case: AuditCase,  # type: ignore[no-untyped-def]
                                                     issued) -> None:
    other = world.open_case(1)
    login(client, "aud")
    assert client.get(f"/cases/{other.id}/documents/{issued.id}.pdf").status_code == 404
    assert client.get(f"/cases/{case.id}/documents/999999.pdf").status_code == 404


def test_the_case_page_partial_lists_the_documents(app, world: World, case: AuditCase,  # type: ignore[no-untyped-def]
                                                   issued) -> None:
    second = documents.reissue(world.session, issued, sample_context("show_cause_notice"),
                               actor=world.supervisor, clock=world.clock, reason="typo")
    world.session.commit()
    with app.test_request_context():
        from flask import render_template
        html = render_template("cases/_documents.html", case=case)
    assert html.count("SCN/PCA-S/2026/000001") == 2
    assert f"/cases/{case.id}/documents/{second.id}.pdf" in html
    assert f"/cases/{case.id}/documents/{issued.id}.pdf" in html
    assert "(replaced)" in html and "05 Jan 2026" in html and world.supervisor.full_name in html


def test_the_compiled_case_file_holds_every_document_summary_and_timeline(
        client, world: World, case: AuditCase, issued) -> None:  # type: ignore[no-untyped-def]
    order = documents.issue(world.session, case, "order_in_original",
                            sample_context("order_in_original"), actor=world.supervisor,
                            clock=world.clock)
    world.session.commit()
    login(client, "aud")
    response = client.get(f"/cases/{case.id}/case-file.pdf")
    assert response.status_code == 200
    text = pages(response.data)
    assert len(text) == pages_of_cover(text) + issued.pages + order.pages
    assert all(f"Case No. {case.case_number}" in page for page in text)
    cover = " ".join(text[:pages_of_cover(text)])
    for expected in (issued.number, order.number, issued.sha256, "Timeline",
                     f"Case {case.case_number} opened from proposal", "Show-Cause Notice"):
        assert expected in cover, expected
    first_of_order = pages_of_cover(text) + issued.pages + 1
    assert f"Order-in-Original No. {order.number}" in text[first_of_order - 1]


def pages_of_cover(text: list[str]) -> int:
    return sum(1 for page in text if page.startswith("Compiled case file"))
