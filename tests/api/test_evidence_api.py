"""Evidence over JSON: upload the file as the body (`?filename=`), list a case's evidence;
the same checks as the case page, every answer checked against the OpenAPI document."""
from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from audit_app.errors import ValidationFailed
from tests.api.openapi_check import Checked, api_doc, checked  # noqa: F401
from tests.api.test_tasks_api import bearer
from tests.casedata import World, drive_to, world  # noqa: F401
from tests.services.test_evidence import EXE, PDF, PNG

OCTETS = "application/octet-stream"


@pytest.fixture
def api(app: Flask, client: FlaskClient, api_doc, world: World) -> Checked:  # type: ignore[no-untyped-def]
    app.extensions["pca_clock"] = world.clock
    return checked(client, api_doc)


@pytest.fixture
def case(world: World):  # type: ignore[no-untyped-def]
    case = world.open_case(1)
    drive_to(world, case, "prepare_plan")
    return case


def test_the_auditor_uploads_with_a_personal_token_and_lists(api: Checked, world: World,  # type: ignore[no-untyped-def]
                                                             case) -> None:
    writer = bearer(world, world.auditor, "evidence:write", "cases:read")
    item = case.items[0]
    response = api.post(f"/api/v1/cases/{case.id}/evidence?filename=invoice.pdf"
                        f"&case_item_id={item.id}", data=PDF, content_type=OCTETS,
                        headers=writer)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["filename"], body["content_type"], body["size_bytes"], body["case_item_id"]) \
        == ("invoice.pdf", "application/pdf", len(PDF), item.id)
    assert body["uploaded_by_id"] == world.auditor.id and not body["withdrawn"]
    listed = api.get(f"/api/v1/cases/{case.id}/evidence", headers=writer).get_json()
    assert [d["id"] for d in listed["evidence"]] == [body["id"]]
    download = api.get(body["download_url"], headers=writer)
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"] == "attachment; filename=invoice.pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert api.get(body["download_url"], headers=bearer(world, world.outsider, "cases:read")
                   ).status_code == 403


def test_refusals(api: Checked, world: World, case) -> None:  # type: ignore[no-untyped-def]
    url = f"/api/v1/cases/{case.id}/evidence"
    writer = bearer(world, world.auditor, "evidence:write")
    refused = api.post(f"{url}?filename=x.pdf", data=EXE, content_type=OCTETS, headers=writer)
    assert refused.status_code == 422
    assert "Windows executable" in refused.get_json()["error"]["details"]["file"]
    assert api.post(url, data=PNG, content_type=OCTETS, headers=writer).status_code == 422
    # A token without the scope, a machine token, another directorate's auditor.
    reader = bearer(world, world.auditor, "cases:read")
    assert api.post(f"{url}?filename=a.png", data=PNG, content_type=OCTETS,
                    headers=reader).status_code == 403
    with pytest.raises(ValidationFailed):  # a personal scope needs a user
        bearer(world, None, "evidence:write")
    world.session.rollback()
    outsider = bearer(world, world.outsider, "evidence:write")
    assert api.post(f"{url}?filename=a.png", data=PNG, content_type=OCTETS,
                    headers=outsider).status_code == 403
    assert api.post("/api/v1/cases/99999999999/evidence?filename=a.png", data=PNG,
                    content_type=OCTETS, headers=writer).status_code == 404


def test_an_oversized_upload_is_413(app: Flask, api: Checked, world: World, case) -> None:  # type: ignore[no-untyped-def]
    app.config["MAX_UPLOAD_MB"] = 1
    writer = bearer(world, world.auditor, "evidence:write")
    response = api.post(f"/api/v1/cases/{case.id}/evidence?filename=big.pdf",
                        data=PDF + b"0" * (1024 * 1024), content_type=OCTETS, headers=writer)
    assert response.status_code == 413
    assert "limit of 1 MB" in response.get_json()["error"]["message"]
