"""Plain Flask pages of the dashboards: the index, the cases behind a figure, and the CSV /
Excel exports of every table. Access is checked by the package's guard (login, role, scope)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, url_for

from audit_app.auth import permission_required
from audit_app.db import get_session

from .access import current_viewer
from .cases import case_table
from .components import default_period
from .filters import Filters
from .tables import cell_text, to_csv, to_xlsx

bp = Blueprint("dashboards", __name__, url_prefix="/dashboards")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/")
@permission_required("dashboards.view")
def index():  # type: ignore[no-untyped-def]
    from . import dashboards
    return render_template("dashboards/index.html", boards=dashboards(), viewer=current_viewer(),
                           slug="")


def _filters() -> Filters:
    return Filters.from_args(current_viewer(), request.args, default_period())


@bp.get("/cases")
@permission_required("dashboards.view")
def cases():  # type: ignore[no-untyped-def]
    from . import find
    board = find(request.args.get("dashboard", ""))
    if board is None:
        abort(404, description="No such dashboard.")
    f = _filters()
    drill = board.drill(get_session(), f, request.args.get("source", ""),
                        request.args.get("key", ""))
    table, total = case_table(get_session(), drill.title, drill.case_ids)
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        return _download(table, f"cases-{board.slug}", fmt)
    return render_template("dashboards/cases.html", board=board, drill=drill, table=table,
                           total=total, filters=f, cell_text=cell_text, slug=board.slug,
                           back=f"{board.path}", query=request.query_string.decode())


@bp.get("/export/<slug>/<name>.<fmt>")
@permission_required("dashboards.view")
def export(slug: str, name: str, fmt: str):  # type: ignore[no-untyped-def]
    from . import find
    board = find(slug)
    if board is None or name not in board.tables or fmt not in ("csv", "xlsx"):
        abort(404, description="No such table.")
    f = _filters()
    table = board.tables[name](get_session(), f)
    return _download(table, f"{slug}-{name}-{f.window.label}", fmt)


def _download(table, stem: str, fmt: str) -> Response:  # type: ignore[no-untyped-def]
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stem)
    if fmt == "csv":
        body, mimetype = to_csv(table), "text/csv"
    else:
        body, mimetype = to_xlsx(table), XLSX
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{stem}.{fmt}"'})


# --------------------------------------------------------------------------- steering report

def _today():  # type: ignore[no-untyped-def]
    import datetime as dt

    from workflows.clock import local_date
    return local_date(dt.datetime.now(dt.timezone.utc))


@bp.get("/steering")
@permission_required("reports.steering.view")
def steering():  # type: ignore[no-untyped-def]
    from flask_login import current_user

    from audit_app.auth.permissions import allowed
    from audit_app.services import steering as archive

    from .filters import period_choices
    today = _today()
    last_month = (today.replace(day=1) - __import__("datetime").timedelta(days=1)).strftime("%Y-%m")
    return render_template(
        "dashboards/steering.html", slug="steering", reports=archive.issued(get_session()),
        choices=period_choices(today), default=last_month,
        may_issue=allowed(current_user.role_set, "reports.steering.issue"))


@bp.post("/steering")
@permission_required("reports.steering.issue")
def steering_issue():  # type: ignore[no-untyped-def]
    from flask import flash, redirect
    from flask_login import current_user

    from reports.steering import issue
    session = get_session()
    report = issue(session, request.form.get("period", ""), actor=current_user, today=_today())
    session.commit()
    flash(f"Steering report {report.period} version {report.version} issued "
          f"(SHA-256 {report.sha256[:16]}…).", "info")
    return redirect(url_for("dashboards.steering"))


@bp.get("/steering/<int:report_id>.pdf")
@permission_required("reports.steering.view")
def steering_pdf(report_id: int):  # type: ignore[no-untyped-def]
    from audit_app.services import steering as archive
    report = archive.get(get_session(), report_id)
    return Response(report.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{report.filename}"',
        "X-Content-SHA256": report.sha256})


@bp.get("/steering/draft.pdf")
@permission_required("reports.steering.view")
def steering_draft():  # type: ignore[no-untyped-def]
    from reports.steering import build, render_pdf
    data = build(get_session(), request.args.get("period", ""), today=_today())
    pdf, _ = render_pdf(data, issued_by="draft (not issued)", issued_on=_today())
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="steering-report-{data.period_label}-draft.pdf"'})
