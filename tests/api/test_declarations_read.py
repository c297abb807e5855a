"""GET /api/v1/declarations/<gd>: one declaration as JSON, for a session or a machine token."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from audit_app.auth.service import issue_api_token
from audit_app.models import Role
from tests.factories import amend_item, make_declaration, make_importer

GD = "KAPW-HC-104233-12032025"


@pytest.fixture
def stored(session):  # type: ignore[no-untyped-def]
    importer = make_importer(session, ntn="1234567-8", name="Indus Polymers (Pvt) Ltd")
    gd = make_declaration(
        session, GD, gd_date=dt.date(2025, 3, 12), channel="YELLOW", importer=importer,
        agent="CHAL-0042",
        items=[{"hs_code": "84713010", "description": "Laptop computers, Core i5",
                "origin_country": "CN", "quantity": 100, "unit": "U",
                "invoice_value": Decimal(35_000), "exchange_rate": Decimal("278.50"),
                "fta_code": "CPFTA", "attributes": {"x_container": "MSKU1234565"}},
               {"hs_code": "39011000", "description": "LDPE granules", "origin_country": "SA",
                "quantity": 20_000, "unit": "KG", "gross_weight_kg": None,
                "invoice_value": Decimal(22_400), "exchange_rate": Decimal("278.50")}])
    amend_item(session, gd, 1, invoice_value=Decimal(41_000))
    session.commit()
    return gd


def test_a_logged_in_user_reads_a_declaration(logged_in, stored) -> None:  # type: ignore[no-untyped-def]
    response = logged_in(Role.AUDITOR).get(f"/api/v1/declarations/{GD}")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert {k: body[k] for k in ("gd_number", "gd_date", "collectorate", "channel",
                                 "importer", "agent_code")} == {
        "gd_number": GD, "gd_date": "2025-03-12", "collectorate": "KAPW", "channel": "YELLOW",
        "importer": {"ntn": "1234567-8", "name": "Indus Polymers (Pvt) Ltd"},
        "agent_code": "CHAL-0042"}
    # Money travels as decimal strings, never as floats.
    assert Decimal(body["declared_value_pkr"]) == 11_418_500 + 6_238_400
    assert Decimal(body["duty_paid_pkr"]) == stored.duty_paid_pkr
    assert [i["item_no"] for i in body["items"]] == [1, 2]
    first, second = body["items"]
    assert first["version"] == 2 and second["version"] == 1
    assert first["hs_code"] == "84713010" and first["fta_code"] == "CPFTA"
    assert first["attributes"] == {"x_container": "MSKU1234565"}
    assert Decimal(first["invoice_value"]) == 41_000
    levies = {c: Decimal(first[c]) for c in ("cd_pkr", "rd_pkr", "acd_pkr", "st_pkr", "ast_pkr",
                                            "it_pkr")}
    assert levies == {"cd_pkr": 2_283_700, "rd_pkr": 0, "acd_pkr": 228_370,
                      "st_pkr": 2_507_503, "ast_pkr": 417_917, "it_pkr": 927_079}
    assert all(isinstance(first[c], str) for c in levies)
    assert second["gross_weight_kg"] is None and second["attributes"] == {}


def test_an_unknown_declaration_is_a_404_json_error(logged_in) -> None:  # type: ignore[no-untyped-def]
    response = logged_in(Role.AUDITOR).get("/api/v1/declarations/NOPE-HC-1")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.get_json() == {"error": {"code": "not_found",
                                             "message": "No declaration 'NOPE-HC-1'."}}


def test_a_committee_member_may_not_read_declarations_over_the_api(logged_in, stored) -> None:  # type: ignore[no-untyped-def]
    """The same rule as the declaration page: the API is no way around the role matrix."""
    response = logged_in(Role.COMMITTEE_MEMBER).get(f"/api/v1/declarations/{GD}")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_a_machine_token_reads_a_declaration(client, session, stored) -> None:  # type: ignore[no-untyped-def]
    _, plain = issue_api_token(session, "clearance system", ["declarations:write"])
    session.commit()
    response = client.get(f"/api/v1/declarations/{GD}",
                          headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 200
    assert response.get_json()["gd_number"] == GD


def test_without_credentials_the_api_answers_401_json(client, stored) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/api/v1/declarations/{GD}")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
