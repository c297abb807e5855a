"""The risk screens: who may open what, the forms' server-side validation, CSRF tokens in every
form, and scores with reasons on the declaration page (Flask test client)."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from audit_app.auth.permissions import allowed
from audit_app.models import AuditProposal, RiskRuleSet, Role
from audit_app.risk.rule_service import export_rule_set, get_rule_set, import_rule_set, install_starter
from tests.conftest import login
from tests.factories import make_declaration, make_importer
from tests.risk.riskdata import make_formations, make_score_run
from tests.risk.riskdata import own_factory_serials  # noqa: F401  (autouse)
from tests.web.test_declarations_pages import text_of
from workflows.deadlines import seed_defaults

GD = "KAPW-HC-555001-01062025"

ROUTES = [  # (method, path, action that must allow it)
    ("GET", "/risk/", "risk.view"),
    ("GET", "/risk/monitoring", "risk.view"),
    ("GET", "/risk/rules", "risk.view"),
    ("GET", "/risk/rules?version=1", "risk.view"),
    ("GET", "/api/v1/risk/scores", "risk.view"),
    ("GET", "/risk/selection", "risk.select"),
    ("POST", "/risk/selection", "risk.select"),
    ("POST", "/risk/proposals/{proposal}/decision", "risk.select"),
    ("POST", "/risk/rules/draft", "risk.rules.edit"),
    ("GET", "/risk/rules/draft", "risk.rules.edit"),
    ("GET", "/risk/rules/draft/new", "risk.rules.edit"),
    ("POST", "/risk/rules/draft/new", "risk.rules.edit"),
    ("GET", "/risk/rules/draft/{rule}", "risk.rules.edit"),
    ("POST", "/risk/rules/draft/{rule}", "risk.rules.edit"),
    ("POST", "/risk/rules/draft/validate", "risk.rules.edit"),
    ("POST", "/risk/rules/draft/{rule}/delete", "risk.rules.edit"),
    ("POST", "/risk/rules/2/activate", "risk.rules.edit"),
    ("POST", "/risk/rules/draft/discard", "risk.rules.edit"),
]


@pytest.fixture
def scored(session) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A two-item GD at KAPW (PCA-S), item 1 scored with reasons, a proposal, the starter rules
    active and a draft (version 2)."""
    make_formations(session)
    importer = make_importer(session, ntn="4455667-1", name="Crescent Solar (Pvt) Ltd")
    gd = make_declaration(session, GD, gd_date=dt.date(2025, 6, 1), importer=importer, items=2)
    other = make_declaration(session, importer=make_importer(session, ntn="1112223-4",
                                                             name="Ravi Textile Mills Ltd"))
    run = make_score_run(session, [
        (gd.items[0], 0.62, "1234567.4", ["Unit value 62% below the median of 412 earlier "
                                          "imports of 85044090 from CN"], ["UV-LOW-ORIGIN"]),
        (other.items[0], 0.2, 50_000, ["Gross weight 83% above the usual"], ["QT-WEIGHT-HIGH"])])
    install_starter(session)
    seed_defaults(session)  # deadline rules: an approved proposal opens a case at once
    draft, _ = import_rule_set(session, export_rule_set(get_rule_set(session, 1)))
    proposal = AuditProposal(run_id=run.id, importer_id=importer.id, directorate_code="PCA-S",
                             basis="risk", status="proposed", expected_short_levy_pkr=Decimal(1),
                             items_count=0, reason="test", created_by="test")
    session.add(proposal)
    session.commit()
    return {"proposal": proposal.id, "rule": draft.rules[0].id, "run": run.id}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_on_each_risk_route(client, make_user, scored, role: Role) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user(role, directorate=None))
    wrong = []
    for method, path, action in ROUTES:
        url = path.format(**scored)
        response = client.open(url, method=method, data={})
        may = allowed(frozenset({role}), action)
        if (response.status_code == 403) is may or response.status_code >= 500:
            wrong.append(f"{method} {url}: {response.status_code} (allowed: {may})")
    assert wrong == []


def test_the_navigation_shows_risk_to_the_roles_that_may_see_it(client, make_user) -> None:  # type: ignore[no-untyped-def]
    for role in Role:
        client.post("/logout")
        login(client, make_user(role, username=f"nav_{role.value}"))
        page = client.get("/").get_data(as_text=True)
        assert ('href="/risk/"' in page) is allowed(frozenset({role}), "risk.view"), role


def test_every_form_carries_a_csrf_token(logged_in, scored) -> None:  # type: ignore[no-untyped-def]
    pages = {Role.SUPERVISOR: ["/risk/selection"],
             Role.ADMINISTRATOR: ["/risk/rules", "/risk/rules/draft", "/risk/rules/draft/new",
                                  f"/risk/rules/draft/{scored['rule']}"]}
    for role, paths in pages.items():
        client = logged_in(role)
        for path in paths:
            page = client.get(path).get_data(as_text=True)
            forms = re.findall(r"<form[^>]*method=\"post\".*?</form>", page, re.S)
            assert forms, path
            assert all('name="csrf_token"' in f for f in forms), path
        client.post("/logout")


# --------------------------------------------------------------------------- top scores

def test_top_scores_list_the_run_best_first_with_reasons(logged_in, scored) -> None:  # type: ignore[no-untyped-def]
    text = text_of(logged_in(Role.AUDITOR).get("/risk/"))
    assert "Run %d" % scored["run"] in text
    first, second = text.index(GD), text.index("Ravi Textile")
    assert first < second
    assert "Rs 1,234,567 Unit value 62% below the median of 412" in text
    assert "62.0%" in text


def test_with_no_scoring_run_the_page_says_how_to_get_one(logged_in) -> None:  # type: ignore[no-untyped-def]
    assert "No scoring run yet" in text_of(logged_in(Role.MANAGEMENT).get("/risk/"))


# --------------------------------------------------------------------------- selection

def test_a_supervisor_selects_and_decides(client, make_user, scored, session) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user(Role.SUPERVISOR, directorate="PCA-S"))
    response = client.post("/risk/selection", data={"capacity": "5", "random_share": "0",
                                                     "seed": "3", "directorate": ""})
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]))
    assert "1 audit proposals (seed 3)" in page  # Crescent is already proposed; Ravi remains
    assert "Ranked 1 of 1 importers by expected recovery Rs 50,000 over 1 item" in page
    created = session.scalar(select(AuditProposal).where(AuditProposal.id != scored["proposal"]))
    assert created.directorate_code == "PCA-S" and created.created_by == "supervisor"

    response = client.post(f"/risk/proposals/{created.id}/decision",
                           data={"decision": "reject", "note": ""})
    assert response.status_code == 422
    assert "required when rejecting" in text_of(response)
    response = client.post(f"/risk/proposals/{created.id}/decision",
                           data={"decision": "approve", "note": "Field audit in Q3"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/tasks/")
    page = text_of(client.get("/risk/selection"))
    assert "approved by Supervisor" in page and "Field audit in Q3" in page
    assert "Case PCA-S/" in page  # the approved proposal became a case
    again = client.post(f"/risk/proposals/{created.id}/decision", data={"decision": "reject",
                                                                         "note": "x"})
    assert again.status_code == 409 and "already converted" in text_of(again)


@pytest.mark.parametrize("form, field, message", [
    ({"capacity": ""}, "capacity", "required"),
    ({"capacity": "0"}, "capacity", "a whole number of audits from 1 to 1000"),
    ({"capacity": "5", "random_share": "2"}, "random_share", "a share from 0 to 1"),
    ({"capacity": "5", "seed": "x"}, "seed", "a whole number"),
    ({"capacity": "5", "directorate": "PCA-C"}, "directorate",
     "you select for your directorate (PCA-S)"),
])
def test_selection_form_errors_are_shown_next_to_the_field(client, make_user, scored, form,  # type: ignore[no-untyped-def]
                                                           field: str, message: str) -> None:
    login(client, make_user(Role.SUPERVISOR, directorate="PCA-S"))
    response = client.post("/risk/selection", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    found = re.search(rf'id="{field}-error">([^<]*)<', page)
    assert found and message in found.group(1)
    assert f'value="{form.get("capacity", "")}"' in page  # what was typed stays


def test_selection_without_scores_explains(client, make_user, session) -> None:  # type: ignore[no-untyped-def]
    make_formations(session)
    session.commit()
    login(client, make_user(Role.SUPERVISOR, directorate=None))
    response = client.post("/risk/selection", data={"capacity": "3"})
    assert response.status_code == 404
    assert "run `pca risk score` first" in text_of(response)


def test_an_unknown_decision_is_refused(logged_in, scored) -> None:  # type: ignore[no-untyped-def]
    response = logged_in(Role.SUPERVISOR).post(f"/risk/proposals/{scored['proposal']}/decision",
                                               data={"decision": "maybe"})
    assert response.status_code == 422 and "Choose approve or reject" in text_of(response)


# --------------------------------------------------------------------------- rules

def test_rule_form_shows_the_syntax_error_next_to_the_field(logged_in, scored, session) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(Role.ADMINISTRATOR)
    form = {"code": "UV-NEW", "name": "New rule", "description": "d", "fraud_kind": "OTHER",
            "condition": "unit_value_ratio < 0.5 and hs_code.startswith('85')",
            "reason": "Unit value {unit_value_ratio:pct_below} below", "weight": "0.3",
            "owner": "Risk unit", "valid_from": "2025-01-01", "valid_to": ""}
    response = client.post("/risk/rules/draft/new", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="condition-error">column 28: attribute access \(.startswith\)', page)
    assert "hs_code.startswith(&#39;85&#39;)" in page  # the text typed is kept
    assert session.scalar(select(RiskRuleSet).where(RiskRuleSet.version == 2)).rules[0].code != \
        "UV-NEW"

    form["condition"] = "unit_value_ratio < 0.5 and chapter == '85'"
    response = client.post("/risk/rules/draft/new", data=form)
    assert response.status_code == 302
    assert "UV-NEW" in text_of(client.get("/risk/rules/draft"))


def test_a_broken_draft_is_not_activated_and_says_where(logged_in, scored, session) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(Role.ADMINISTRATOR)
    draft = session.scalar(select(RiskRuleSet).where(RiskRuleSet.version == 2))
    broken = next(r for r in draft.rules if r.code == "OI-HIGH")
    broken.condition = "unit_value_ratio > 3 and lambda: 1"
    session.commit()
    response = client.post("/risk/rules/2/activate")
    assert response.status_code == 422
    text = text_of(response)
    assert "Rule set version 2 has 1 rule error(s); nothing was changed." in text
    assert "condition, column 26: not a valid expression (invalid syntax)" in text
    session.expire_all()
    assert {s.version: s.status for s in session.scalars(select(RiskRuleSet))} == \
        {1: "active", 2: "draft"}

    response = client.post("/risk/rules/draft/validate")
    assert response.status_code == 422 and "1 rule error(s)" in text_of(response)


def test_an_administrator_edits_validates_and_activates(logged_in, scored, session) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(Role.ADMINISTRATOR)
    edit = client.get(f"/risk/rules/draft/{scored['rule']}")
    assert edit.status_code == 200 and "The rule language" in text_of(edit)
    assert client.post("/risk/rules/draft/validate").status_code == 200
    assert client.post(f"/risk/rules/draft/{scored['rule']}/delete").status_code == 302
    response = client.post("/risk/rules/2/activate")
    assert response.status_code == 302
    page = text_of(client.get("/risk/rules"))
    assert "Rule set version 2 is now active" in page
    assert "Rules of version 2 (active)" in page and "11 " in page
    assert client.post("/risk/rules/1/activate").status_code == 302  # roll back
    assert client.post("/risk/rules/draft").status_code == 302
    assert client.post("/risk/rules/draft/discard").status_code == 302


# --------------------------------------------------------------------------- declaration page

def test_the_declaration_page_shows_scores_and_reasons(logged_in, scored) -> None:  # type: ignore[no-untyped-def]
    response = logged_in(Role.AUDITOR).get(f"/declarations/{GD}")
    page = response.get_data(as_text=True)
    risk = re.search(r'<table class="data" data-testid="risk">(.*?)</table>', page, re.S)
    assert risk, "the risk table is shown"
    text = text_of(type("R", (), {"get_data": lambda self, as_text: risk.group(1)})())
    assert "62.0% Rs 2,469,135 Rs 1,234,567 Unit value 62% below the median of 412 earlier " \
           "imports of 85044090 from CN" in text
    assert "Not scored yet." in text  # item 2


def test_roles_without_risk_view_do_not_see_scores(logged_in, scored) -> None:  # type: ignore[no-untyped-def]
    response = logged_in(Role.ADJUDICATION_OFFICER).get(f"/declarations/{GD}")
    assert response.status_code == 200
    assert 'data-testid="risk"' not in response.get_data(as_text=True)
    assert "Unit value 62%" not in text_of(response)
