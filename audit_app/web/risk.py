"""Risk screens: top scores, the supervisor's selection, the administrator's rule sets, and
monitoring. Views parse the form, call one service, commit once and redirect (or re-render
with the messages next to the fields, status 422)."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..auth import permission_required
from ..auth.permissions import allowed
from ..db import get_session
from ..errors import DomainError, NotFound, ValidationFailed
from ..models import Directorate
from ..risk import monitoring, queries, rule_service, selection
from ..risk.rule_language import FUNCTIONS
from ..risk.rule_reasons import FORMATS
from ..risk.rules import RuleSetInvalid, active_rule_set
from ..risk.schema import FEATURES
from ..services import case_queries, cases
from . import tasks

bp = Blueprint("risk", __name__, url_prefix="/risk")

RULE_FIELDS = ("code", "name", "description", "fraud_kind", "condition", "reason", "weight",
               "owner", "valid_from", "valid_to")


def _may(action: str) -> bool:
    return allowed(current_user.role_set, action)


@bp.context_processor
def _risk_tabs() -> dict[str, Any]:
    tabs = [("risk.index", "Top scores", "risk.view"), ("risk.selection_page", "Selection", "risk.select"),
            ("risk.rules", "Rules", "risk.view"), ("risk.monitoring_page", "Monitoring", "risk.view")]
    if not current_user.is_authenticated:
        return {"risk_tabs": []}
    return {"risk_tabs": [(e, label) for e, label, a in tabs if _may(a)], "may": _may}


# --------------------------------------------------------------------------- top scores

@bp.get("/")
@permission_required("risk.view")
def index():  # type: ignore[no-untyped-def]
    session = get_session()
    run_arg = request.args.get("run", "")
    run = queries.score_run(session, int(run_arg) if run_arg.isdigit() else None)
    directorate = (request.args.get("directorate") or "").strip().upper() or None
    top = queries.top_scores(session, run, 50, directorate) if run else []
    return render_template("risk/index.html", run=run, top=top, runs=queries.score_runs(session),
                           directorate=directorate, directorates=_directorates())


def _directorates() -> list[Directorate]:
    return list(get_session().scalars(select(Directorate).order_by(Directorate.code)))


# --------------------------------------------------------------------------- selection

def _selection_page(form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                    decision_errors: dict[int, str] | None = None, status: int = 200,
                    result: selection.SelectionResult | None = None):  # type: ignore[no-untyped-def]
    session = get_session()
    own = current_user.directorate_code
    rows = selection.proposals(session, own)
    defaults = {"capacity": "10", "directorate": own or "", "random_share": "0.1", "seed": ""}
    return render_template(
        "risk/selection.html", form=defaults | (form or {}), errors=errors or {},
        decision_errors=decision_errors or {}, proposals=rows, result=result,
        cases_by_proposal=case_queries.cases_for_proposals(
            session, [p.id for p in rows if p.status == "converted"]),
        last_run=request.args.get("run", type=int), directorates=_directorates(),
        score_run=selection.latest_score_run(session)), status


@bp.get("/selection")
@permission_required("risk.select")
def selection_page():  # type: ignore[no-untyped-def]
    return _selection_page()


@bp.post("/selection")
@permission_required("risk.select")
def run_selection():  # type: ignore[no-untyped-def]
    form = {k: request.form.get(k, "") for k in ("capacity", "directorate", "random_share", "seed")}
    own = current_user.directorate_code
    session = get_session()
    try:
        wanted = selection.SelectionRequest.parse(form)
        if own and wanted.directorate in (None, own):
            wanted = replace(wanted, directorate=own)
        elif own:  # a directorate's supervisor plans that directorate's audits
            raise ValidationFailed("The selection was not run: correct the fields marked.",
                                   {"directorate": f"you select for your directorate ({own})"})
        result = selection.select_audits(session, wanted, current_user.username)
    except DomainError as exc:
        errors = exc.details if isinstance(exc.details, dict) else {"_form": exc.message}
        return _selection_page(form, errors, status=exc.status)
    session.commit()
    flash(f"Selection run {result.run.id}: {len(result.proposals)} audit proposals "
          f"(seed {result.seed}). {' '.join(result.notes)}", "info")
    return redirect(url_for("risk.selection_page", run=result.run.id))


@bp.post("/proposals/<int:proposal_id>/decision")
@permission_required("risk.select")
def decide(proposal_id: int):  # type: ignore[no-untyped-def]
    decision = request.form.get("decision", "")
    if decision not in ("approve", "reject"):
        return _selection_page(decision_errors={proposal_id: "Choose approve or reject."},
                               status=422)
    session = get_session()
    try:
        proposal = selection.decide_proposal(session, proposal_id, decision == "approve",
                                             current_user, request.form.get("note", ""))
        # An approved proposal becomes a case at once, in the same transaction: the
        # supervisor goes straight on to assigning it.
        case = (cases.open_case(session, proposal.id, current_user, clock=tasks.clock())
                if decision == "approve" else None)
    except DomainError as exc:
        session.rollback()
        message = (exc.details or {}).get("note", exc.message) \
            if isinstance(exc.details, dict) else exc.message
        return _selection_page(decision_errors={proposal_id: message}, status=exc.status)
    session.commit()
    if case is None:
        flash(f"Proposal {proposal.id} {proposal.status}.", "info")
        return redirect(url_for("risk.selection_page"))
    flash(f"Proposal {proposal.id} approved: case {case.case_number} opened.", "info")
    first = next((t for t in case_queries.open_tasks_of(session, case.id)
                  if t.assignee_id == current_user.id), None)
    if first is not None:
        return redirect(url_for("tasks.show", task_id=first.task_id))
    return redirect(url_for("cases.show", case_id=case.id))


# --------------------------------------------------------------------------- rules

@bp.get("/rules")
@permission_required("risk.view")
def rules():  # type: ignore[no-untyped-def]
    session = get_session()
    version = request.args.get("version", type=int)
    shown = rule_service.get_rule_set(session, version) if version else active_rule_set(session)
    return render_template("risk/rules.html", sets=rule_service.rule_sets(session), shown=shown,
                           draft=rule_service.current_draft(session))


def _draft_page(report: rule_service.ValidationReport | None = None,
                errors: list[dict[str, Any]] | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    draft = rule_service.current_draft(get_session())
    if draft is None:
        flash("There is no draft: start one from the active set.", "info")
        return redirect(url_for("risk.rules"))
    problems = errors if errors is not None else (report.errors if report else [])
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for p in problems:
        by_rule.setdefault(p["code"], []).append(p)
    return render_template("risk/draft.html", draft=draft, report=report, problems=by_rule,
                           rules=sorted(draft.rules, key=lambda r: r.code)), status


@bp.post("/rules/draft")
@permission_required("risk.rules.edit")
def start_draft():  # type: ignore[no-untyped-def]
    session = get_session()
    rule_service.start_draft(session, current_user.id)
    session.commit()
    return redirect(url_for("risk.draft"))


@bp.get("/rules/draft")
@permission_required("risk.rules.edit")
def draft():  # type: ignore[no-untyped-def]
    return _draft_page()


def _rule_form(rule_id: int | None, form: dict[str, str], errors: dict[str, str],
               status: int = 200):  # type: ignore[no-untyped-def]
    return render_template("risk/rule_form.html", rule_id=rule_id, form=form, errors=errors,
                           fraud_kinds=rule_service.FRAUD_KINDS, features=FEATURES,
                           formats=FORMATS, functions=FUNCTIONS), status


@bp.route("/rules/draft/new", methods=["GET", "POST"])
@bp.route("/rules/draft/<int:rule_id>", methods=["GET", "POST"])
@permission_required("risk.rules.edit")
def edit_rule(rule_id: int | None = None):  # type: ignore[no-untyped-def]
    session = get_session()
    draft = rule_service.current_draft(session)
    if draft is None:
        flash("There is no draft: start one from the active set.", "info")
        return redirect(url_for("risk.rules"))
    if request.method == "GET":
        rule = next((r for r in draft.rules if r.id == rule_id), None) if rule_id else None
        if rule_id and rule is None:
            raise NotFound(f"No rule {rule_id} in the draft (version {draft.version}).")
        form = ({f: "" if getattr(rule, f) is None else str(getattr(rule, f)) for f in RULE_FIELDS}
                if rule else {"weight": "0.25", "owner": current_user.full_name,
                              "valid_from": "2020-01-01"})
        return _rule_form(rule_id, form, {})
    form = {f: request.form.get(f, "") for f in RULE_FIELDS}
    try:
        saved = rule_service.save_rule(session, rule_service.parse_rule_fields(form), rule_id)
    except ValidationFailed as exc:
        return _rule_form(rule_id, form, exc.details if isinstance(exc.details, dict) else {},
                          422)
    session.commit()
    flash(f"Rule {saved.code} saved in draft version {draft.version}.", "info")
    return redirect(url_for("risk.draft"))


@bp.post("/rules/draft/<int:rule_id>/delete")
@permission_required("risk.rules.edit")
def delete_rule(rule_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    code = rule_service.delete_rule(session, rule_id)
    session.commit()
    flash(f"Rule {code} deleted from the draft.", "info")
    return redirect(url_for("risk.draft"))


@bp.post("/rules/draft/validate")
@permission_required("risk.rules.edit")
def validate_draft():  # type: ignore[no-untyped-def]
    session = get_session()
    draft = rule_service.current_draft(session)
    if draft is None:
        return _draft_page()
    frame, note = rule_service.latest_feature_frame(session)
    report = rule_service.validate_rule_set(draft, frame, note)
    return _draft_page(report, status=200 if report.ok else 422)


@bp.post("/rules/draft/discard")
@permission_required("risk.rules.edit")
def discard_draft():  # type: ignore[no-untyped-def]
    session = get_session()
    version = rule_service.discard_draft(session)
    session.commit()
    flash(f"Draft version {version} discarded.", "info")
    return redirect(url_for("risk.rules"))


@bp.post("/rules/<int:version>/activate")
@permission_required("risk.rules.edit")
def activate(version: int):  # type: ignore[no-untyped-def]
    session = get_session()
    try:
        activated = rule_service.activate(session, version, current_user.id)
    except RuleSetInvalid as exc:
        session.rollback()
        flash(exc.message, "error")
        draft = rule_service.current_draft(session)
        if draft is not None and draft.version == version:
            return _draft_page(errors=exc.details, status=422)
        raise
    session.commit()
    flash(f"Rule set version {activated.version} is now active; the previous one is retired.",
          "info")
    return redirect(url_for("risk.rules"))


# --------------------------------------------------------------------------- monitoring

@bp.get("/monitoring")
@permission_required("risk.view")
def monitoring_page():  # type: ignore[no-untyped-def]
    figures = monitoring.latest_figures(get_session())
    return render_template("risk/monitoring.html", figures=figures, psi_label=monitoring.psi_label)

