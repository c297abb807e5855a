"""Risk over JSON: `risk` per item on GET /api/v1/declarations/<gd>, and the top list of a run
on GET /api/v1/risk/scores, for sessions by role and for machine tokens by scope."""
from __future__ import annotations

import datetime as dt

import pytest

from audit_app.auth.service import issue_api_token
from audit_app.models import Role
from tests.factories import make_declaration, make_importer
from tests.risk.riskdata import make_formations, make_model, make_score_run
from tests.risk.riskdata import own_factory_serials  # noqa: F401  (autouse)

GD = "KAPW-HC-777001-02062025"


@pytest.fixture
def scored(session):  # type: ignore[no-untyped-def]
    make_formations(session)
    gd = make_declaration(session, GD, gd_date=dt.date(2025, 6, 2), items=2,
                          importer=make_importer(session, ntn="7778889-0", name="Star Impex"))
    lahore = make_declaration(session, collectorate="LAHD", items=1)
    make_score_run(session, [(gd.items[0], 0.4, 10_000, ["old reason"], ["A"])])
    model = make_model(session, "gbm-2025-07")
    run = make_score_run(session, [
        (gd.items[0], 0.75, "250000.4", ["Preference CPFTA claimed, but no rate"], ["OR-NO-PREF-RATE"]),
        (gd.items[1], 0.05, 0, [], []),
        (lahore.items[0], 0.5, 900_000, ["Weight too high"], ["QT-WEIGHT-HIGH"])], model=model)
    session.commit()
    return run


def token(session, *scopes: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _, plain = issue_api_token(session, "dashboards", list(scopes))
    session.commit()
    return {"Authorization": f"Bearer {plain}"}


def test_a_declaration_carries_each_items_latest_risk(logged_in, scored) -> None:  # type: ignore[no-untyped-def]
    body = logged_in(Role.AUDITOR).get(f"/api/v1/declarations/{GD}").get_json()
    first, second = (item["risk"] for item in body["items"])
    assert first == {
        "run_id": scored.id, "probability": 0.75, "rule_score": 0.5,
        "expected_short_levy_pkr": "250000.40", "duty_at_stake_pkr": "500000.80",
        "rules_hit": ["OR-NO-PREF-RATE"], "reasons": ["Preference CPFTA claimed, but no rate"],
        "scored_at": first["scored_at"], "model_version": "gbm-2025-07", "rule_set_version": None}
    assert second["probability"] == 0.05 and second["reasons"] == []


def test_risk_is_left_out_for_those_who_may_not_read_it(logged_in, client, session, scored) -> None:  # type: ignore[no-untyped-def]
    body = logged_in(Role.RECOVERY_OFFICER).get(f"/api/v1/declarations/{GD}").get_json()
    assert "risk" not in body["items"][0]
    client.post("/logout")
    plain = client.get(f"/api/v1/declarations/{GD}", headers=token(session, "declarations:write"))
    assert "risk" not in plain.get_json()["items"][0]
    scoped = client.get(f"/api/v1/declarations/{GD}", headers=token(session, "risk:read"))
    assert scoped.get_json()["items"][0]["risk"]["probability"] == 0.75


def test_an_unscored_item_has_null_risk(logged_in, session) -> None:  # type: ignore[no-untyped-def]
    make_declaration(session, GD)
    session.commit()
    body = logged_in(Role.SUPERVISOR).get(f"/api/v1/declarations/{GD}").get_json()
    assert body["items"][0]["risk"] is None


def test_the_top_scores_of_the_latest_run(logged_in, scored) -> None:  # type: ignore[no-untyped-def]
    body = logged_in(Role.MANAGEMENT).get("/api/v1/risk/scores").get_json()
    assert body["run"]["id"] == scored.id and body["run"]["model_version"] == "gbm-2025-07"
    assert body["run"]["items_scored"] == 3
    assert [(s["gd_number"], s["item_no"]) for s in body["scores"]] == [
        (body["scores"][0]["gd_number"], 1), (GD, 1), (GD, 2)]
    assert [s["expected_short_levy_pkr"] for s in body["scores"]] == ["900000.00", "250000.40",
                                                                      "0.00"]
    assert body["scores"][1]["importer"] == {"ntn": "7778889-0", "name": "Star Impex"}


def test_run_limit_and_directorate_parameters(logged_in, scored) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(Role.AUDITOR)
    assert len(client.get("/api/v1/risk/scores?limit=1").get_json()["scores"]) == 1
    south = client.get("/api/v1/risk/scores?directorate=pca-s").get_json()["scores"]
    assert {s["gd_number"] for s in south} == {GD}
    older = client.get(f"/api/v1/risk/scores?run={scored.id - 1}").get_json()
    assert older["scores"][0]["reasons"] == ["old reason"]
    missing = client.get("/api/v1/risk/scores?run=999")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    bad = client.get("/api/v1/risk/scores?limit=0&run=x")
    assert bad.status_code == 422
    assert bad.get_json()["error"]["details"] == [
        "run: 'x' must be a whole number from 1 to 2147483647",
        "limit: '0' must be a whole number from 1 to 1000"]


def test_no_run_yet_is_an_empty_list(logged_in) -> None:  # type: ignore[no-untyped-def]
    assert logged_in(Role.AUDITOR).get("/api/v1/risk/scores").get_json() == \
        {"run": None, "scores": []}


def test_a_role_without_risk_view_is_refused(logged_in, scored) -> None:  # type: ignore[no-untyped-def]
    assert logged_in(Role.COMMITTEE_MEMBER).get("/api/v1/risk/scores").status_code == 403


def test_scores_need_a_session_or_a_token_with_the_scope(client, session, scored) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/risk/scores").status_code == 401
    refused = client.get("/api/v1/risk/scores", headers=token(session, "declarations:write"))
    assert refused.status_code == 403 and "risk:read" in refused.get_json()["error"]["message"]
    assert client.get("/api/v1/risk/scores", headers=token(session, "risk:read")).status_code == 200
