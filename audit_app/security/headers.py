"""Security headers on every response, and the Content-Security-Policy the pages run under.

Scripts: only files served from this origin, plus inline scripts whose SHA-256 a part of the app
registered (Dash's renderer bootstrap and clientside callbacks: `register_script_hashes(app,
dash_app.csp_hashes())`) or that carry this response's nonce (`{{ csp_nonce() }}` in a
template). No 'unsafe-inline' and no 'unsafe-eval' for scripts.

Styles: 'self' and 'unsafe-inline'. Needed because the templates use `style="..."` attributes,
and bpmn-js (case diagrams) and plotly (Dash graphs) write style attributes and <style>
elements at run time; CSP has no hash for an attribute set by a script. Inline CSS cannot run
script; what it could still do (exfiltrate by loading URLs) is stopped by img-src, font-src and
connect-src being 'self'.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterable

from flask import Flask, Response, current_app, g, request

SCRIPT_HASHES = "pca_csp_script_hashes"

PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), "
                      "magnetometer=(), microphone=(), payment=(), usb=(), interest-cohort=()")
HSTS = "max-age=31536000; includeSubDomains"


def register_script_hashes(app: Flask, hashes: Iterable[str]) -> None:
    """Allow inline scripts with these CSP hashes (`'sha256-...'`), e.g. Dash's csp_hashes()."""
    app.extensions.setdefault(SCRIPT_HASHES, set()).update(hashes)


def csp_nonce() -> str:
    """This response's script nonce, for the rare template that needs an inline script."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return str(g.csp_nonce)


def content_security_policy() -> str:
    hashes = current_app.extensions.get(SCRIPT_HASHES, ())
    if "csp_nonce" not in g:  # most responses: the same policy every time, built once
        cached = current_app.extensions.get(_CSP_CACHE)
        if cached is not None and cached[0] == len(hashes):
            return cached[1]
        policy = _policy(["'self'", *sorted(hashes)])
        current_app.extensions[_CSP_CACHE] = (len(hashes), policy)
        return policy
    return _policy(["'self'", *sorted(hashes), f"'nonce-{g.csp_nonce}'"])


_CSP_CACHE = "pca_csp_without_nonce"  # (number of script hashes it was built with, policy)


def _policy(scripts: list[str]) -> str:
    directives = {
        "default-src": "'self'",
        "script-src": " ".join(scripts),
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data:",
        "font-src": "'self' data:",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{k} {v}" for k, v in directives.items())


def _secure_transport() -> bool:
    return bool(current_app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


# Every response's headers, unless the response set its own (the policy is built per app).
_FIXED_HEADERS = (("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
                  ("Referrer-Policy", "same-origin"), ("Permissions-Policy", PERMISSIONS_POLICY),
                  ("Cross-Origin-Opener-Policy", "same-origin"),
                  ("Cross-Origin-Resource-Policy", "same-origin"))


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    # What the response set itself, read once: a `setdefault` per header scanned them all
    # each time (about 1 % of the server's CPU under the load mix).
    present = {name.lower() for name in headers.keys()}
    if "content-security-policy" not in present:
        headers.add("Content-Security-Policy", content_security_policy())
    headers.extend([(name, value) for name, value in _FIXED_HEADERS
                    if name.lower() not in present])
    if _secure_transport() and "strict-transport-security" not in present:
        headers.add("Strict-Transport-Security", HSTS)
    # Case pages and API answers hold taxpayer data: no copy in shared or back-button caches.
    # Static files and anything that set its own caching (Dash's fingerprinted assets) keep it.
    if request.endpoint != "static" and "cache-control" not in present:
        headers.add("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
    app.add_template_global(csp_nonce, "csp_nonce")
