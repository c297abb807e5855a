"""The declarations browser and the declaration page."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user

from ..auth import permission_required
from ..auth.permissions import allowed
from ..db import get_session
from ..errors import ValidationFailed
from ..risk.queries import latest_item_risk
from ..services.declarations import (SORTS, DeclarationFilters, get_declaration,
                                     item_history, search_declarations, version_changes)

bp = Blueprint("declarations", __name__, url_prefix="/declarations")

# The amendment history names the declarations file's columns (spec section 1) the way the page
# does, in the file's order; a column not listed (an x_ attribute) keeps its own name, last.
FIELD_LABELS = {
    "gd_date": "Cleared", "collectorate": "Collectorate", "channel": "Channel",
    "importer_ntn": "Importer NTN", "importer_name": "Importer name",
    "agent_code": "Clearing agent", "hs_code": "PCT code", "description": "Description",
    "origin_country": "Origin", "export_country": "Shipped from", "quantity": "Quantity",
    "unit": "Unit", "gross_weight_kg": "Gross weight (kg)", "currency": "Currency",
    "invoice_value": "Invoice value", "exchange_rate": "Exchange rate",
    "declared_value_pkr": "Declared value", "assessed_value_pkr": "Assessed value",
    "cd_pkr": "CD", "rd_pkr": "RD", "acd_pkr": "ACD", "st_pkr": "ST", "ast_pkr": "AST",
    "it_pkr": "IT", "sro_ref": "SRO claimed", "fta_code": "FTA claimed",
}
_FILE_ORDER = {name: n for n, name in enumerate(FIELD_LABELS)}


def _in_file_order(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for amendment in history:
        amendment["changes"].sort(key=lambda c: (_FILE_ORDER.get(c[0], len(_FILE_ORDER)), c[0]))
    return history


@bp.get("/")
@permission_required("declarations.view")
def browse():  # type: ignore[no-untyped-def]
    # An unknown sort (an old bookmark) falls back to the default; the page then shows the sort
    # it really used, so the headers and the form do not carry the unknown one along.
    sort = request.args.get("sort", "date")
    sort = sort if sort in SORTS else "date"
    descending = request.args.get("dir", "desc") != "asc"
    problems: list[str] = []
    try:
        filters = DeclarationFilters.from_args(request.args)
        page = search_declarations(get_session(), filters, sort=sort,
                                   descending=descending, cursor=request.args.get("after"))
    except ValidationFailed as exc:
        problems = list(exc.details or [exc.message])
        filters, page = DeclarationFilters(), None
    args = {k: v for k, v in request.args.items() if k not in ("after",) and v}
    if "sort" in args:
        args["sort"] = sort
    return render_template("declarations/browse.html", page=page, filters=filters, args=args,
                           problems=problems, sort=sort, descending=descending), \
        (422 if problems else 200)


@bp.get("/<path:gd_number>")
@permission_required("declarations.view")
def show(gd_number: str):  # type: ignore[no-untyped-def]
    declaration = get_declaration(get_session(), gd_number)
    history = {item.id: _in_file_order(version_changes(item_history(declaration, item)))
               for item in declaration.items}
    # Scores and reasons only for the roles that select and audit (risk.view).
    risk = (latest_item_risk(get_session(), [i.id for i in declaration.items])
            if allowed(current_user.role_set, "risk.view") else None)
    return render_template("declarations/show.html", d=declaration, history=history,
                           labels=FIELD_LABELS, risk=risk)
