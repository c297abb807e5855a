"""The pages work under the Content-Security-Policy: chromium opens every page a role can reach
without arguments and reports no CSP violation (a blocked script or style would show here
long before a user noticed a dead button)."""
from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from audit_app.auth import ANY_LOGGED_IN_USER, PERMISSION_ATTR
from audit_app.auth.permissions import PERMISSIONS
from audit_app.models import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

WATCH_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
    e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def _pages_for(app: Flask, role: Role) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.arguments or rule.endpoint == "static":
            continue
        action = getattr(app.view_functions[rule.endpoint], PERMISSION_ATTR, None)
        if action == ANY_LOGGED_IN_USER or (action in PERMISSIONS
                                            and role in PERMISSIONS[action]):
            if not rule.rule.startswith("/api/") and "." not in rule.rule.rsplit("/", 1)[-1]:
                urls.append(rule.rule)
    return sorted(urls)


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.SUPERVISOR, Role.AUDITOR,
                                  Role.MANAGEMENT])
def test_no_page_breaks_the_content_security_policy(app: Flask, live_server: str,
                                                    page: Any, make_user, role: Role) -> None:
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text)
            if "Content Security Policy" in m.text else None)
    page.add_init_script(WATCH_VIOLATIONS)
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", make_user(role))
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    visited = []
    for url in _pages_for(app, role):
        response = page.goto(f"{live_server}{url}")
        page.wait_for_load_state("networkidle")
        visited.append((url, response.status if response else None))
        messages += [f"{url}: {v}" for v in page.evaluate("window.__csp")]
    # A page that needs query arguments may answer 4xx here; refusals and errors may not.
    assert visited and [v for v in visited if v[1] in (401, 403) or v[1] >= 500] == []
    assert messages == []
