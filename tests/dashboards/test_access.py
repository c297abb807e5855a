"""Who may open the dashboards, and over which directorates."""
from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from audit_app.models import Role
from tests.conftest import login

PAGES = ["/dashboards/", "/dashboards/performance/", "/dashboards/risk/",
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
