"""Adjudication screens: the officer's docket by days left, the hearing diary, the extension of
the order limit, the case page's adjudication section, and what adjudication's task forms need
(registered with `tasks.form_context`). Every one shows the days left to pass the order."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import Session

from ..auth import permission_required
from ..auth.permissions import allowed
from ..db import get_session
from ..errors import DomainError, ValidationFailed
from ..models import AuditCase, OpenTask, Role
from ..models.adjudication import LEVIES, LEVY_LABELS, NATURE_LABELS, RANK_LABELS
from ..services import adjudication, case_queries, cases
from ..services.adjudication_clock import ClockState
from ..services.adjudication_forms import APPEARANCE_ROLES
from workflows.clock import local_date
from workflows.deadlines import days_for

from .tasks import clock, form_context

bp = Blueprint("adjudication", __name__, url_prefix="/adjudication")

ELEMENTS = ("frame_contravention_report", "assign_officer", "draft_scn", "approve_scn",
            "issue_scn", "record_scn_reply", "schedule_hearing", "record_hearing",
            "record_order")


def _today() -> dt.date:
    return local_date(clock().now())


@bp.get("/")
@permission_required("adjudication.view")
def docket():  # type: ignore[no-untyped-def]
    session = get_session()
    everyone = not current_user.has_role(Role.ADJUDICATION_OFFICER)
    rows = adjudication.docket(session, current_user, clock=clock(), everyone=everyone)
    people = case_queries.users_by_id(session, [r.adjudication.officer_id for r in rows])
    counts = {risk: sum(1 for r in rows if r.clock.risk == risk)
              for risk in ("passed", "critical", "warning")}
    return render_template("adjudication/docket.html", rows=rows, people=people,
                           counts=counts, everyone=everyone, rank_labels=RANK_LABELS,
                           today=_today())


@bp.get("/hearings")
@permission_required("adjudication.view")
def hearings():  # type: ignore[no-untyped-def]
    session = get_session()
    everyone = not current_user.has_role(Role.ADJUDICATION_OFFICER)
    rows = adjudication.hearing_diary(session, current_user, clock=clock(), everyone=everyone)
    return render_template("adjudication/hearings.html", rows=rows, today=_today(),
                           everyone=everyone)


@bp.post("/cases/<int:case_id>/extension")
@permission_required("adjudication.extend")
def extension(case_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    case = cases.get_case(session, case_id, current_user)
    raw_days = (request.form.get("days") or "").strip()
    try:
        days = int(raw_days)
    except ValueError:
        days = 0
    try:
        adjudication.request_extension(session, case, actor=current_user, clock=clock(),
                                       days=days, reasons=request.form.get("reasons", ""))
    except ValidationFailed as exc:
        session.rollback()
        details = exc.details if isinstance(exc.details, dict) else {}
        flash(f"{exc.message} " + "; ".join(f"{k}: {v}" for k, v in details.items()), "error")
    except DomainError as exc:
        session.rollback()
        flash(exc.message, "error")
    else:
        session.commit()
        flash("Order limit extended.", "info")
    return redirect(url_for("cases.show", case_id=case_id) + "#adjudication")


@bp.app_template_global("adjudication_panel")
def panel(case: AuditCase) -> dict[str, Any] | None:
    """What the case page's adjudication section shows (None: never referred)."""
    session = get_session()
    proceedings = adjudication.history(session, case)
    if not proceedings:
        return None
    today = _today()
    current = proceedings[-1]
    ids = [case.auditor_id, case.adjudicating_officer_id]
    for adj in proceedings:
        ids += [adj.officer_id, adj.framed_by_id, adj.extended_by_id]
    state = adjudication.statutory.state(current, today)
    may_extend = (allowed(current_user.role_set, "adjudication.extend")
                  and state.risk in ("ok", "warning", "critical") and not current.extension_days)
    most = days_for(session, "adjudication.extension_max_days", today) if may_extend else 0
    return {"proceedings": proceedings, "current": current, "clock": state,
            "scn": adjudication.scn_of(current), "people": case_queries.users_by_id(session, ids),
            "levies": LEVIES, "levy_labels": LEVY_LABELS, "rank_labels": RANK_LABELS,
            "nature_labels": NATURE_LABELS, "may_extend": may_extend, "extension_max": most,
            "state_of": lambda adj: adjudication.statutory.state(adj, today)}


def _base(session: Session, case: AuditCase) -> dict[str, Any]:
    adj = adjudication.require(session, case)
    return {"adj": adj, "adj_clock": adjudication.statutory.state(adj, _today()),
            "scn": adjudication.scn_of(adj), "levies": LEVIES, "levy_labels": LEVY_LABELS,
            "rank_labels": RANK_LABELS, "nature_labels": NATURE_LABELS}


@form_context("frame_contravention_report")
def _frame(session: Session, case: AuditCase, task: OpenTask) -> dict[str, Any]:
    ctx = _base(session, case)
    adj = ctx["adj"]
    ctx["defaults"] = {"nature": adj.nature or "inadvertence_or_error",
                       "relevant_date": str(adj.relevant_date or ""),
                       "facts": adj.facts or "",
                       "provisions": adj.provisions or
                       "Sections 32 and 79 of the Customs Act, 1969"}
    return ctx


@form_context("assign_officer")
def _assign(session: Session, case: AuditCase, task: OpenTask) -> dict[str, Any]:
    ctx = _base(session, case)
    officers = adjudication.competent_officers(session, ctx["adj"], case)
    ctx["officers"] = officers
    ctx["load"] = case_queries.open_load(session, [o.id for o in officers])
    ctx["defaults"] = {"officer_id": str(officers[0].id) if len(officers) == 1 else ""}
    return ctx


@form_context("draft_scn")
def _draft(session: Session, case: AuditCase, task: OpenTask) -> dict[str, Any]:
    ctx = _base(session, case)
    adj, scn = ctx["adj"], ctx["scn"]
    ctx["defaults"] = {"facts": (scn.facts if scn else adj.facts) or "",
                       "provisions": (scn.provisions if scn else adj.provisions) or "",
                       "penal_provisions": (scn.penal_provisions if scn else
                                            "Clause 14 of section 156(1) of the Customs Act, 1969")}
    return ctx


@form_context("approve_scn")
def _approve(session: Session, case: AuditCase, task: OpenTask) -> dict[str, Any]:
    return _base(session, case)


@form_context("issue_scn")
def _issue(session: Session, case: AuditCase, task: OpenTask) -> dict[str, Any]:
    ctx = _base(session, case)
    today = _today()
    reply = today + dt.timedelta(days=days_for(session, "adjudication.scn_reply_days", today))
    limit = ctx["adj"].limitation_ends
    ctx["limitation_days_left"] = (limit - today).days if limit else None
    ctx["order_days"] = days_for(session, "adjudication.order_days", today)
    ctx["scn_day"] = today
    ctx["defaults"] = {"reply_due_date": str(reply)}
    return ctx


@form_context("record_scn_reply")
def _reply(session: Session, case: AuditCase, task: OpenTask) -> dict[str, Any]:
    ctx = _base(session, case)
    ctx["defaults"] = {"reply_date": str(_today())}
    return ctx


@form_context("schedule_hearing")
def _schedule(session: Session, case: AuditCase, task: OpenTask) -> dict[str, Any]:
    ctx = _base(session, case)
    ctx["defaults"] = {"hearing_date": str(_today() + dt.timedelta(days=7))}
    return ctx


@form_context("record_hearing")
def _hearing(session: Session, case: AuditCase, task: OpenTask) -> dict[str, Any]:
    ctx = _base(session, case)
    pending = [h for h in ctx["adj"].hearings if h.status == "scheduled"]
    ctx["hearing"] = pending[-1] if pending else None
    ctx["appearance_roles"] = APPEARANCE_ROLES
    ctx["defaults"] = {"held_on": str(ctx["hearing"].scheduled_for) if ctx["hearing"] else ""}
    return ctx


@form_context("record_order")
def _order(session: Session, case: AuditCase, task: OpenTask) -> dict[str, Any]:
    ctx = _base(session, case)
    adj = ctx["adj"]
    state: ClockState = ctx["adj_clock"]
    passed = state.risk == "passed"
    ctx["defaults"] = {"order_date": str(_today()),
                       "outcome": "time_barred" if passed else "adjudged",
                       **{f"adjudged_{levy}": str(v) for levy, v in adj.contravened().items()}}
    ctx["held"] = [h for h in adj.hearings if h.status == "held"]
    return ctx
