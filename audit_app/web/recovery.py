"""The recovery officer's screens: the demands of their office (overdue first) and each case's
recovery page (position, payments, stays, enforcement steps, the ledger entry by entry).

Handlers are thin: parse, call `services.recovery`, commit once, redirect or re-render with the
errors next to their fields. The case page's `cases/_demand_history.html` partial reads the
same history through the `recovery_history(case)` template function registered here.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..auth import permission_required
from ..auth.permissions import allowed
from ..db import get_session
from ..errors import DomainError, ValidationFailed
from ..models import AuditCase, LedgerEntry, OpenTask, Stay, User
from ..models.ledger import ACCOUNT_LABELS, LEVY_LABELS
from ..models.recovery import ENFORCEMENT_LABELS
from ..services import case_queries, recovery
from .tasks import clock

bp = Blueprint("recovery", __name__, url_prefix="/recovery")

KIND_LABELS = {
    "findings_approved": "Findings approved", "observation_issued": "Audit observation issued",
    "voluntary_payment": "Voluntary payment", "demand_raised": "Demand raised (order stands)",
    "order_in_original": "Order-in-original", "payment": "Payment", "stay_ordered": "Stay ordered",
    "stay_lifted": "Stay lifted", "stay_released_by_order": "Stay released by the order",
    "reversal": "Reversal", "appeal_reduced": "Reduced on appeal", "appeal_upheld": "Upheld on appeal",
    "set_aside_on_appeal": "Set aside on appeal", "adr_settled": "Settled by ADR",
    "remanded": "Remanded", "demand_changed": "Demand changed",
}


def _may(action: str) -> bool:
    return allowed(current_user.role_set, action)


@bp.get("/")
@permission_required("recovery.view")
def index():  # type: ignore[no-untyped-def]
    session = get_session()
    closed = request.args.get("show") == "all"
    rows = recovery.demand_list(session, current_user, clock=clock(), include_closed=closed)
    return render_template("recovery/index.html", rows=rows, closed=closed,
                           totals={k: sum((getattr(r, k) for r in rows), Decimal(0))
                                   for k in ("demanded", "paid", "stayed", "outstanding")})


@bp.get("/<int:case_id>")
@permission_required("recovery.view")
def show(case_id: int):  # type: ignore[no-untyped-def]
    return _render_case(case_id)


def _render_case(case_id: int, *, status: int = 200, **forms: Any):  # type: ignore[no-untyped-def]
    session = get_session()
    case = recovery.get_case(session, case_id, current_user)
    task = session.scalars(select(OpenTask).where(OpenTask.case_id == case.id,
                                                  OpenTask.lane == "recovery_officer")).first()
    running = recovery.running_instance(session, case.id) is not None
    context = {"payment": {}, "payment_errors": {}, "stay": {}, "stay_errors": {},
               "problem": None, **forms}
    return render_template("recovery/show.html", case=case, h=recovery.history(session, case.id),
                           task=task, running=running, forums=recovery.FORUMS,
                           may_record=_may("recovery.record"), may_stay=_may("recovery.stays"),
                           **context), status


@bp.post("/<int:case_id>/payments")
@permission_required("recovery.record")
def record_payment(case_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    typed = {k: v for k, v in request.form.items() if k != "csrf_token"}
    try:
        entry = recovery.record_payment(session, case_id, typed, actor=current_user,
                                        clock=clock())
    except ValidationFailed as exc:
        session.rollback()
        return _render_case(case_id, status=422, payment=typed, payment_errors=exc.details or {},
                            problem=exc.message)
    except DomainError as exc:
        session.rollback()
        return _render_case(case_id, status=exc.status, payment=typed, problem=exc.message)
    session.commit()
    flash(f"Payment of Rs {entry.amount_pkr:,.0f} ({LEVY_LABELS[entry.levy].lower()}, challan "
          f"{entry.reference}) recorded.", "info")
    return redirect(url_for("recovery.show", case_id=case_id))


@bp.post("/<int:case_id>/stays")
@permission_required("recovery.stays")
def record_stay(case_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    typed = {k: v for k, v in request.form.items() if k != "csrf_token"}
    errors: dict[str, str] = {}
    granted = _date(typed, "granted_on", errors)
    until = _date(typed, "until", errors) if typed.get("until") else None
    amount = _amount(typed, "amount", errors)
    try:
        case = recovery.get_case(session, case_id, current_user)
        if errors:
            raise ValidationFailed("Stay not recorded.", errors)
        assert granted is not None
        recovery.record_stay(session, case, forum=typed.get("forum", ""), granted_on=granted,
                             until=until, amount=amount, reference=typed.get("order_ref", ""),
                             actor=current_user, clock=clock())
    except ValidationFailed as exc:
        session.rollback()
        return _render_case(case_id, status=422, stay=typed,
                            stay_errors={**errors, **(exc.details or {})}, problem=exc.message)
    session.commit()
    flash("Stay recorded: the stayed amount is not recoverable until the stay is lifted.", "info")
    return redirect(url_for("recovery.show", case_id=case_id))


@bp.post("/stays/<int:stay_id>/lift")
@permission_required("recovery.stays")
def lift_stay(stay_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    errors: dict[str, str] = {}
    lifted = _date(request.form, "lifted_on", errors)
    stay = session.get(Stay, stay_id)
    if stay is None:
        return _not_found()
    case = recovery.get_case(session, stay.case_id, current_user)
    try:
        if errors:
            raise ValidationFailed("Stay not lifted.", errors)
        assert lifted is not None
        recovery.lift_stay(session, stay_id, lifted_on=lifted,
                           reference=request.form.get("reference"), actor=current_user,
                           clock=clock())
    except DomainError as exc:
        session.rollback()
        details = exc.details if isinstance(exc.details, dict) else {}
        return _render_case(case.id, status=exc.status, problem=" ".join(
            [exc.message, *(f"{k.replace('_', ' ')}: {v}." for k, v in details.items())]))
    session.commit()
    flash(f"Stay {stay.order_ref} lifted.", "info")
    return redirect(url_for("recovery.show", case_id=case.id))


@bp.post("/entries/<int:entry_id>/reverse")
@permission_required("recovery.record")
def reverse_payment(entry_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    entry = session.get(LedgerEntry, entry_id)
    if entry is None:
        return _not_found()
    case_id = entry.case_id
    try:
        recovery.reverse_payment(session, entry_id, reason=request.form.get("reason", ""),
                                 actor=current_user, clock=clock())
    except DomainError as exc:
        session.rollback()
        details = exc.details if isinstance(exc.details, dict) else {}
        return _render_case(case_id, status=exc.status, problem=" ".join(
            [exc.message, *(f"{k}: {v}." for k, v in details.items())]))
    session.commit()
    flash(f"Payment {entry.reference} reversed.", "info")
    return redirect(url_for("recovery.show", case_id=case_id))


def _not_found():  # type: ignore[no-untyped-def]
    return render_template("errors/error.html", status=404, message="Not found.",
                           details=None), 404


def _date(form: Any, name: str, errors: dict[str, str]) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(form.get(name) or ""))
    except ValueError:
        errors[name] = "a date (YYYY-MM-DD)"
        return None


def _amount(form: Any, name: str, errors: dict[str, str]) -> Decimal | None:
    try:
        value = Decimal(str(form.get(name) or "").replace(",", ""))
    except InvalidOperation:
        errors[name] = "an amount in rupees"
        return None
    if not value.is_finite():
        errors[name] = "an amount in rupees"
        return None
    return value


def _history_for(case: AuditCase) -> recovery.History:
    return recovery.history(get_session(), case.id)


def _users(ids: Any) -> dict[int, User]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return case_queries.users_by_id(get_session(), wanted)


def _may_view_recovery() -> bool:
    return bool(current_user.is_authenticated and _may("recovery.view"))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def _recovery_helpers() -> dict[str, Any]:
        return {"recovery_history": _history_for, "recovery_users": _users,
                "may_view_recovery": _may_view_recovery,
                "ledger_account_labels": ACCOUNT_LABELS, "levy_labels": LEVY_LABELS,
                "ledger_kind_labels": KIND_LABELS, "enforcement_labels": ENFORCEMENT_LABELS}
