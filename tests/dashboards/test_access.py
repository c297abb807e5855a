"""Who may open the dashboards, and over which directorates."""
from __future__ import annotations

import json
import re

import dash
import pytest
from flask.testing import FlaskClient

from audit_app.models import Role
from tests.conftest import login

PAGES = ["/dashboards/", "/dashboards/performance/", "/dashboards/risk/", "/dashboards/revenue/",
         "/dashboards/performance/_dash-layout", "/dashboards/export/performance/stages.csv"]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_is_sent_to_login(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADJUDICATION_OFFICER, Role.RECOVERY_OFFICER,
                                  Role.APPELLATE_OFFICER, Role.ADMINISTRATOR])
@pytest.mark.parametrize("path", PAGES)
def test_roles_without_dashboards_get_403(logged_in, role: Role, path: str) -> None:  # type: ignore[no-untyped-def]
    assert logged_in(role).get(path).status_code == 403


@pytest.mark.parametrize("role", [Role.MANAGEMENT, Role.COMMITTEE_MEMBER, Role.SUPERVISOR])
def test_permitted_roles_open_every_dashboard(logged_in, role: Role) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(role)
    for path in PAGES:
        assert client.get(path).status_code == 200, path


def test_supervisor_without_directorate_is_refused(client: FlaskClient, make_user) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user(Role.SUPERVISOR, username="nodir", directorate=None))
    assert client.get("/dashboards/performance/").status_code == 403


def test_page_is_the_systems_layout_with_local_scripts_only(logged_in) -> None:  # type: ignore[no-untyped-def]
    response = logged_in(Role.MANAGEMENT).get("/dashboards/performance/")
    html = response.get_data(as_text=True)
    assert 'data-testid="current-user"' in html  # the app's own header, navigation included
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    for attributes, body in scripts:
        # Only external files from this server, and Dash's JSON config (data, not code).
        assert ('type="application/json"' in attributes) or (body.strip() == "" and "src=" in attributes), attributes
        src = re.search(r'src="([^"]+)"', attributes)
        assert src is None or src[1].startswith("/"), src
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    cookie = response.headers.get("Set-Cookie", "")
    assert "_csrf_token=" in cookie and "Path=/dashboards/" in cookie


def test_dash_scripts_are_served_by_the_app(logged_in) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(Role.MANAGEMENT)
    html = client.get("/dashboards/risk/").get_data(as_text=True)
    for src in re.findall(r'<script[^>]*src="([^"]+)"', html):
        assert client.get(src).status_code == 200, src


def test_callbacks_carry_the_csrf_token_of_the_cookie(migrated_url: str, tmp_path, make_user) -> None:  # type: ignore[no-untyped-def]
    """dash-renderer sends the `_csrf_token` cookie back as X-CSRFToken; without it, 400."""
    from audit_app import create_app
    from tests.conftest import _config
    make_user(Role.MANAGEMENT, username="boss")
    app = create_app(_config(migrated_url, tmp_path / "csrf") | {"WTF_CSRF_ENABLED": True})
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    client.post("/login", data={"username": "boss", "password": "correct-horse-battery",
                                "csrf_token": token})
    assert client.get("/dashboards/performance/").status_code == 200
    cookie = client.get_cookie("_csrf_token", path="/dashboards/")
    assert cookie is not None
    body = _update_request(app, "performance", ["2026", None, None, None, None])
    refused = client.post("/dashboards/performance/_dash-update-component", json=body)
    assert refused.status_code == 400 and b"CSRF" in refused.data
    allowed = client.post("/dashboards/performance/_dash-update-component", json=body,
                          headers={"X-CSRFToken": cookie.value})
    assert allowed.status_code == 200, allowed.data
    assert allowed.json["response"]["perf-started-value"]["children"] == "0"
    app.extensions["pca_db"].engine.dispose()


def _update_request(app, slug: str, values: list) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """The JSON dash-renderer posts for a dashboard's main callback (the filters' values)."""
    dash_app = app.extensions["pca_dashboards"][slug]
    key = next(k for k in dash_app.callback_map if "-started-value" in k or "-coverage-value" in k)
    outputs = [dict(zip(("id", "property"), part.rsplit(".", 1)))
               for part in key.strip(".").split("...")]
    inputs = [{**spec, "value": v} for spec, v in zip(dash_app.callback_map[key]["inputs"], values)]
    return {"output": key, "outputs": outputs, "inputs": inputs, "changedPropIds": []}


def test_page_config_is_dashs_own_with_the_layout_serialized_once(logged_in, app) -> None:  # type: ignore[no-untyped-def]
    """The page's `_dash-config` holds what Dash itself would write, the validation layout
    spliced in from its JSON kept since mounting, and a fresh per-load token each time."""
    client = logged_in(Role.MANAGEMENT)
    configs = []
    for _ in range(2):
        html = client.get("/dashboards/performance/").get_data(as_text=True)
        found = re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>',
                          html, re.S)
        assert found
        configs.append(json.loads(found[1]))
    first, second = configs
    assert first["end_id"] != second["end_id"]
    dash_app = app.extensions["pca_dashboards"]["performance"]
    with app.test_request_context("/dashboards/performance/"):
        dashs_own = dash.Dash._generate_config_html(dash_app)  # Dash's method, not ours
    expected = json.loads(re.search(r">(.*)</script>", dashs_own, re.S)[1])
    assert len(first["validation_layout"]["props"]["children"]) > 3
    assert ({k: v for k, v in first.items() if k != "end_id"}
            == {k: v for k, v in expected.items() if k != "end_id"})
