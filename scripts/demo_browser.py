"""What the demo walkthrough scripts (`scripts/walk_demo_*.py`) share: the demo password, a
step printer, logging in as a demo user, and a headless chromium (Debian's, never a
downloaded one)."""
from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

PASSWORD = "pca-demo-2026"
CHROMIUM = "/usr/bin/chromium"


def step(text: str) -> None:
    print(f"- {text}", flush=True)


def log_in(page: Any, base: str, username: str) -> None:
    """Log in as `username`, after the last navigation finished (a late response would set the
    previous user's session cookie again)."""
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation")).to_be_visible()
