"""HTML screens: the layout, the home page per role, and the feature blueprints."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import Blueprint, Flask, render_template
from flask_login import current_user

from ..auth import any_logged_in_user
from ..auth.permissions import allowed
from ..models.user import ROLE_LABELS

bp = Blueprint("web", __name__)

# (endpoint, label, action that must be allowed) — the navigation each role sees.
NAVIGATION: list[tuple[str, str, str]] = [
    ("tasks.queue", "Work queue", "tasks.work"),
    ("cases.index", "Cases", "cases.view"),
    ("adjudication.docket", "Adjudication", "adjudication.view"),
    ("recovery.index", "Recovery", "recovery.view"),
    ("declarations.browse", "Declarations", "declarations.view"),
    ("risk.index", "Risk", "risk.view"),
    ("dashboards.index", "Dashboards", "dashboards.view"),
    ("disputes.docket", "Disputes", "disputes.docket"),
]


def rupees(value: Any) -> str:
    """`Rs 11,736,808`: whole rupees, half up, as customs documents show them."""
    if value is None or value == "":
        return ""
    amount = Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    return f"{sign}Rs {abs(amount):,}"


def number(value: Any, places: int = 2) -> str:
    if value is None or value == "":
        return ""
    quant = Decimal(1).scaleb(-places)
    return f"{Decimal(value).quantize(quant, rounding=ROUND_HALF_UP):,}"


@bp.get("/")
@any_logged_in_user
def home():  # type: ignore[no-untyped-def]
    return render_template("home.html")


def _navigation() -> dict[str, Any]:
    if not current_user.is_authenticated:
        return {"navigation": [], "role_labels": ROLE_LABELS}
    roles = current_user.role_set
    items = [(ep, label) for ep, label, action in NAVIGATION if allowed(roles, action)]
    return {"navigation": items, "role_labels": ROLE_LABELS}


def init_app(app: Flask) -> None:
    from . import declarations, disputes, documents, risk
    from . import audit_tasks, cases, tasks  # noqa: F401  (audit_tasks registers the audit forms)
    from . import adjudication

    app.register_blueprint(bp)
    app.register_blueprint(declarations.bp)
    app.register_blueprint(risk.bp)
    app.register_blueprint(cases.bp)
    app.register_blueprint(tasks.bp)
    from . import recovery as recovery_screens
    recovery_screens.init_app(app)
    app.register_blueprint(adjudication.bp)
    documents.init_app(app)
    from . import evidence
    evidence.init_app(app)
    app.register_blueprint(disputes.bp)
    app.context_processor(_navigation)
    app.add_template_filter(rupees, "rupees")
    app.add_template_filter(number, "number")
