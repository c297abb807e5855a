"""The appellate / ADR officer's screens: the docket (pending matters by days left to the
decision limit, open filing windows), recording a filing, a decision, an extension of the
Collector (Appeals) limit; and the disputes section of the case page (`cases/_disputes.html`,
which reads `case_disputes(case)`). Views parse, call one service, commit once and redirect,
or re-render with the messages next to the fields (status 422)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from workflows.clock import Clock, SystemClock, local_date
from workflows.deadlines import MissingDeadlineRule

from ..auth import permission_required
from ..auth.permissions import allowed
from ..db import get_session
from ..errors import DomainError, ValidationFailed
from ..models import AuditCase
from ..models.dispute import ADR_OUTCOMES, APPEAL_OUTCOMES, FORUM_LABELS, OUTCOME_LABELS
from ..services import dispute_decisions, dispute_docket, dispute_money, disputes
from ..services.ledger import LEVIES, LEVY_LABELS

bp = Blueprint("disputes", __name__)


def clock() -> Clock:
    """The app's clock (a test or demonstration may put one in app.extensions)."""
    return current_app.extensions.get("pca_clock") or SystemClock()


def _form() -> dict[str, str]:
    return {k: v for k, v in request.form.items() if k != "csrf_token"}


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"case_disputes": case_disputes, "dispute_task": dispute_task,
            "forum_labels": FORUM_LABELS, "outcome_labels": OUTCOME_LABELS}


def case_disputes(case: AuditCase) -> dict[str, Any]:
    """What the case page's disputes section shows."""
    session = get_session()
    today = local_date(clock().now())
    may_record = (current_user.is_authenticated
                  and allowed(current_user.role_set, "disputes.record"))
    try:
        opening = disputes.opening(session, case)
    except DomainError:
        opening = None
    # No "demand" here: neither the case page nor the filing page shows it, and working it out
    # is a ledger query on every case page (`dispute_task` has it for the decision forms).
    return {"rows": disputes.for_case(session, case), "today": today,
            "opening": opening, "may_record": may_record}


def dispute_task(case: AuditCase, element_id: str) -> dict[str, Any]:
    """What the dispute task forms (tasks/forms/decide_*.html, record_further_appeal.html)
    show: the pending matter or the open filing, the demand now, and the form's defaults."""
    session = get_session()
    today = local_date(clock().now())
    demand = dispute_money.demand(session, case)
    history = disputes.for_case(session, case)
    pending = next((d for d in reversed(history) if d.pending
                    and disputes.DECISION_TASK[d.forum] == element_id), None)
    opening = disputes.opening(session, case) if element_id == disputes.FURTHER_TASK else None
    return {"dispute": pending, "last": history[-1] if history else None, "demand": demand,
            "levies": LEVIES, "levy_labels": LEVY_LABELS, "opening": opening,
            "outcomes": ADR_OUTCOMES if element_id == "decide_adr" else APPEAL_OUTCOMES,
            "window_ends": {f: disputes.window_ends(session, f, opening)
                            for f in opening.forums} if opening else {},
            "defaults": _defaults(pending, demand, today) if pending else
            {"forum": opening.forums[0] if opening else "", "filed_on": today.isoformat()}}


def _defaults(dispute: Any, demand: dict[str, Any], today: Any) -> dict[str, str]:
    return {"decided_on": today.isoformat(),
            **{f"after_{levy}": str(demand[levy]) for levy in LEVIES},
            "amount_settled": str(dispute.amount_agreed_pkr or "")}


@bp.get("/disputes")
@permission_required("disputes.docket")
def docket():  # type: ignore[no-untyped-def]
    session, now = get_session(), clock()
    rows, windows = dispute_docket.docket(session, current_user, clock=now)
    try:
        first, first_problem = dispute_docket.orders_open(session, clock=now), None
    except MissingDeadlineRule as problem:  # the pending matters above stay usable
        first, first_problem = [], str(problem)
    return render_template("disputes/docket.html", rows=rows, windows=windows, first=first,
                           first_problem=first_problem, today=local_date(now.now()))


@bp.route("/cases/<int:case_id>/disputes/new", methods=["GET", "POST"])
@permission_required("disputes.record")
def file(case_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    case = disputes.case_for(session, case_id, current_user)
    typed, errors, problem, status = {}, {}, None, 200
    if request.method == "POST":
        typed = _form()
        try:
            dispute = disputes.file(session, case, typed, actor=current_user, clock=clock())
        except ValidationFailed as exc:
            session.rollback()
            errors = exc.details if isinstance(exc.details, dict) else {}
            problem, status = exc.message, 422
        except DomainError as exc:
            session.rollback()
            problem, status = exc.message, exc.status
        else:
            session.commit()
            flash(f"{dispute.forum_label}: filing recorded.", "info")
            return redirect(url_for("disputes.show", dispute_id=dispute.id))
    opening = disputes.opening(session, case)
    defaults = {"forum": opening.forums[0] if opening else "",
                "filed_on": local_date(clock().now()).isoformat()}
    return render_template("disputes/file.html", case=case, opening=opening,
                           window_ends={f: disputes.window_ends(session, f, opening)
                                        for f in opening.forums} if opening else {},
                           form=defaults | typed, errors=errors, problem=problem,
                           demand=dispute_money.demand(session, case),
                           further=disputes.waiting_for_filing(session, case)), status


@bp.post("/cases/<int:case_id>/disputes/accept")
@permission_required("disputes.record")
def accept(case_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    case = disputes.case_for(session, case_id, current_user)
    disputes.accept(session, case, actor=current_user, clock=clock())
    session.commit()
    flash("Recorded: the trader accepts the order; the demand stands.", "info")
    return redirect(url_for("disputes.docket"))


def _show(dispute_id: int, *, form: dict[str, str] | None = None,
          errors: dict[str, str] | None = None, problem: str | None = None,
          which: str = "", status: int = 200):  # type: ignore[no-untyped-def]
    session = get_session()
    dispute = disputes.get(session, dispute_id)
    case = disputes.case_for(session, dispute.case_id, current_user)
    demand = dispute_money.demand(session, case)
    defaults = _defaults(dispute, demand, local_date(clock().now()))
    return render_template(
        "disputes/show.html", dispute=dispute, case=case, demand=demand,
        outcomes=ADR_OUTCOMES if dispute.forum == "adr" else APPEAL_OUTCOMES,
        levies=LEVIES, levy_labels=LEVY_LABELS, form=defaults | (form or {}),
        errors=errors or {}, problem=problem, which=which,
        today=local_date(clock().now()),
        may_record=allowed(current_user.role_set, "disputes.record"),
        waiting=disputes.waiting_for_decision(session, dispute),
        history=disputes.for_case(session, case)), status


@bp.get("/disputes/<int:dispute_id>")
@permission_required("disputes.view")
def show(dispute_id: int):  # type: ignore[no-untyped-def]
    return _show(dispute_id)


def _act(dispute_id: int, which: str, action):  # type: ignore[no-untyped-def]
    session = get_session()
    dispute = disputes.get(session, dispute_id)
    disputes.case_for(session, dispute.case_id, current_user)
    typed = _form()
    try:
        message = action(session, dispute, typed)
    except ValidationFailed as exc:
        session.rollback()
        errors = exc.details if isinstance(exc.details, dict) else {}
        return _show(dispute_id, form=typed, errors=errors, problem=exc.message, which=which,
                     status=422)
    except DomainError as exc:
        session.rollback()
        return _show(dispute_id, form=typed, problem=exc.message, which=which,
                     status=exc.status)
    session.commit()
    flash(message, "info")
    return redirect(url_for("disputes.show", dispute_id=dispute_id))


@bp.post("/disputes/<int:dispute_id>/decision")
@permission_required("disputes.record")
def decide(dispute_id: int):  # type: ignore[no-untyped-def]
    def action(session, dispute, typed):  # type: ignore[no-untyped-def]
        dispute_decisions.decide(session, dispute, typed, actor=current_user, clock=clock())
        return f"{dispute.forum_label}: decision recorded ({dispute.outcome_label.lower()})."
    return _act(dispute_id, "decision", action)


@bp.post("/disputes/<int:dispute_id>/extension")
@permission_required("disputes.record")
def extend(dispute_id: int):  # type: ignore[no-untyped-def]
    def action(session, dispute, typed):  # type: ignore[no-untyped-def]
        dispute_decisions.extend_limit(session, dispute, typed, actor=current_user, clock=clock())
        return f"Decision limit extended to {dispute.decision_due_on:%d %b %Y}."
    return _act(dispute_id, "extension", action)


@bp.post("/disputes/<int:dispute_id>/stay")
@permission_required("disputes.record")
def stay(dispute_id: int):  # type: ignore[no-untyped-def]
    def action(session, dispute, typed):  # type: ignore[no-untyped-def]
        disputes.record_stay(session, dispute, typed, actor=current_user, clock=clock())
        return f"{dispute.forum_label}: stay of recovery recorded."
    return _act(dispute_id, "stay", action)
