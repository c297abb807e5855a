"""POST /api/v1/declarations: batches from the clearance system, with a machine token."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from audit_app.auth.service import issue_api_token, revoke_api_token
from audit_app.db import get_session
from audit_app.models import DeclarationItem, Role
from tests.intake.csvdata import declaration_row


@pytest.fixture
def token(app) -> str:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = get_session()
        _, plain = issue_api_token(session, "clearance system", ["declarations:write"])
        session.commit()
    return plain


def push(client, token, items, **kw):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/declarations", data=json.dumps({"items": items}),
                       headers={"Authorization": f"Bearer {token}",
                                "Content-Type": "application/json"}, **kw)


def items_in_db(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(DeclarationItem))


def test_a_valid_batch_is_stored(client, app, token) -> None:  # type: ignore[no-untyped-def]
    items = [declaration_row(item_no=1), declaration_row(item_no=2)]
    items[1]["quantity"] = 5  # numbers may come as JSON numbers
    response = push(client, token, items)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["new"], body["amended"], body["unchanged"]) == (2, 0, 0)
    assert items_in_db(app) == 2
    again = push(client, token, items)
    assert again.status_code == 200 and again.get_json()["unchanged"] == 2


def test_an_invalid_item_rejects_the_whole_batch_naming_item_and_field(client, app, token) -> None:  # type: ignore[no-untyped-def]
    items = [declaration_row(item_no=1), declaration_row(item_no=2, gd_date="2025-13-01")]
    response = push(client, token, items)
    assert response.status_code == 422
    problem = response.get_json()["error"]["problems"][0]
    assert problem["item"] == 2 and problem["field"] == "gd_date" and problem["value"] == "2025-13-01"
    assert items_in_db(app) == 0


def test_skip_invalid_stores_the_good_items(client, app, token) -> None:  # type: ignore[no-untyped-def]
    items = [declaration_row(item_no=1), declaration_row(item_no=2, cd_pkr="-3")]
    response = client.post("/api/v1/declarations?skip_invalid=true",
                           data=json.dumps({"items": items}),
                           headers={"Authorization": f"Bearer {token}"})
    body = response.get_json()
    assert response.status_code == 201 and body["new"] == 1 and body["rejected"] == 1
    assert body["problems"][0]["field"] == "cd_pkr"


def test_unknown_fields_are_refused(client, token) -> None:  # type: ignore[no-untyped-def]
    response = push(client, token, [declaration_row(colour="red")])
    assert response.status_code == 422
    assert response.get_json()["error"]["problems"][0]["field"] == "colour"


@pytest.mark.parametrize("body, status", [
    (b"{not json", 400), (b'{"items": "x"}', 400), (b'{"items": []}', 422),
])
def test_malformed_bodies(client, token, body, status) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/declarations", data=body,
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == status


def test_more_than_ten_thousand_items_is_413(client, token) -> None:  # type: ignore[no-untyped-def]
    items = [{"gd_number": "X", "item_no": i} for i in range(1, 10_002)]
    assert push(client, token, items).status_code == 413


def test_a_token_is_required_and_a_browser_session_is_not_enough(client, logged_in) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/api/v1/declarations", json={"items": []}).status_code == 401
    logged_in(Role.ADMINISTRATOR)
    assert client.post("/api/v1/declarations", json={"items": []}).status_code == 401


def test_wrong_scope_and_revoked_tokens_are_refused(client, app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = get_session()
        reader, reader_plain = issue_api_token(session, "reader", ["declarations:read"])
        writer, writer_plain = issue_api_token(session, "writer", ["declarations:write"])
        revoke_api_token(session, writer.id)
        session.commit()
    assert push(client, reader_plain, [declaration_row()]).status_code == 403
    assert push(client, writer_plain, [declaration_row()]).status_code == 401
    assert push(client, "pca_not-a-token", [declaration_row()]).status_code == 401


def test_a_list_with_a_fraction_in_a_cell_is_refused_by_name_not_a_server_error(  # type: ignore[no-untyped-def]
        client, app, token) -> None:
    # Found by the fuzzer: [1.5] became a Decimal inside a list, which json.dumps refused (500).
    items = [declaration_row(item_no=1)]
    items[0]["quantity"] = [1.5, {"x": 2.25}]
    response = push(client, token, items)
    assert response.status_code == 422, response.get_data(as_text=True)
    (problem,) = response.get_json()["error"]["problems"]
    assert problem["field"] == "quantity" and "1.5" in problem["value"]
    assert items_in_db(app) == 0


def test_a_body_nested_too_deeply_is_a_bad_request(client, app, token) -> None:  # type: ignore[no-untyped-def]
    body = "[" * 100_000 + "]" * 100_000
    response = client.post("/api/v1/declarations", data=body,
                           headers={"Authorization": f"Bearer {token}",
                                    "Content-Type": "application/json"})
    assert response.status_code == 400
    assert "nested too deeply" in response.get_json()["error"]["message"]
