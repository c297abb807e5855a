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
