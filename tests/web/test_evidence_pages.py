"""Evidence on the case page: the upload form (multipart), the list, downloads served as
attachments with the stored type and nosniff, withdrawal, and who sees what."""
from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from audit_app.models import EvidenceDocument, Role
from tests.casedata import NOTICE, PLAN, World, drive_to, world  # noqa: F401
from tests.conftest import login
from tests.services.test_evidence import EXE, PDF
from tests.web.test_declarations_pages import text_of


@pytest.fixture
def case(app: Flask, world: World):  # type: ignore[no-untyped-def]
    app.extensions["pca_clock"] = world.clock
    case = world.open_case(1)
    drive_to(world, case, "prepare_plan")
    return case


def _switch(client: FlaskClient, username: str) -> None:
    client.post("/logout")  # the test's app context outlives requests: log out first
    assert login(client, username).status_code == 302


def _upload(client: FlaskClient, case_id: int, data: bytes, name: str, **form: str):  # type: ignore[no-untyped-def]
    return client.post(f"/cases/{case_id}/evidence", data={"file": (io.BytesIO(data), name),
                                                            **form},
                       content_type="multipart/form-data")


def test_the_auditor_uploads_and_anyone_on_the_case_downloads(app: Flask, client: FlaskClient,  # type: ignore[no-untyped-def]
                                                              world: World, case) -> None:
    login(client, "aud")
    page = text_of(client.get(f"/cases/{case.id}"))
    assert "No evidence has been uploaded" in page and "at most 20 MB" in page
    response = _upload(client, case.id, PDF, "Supplier invoice.pdf",
                       case_item_id=str(case.items[0].id))
    assert response.status_code == 302 and response.location.endswith(f"/cases/{case.id}#evidence")
    page = text_of(client.get(f"/cases/{case.id}"))
    assert "Supplier invoice.pdf uploaded" in page  # the flash
    assert "application/pdf" in page and f"{len(PDF)} bytes" in page and "Auditor Aud" in page
    assert "Evidence Supplier invoice.pdf uploaded for GD" in page  # the timeline
    doc = world.session.query(EvidenceDocument).one()
    assert doc.sha256[:12] in page
    response = client.get(f"/cases/{case.id}/evidence/{doc.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="Supplier invoice.pdf"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    _switch(client, "north")  # another directorate's auditor
    assert client.get(f"/cases/{case.id}/evidence/{doc.id}").status_code == 403


def test_a_refused_upload_says_why_on_the_case_page(client: FlaskClient, case) -> None:  # type: ignore[no-untyped-def]
    login(client, "aud")
    response = _upload(client, case.id, EXE, "x.pdf")
    page = text_of(client.get(response.location))
    assert "x.pdf was not uploaded: the content is a Windows executable (MZ header)" in page
    assert "No evidence has been uploaded" in page


def test_management_reads_but_does_not_upload(app: Flask, client: FlaskClient, world: World,  # type: ignore[no-untyped-def]
                                              case, make_user) -> None:
    login(client, "aud")
    _upload(client, case.id, PDF, "invoice.pdf")
    doc_id = world.session.query(EvidenceDocument.id).scalar()
    _switch(client, make_user(Role.MANAGEMENT, username="boss", directorate=None))
    response = client.get(f"/cases/{case.id}")
    assert "invoice.pdf" in text_of(response)
    assert b'data-testid="evidence-upload"' not in response.data and b"Withdraw" not in response.data
    assert client.get(f"/cases/{case.id}/evidence/{doc_id}").status_code == 200
    assert _upload(client, case.id, b"%PDF-1.4 other", "other.pdf").status_code == 403
    assert client.post(f"/cases/{case.id}/evidence/{doc_id}/withdraw",
                       data={"reason": "x"}).status_code == 403


def test_another_auditor_of_the_directorate_sees_no_form_and_is_refused(  # type: ignore[no-untyped-def]
        client: FlaskClient, world: World, case) -> None:
    login(client, "aud2")
    response = client.get(f"/cases/{case.id}")
    assert b'data-testid="evidence-upload"' not in response.data
    page = text_of(client.get(_upload(client, case.id, PDF, "x.pdf").location))
    assert "Only the case's auditor or a supervisor of directorate PCA-S uploads evidence" in page
    assert world.session.query(EvidenceDocument).count() == 0


def test_the_supervisor_withdraws_an_upload(client: FlaskClient, world: World, case) -> None:  # type: ignore[no-untyped-def]
    login(client, "sup")
    _upload(client, case.id, PDF, "wrong.pdf")
    doc_id = world.session.query(EvidenceDocument.id).scalar()
    response = client.post(f"/cases/{case.id}/evidence/{doc_id}/withdraw",
                           data={"reason": "Invoice of another GD"})
    page = text_of(client.get(response.location))
    assert "wrong.pdf withdrawn; it stays on record" in page
    assert "Withdrawn by Sup" in page and "Invoice of another GD" in page
    assert client.get(f"/cases/{case.id}/evidence/{doc_id}").status_code == 200  # still there


def test_an_oversized_request_gets_a_413_page(app: Flask, client: FlaskClient, case) -> None:  # type: ignore[no-untyped-def]
    app.config["MAX_UPLOAD_MB"] = 1  # read per request
    login(client, "aud")
    # Past the body limit (1 MB + 1 MB for the form): refused before the form is read.
    response = _upload(client, case.id, PDF + b"0" * (3 * 1024 * 1024), "huge.pdf")
    assert response.status_code == 413
    assert "larger than the limit of 1 MB (PCA_MAX_UPLOAD_MB)" in text_of(response)
    app.config["WTF_CSRF_ENABLED"] = True  # as in production: CSRF reads the form first
    response = _upload(client, case.id, PDF + b"0" * (3 * 1024 * 1024), "huge.pdf")
    assert response.status_code == 413 and "limit of 1 MB" in text_of(response)
    app.config["WTF_CSRF_ENABLED"] = False
    # Within the body limit but over the file limit: the service says so.
    response = _upload(client, case.id, PDF + b"0" * (1536 * 1024), "big.pdf")
    page = text_of(client.get(response.location))
    assert "big.pdf was not uploaded: it is 1.5 MB; the limit is 1 MB" in page


def test_the_finding_form_lists_the_items_evidence(client: FlaskClient, world: World,  # type: ignore[no-untyped-def]
                                                   case) -> None:
    world.do(case, "prepare_plan", PLAN)
    world.do(case, "issue_notice", NOTICE)  # now under examination
    login(client, "aud")
    item = case.items[0]
    _upload(client, case.id, PDF, "invoice.pdf", case_item_id=str(item.id))
    _upload(client, case.id, b"%PDF-1.4 the whole case", "contract.pdf")
    task = world.task(case, "examine_records")
    response = client.get(f"/tasks/{task.task_id}")
    listed = re.search(rf'data-testid="item-evidence-{item.id}">(.*?)</p>',
                       response.get_data(as_text=True), re.S)
    assert listed is not None
    assert "invoice.pdf" in listed.group(1) and "contract.pdf" not in listed.group(1)
    assert "upload on the case page" in listed.group(1)
