"""Declarations over JSON: read one, and let the clearance system push batches."""
from __future__ import annotations

from typing import Any

from flask import abort, jsonify
from flask_login import current_user

from ..auth import current_token, permission_checked_in_view
from ..auth.permissions import allowed
from ..db import get_session
from ..models import LEVY_COLUMNS, Declaration
from ..risk.queries import latest_item_risk
from ..services.declarations import get_declaration
from . import bp
from .risk import may_read_risk

DECLARATION_SCOPES = frozenset({"declarations:read", "declarations:write", "risk:read"})


def declaration_json(d: Declaration) -> dict[str, Any]:
    return {
        "gd_number": d.gd_number, "gd_date": d.gd_date.isoformat(),
        "collectorate": d.collectorate, "channel": d.channel,
        "importer": {"ntn": d.importer.ntn, "name": d.importer.name},
        "agent_code": d.agent.code if d.agent else None,
        "declared_value_pkr": str(d.declared_value_pkr), "duty_paid_pkr": str(d.duty_paid_pkr),
        "items": [{
            "item_no": i.item_no, "hs_code": i.hs_code, "description": i.description,
            "origin_country": i.origin_country, "export_country": i.export_country,
            "quantity": str(i.quantity), "unit": i.unit,
            "gross_weight_kg": None if i.gross_weight_kg is None else str(i.gross_weight_kg),
            "currency": i.currency, "invoice_value": str(i.invoice_value),
            "exchange_rate": str(i.exchange_rate),
            "declared_value_pkr": str(i.declared_value_pkr),
            "assessed_value_pkr": str(i.assessed_value_pkr),
            **{c: str(getattr(i, c)) for c in LEVY_COLUMNS},
            "sro_ref": i.sro_ref, "fta_code": i.fta_code, "attributes": i.attributes or {},
            "version": i.version,
        } for i in d.items],
    }


@bp.get("/declarations/<path:gd_number>")
@permission_checked_in_view("declarations.view")
def read_declaration(gd_number: str):  # type: ignore[no-untyped-def]
    # A browser session reads what its role may see on the declaration page (a committee member
    # may not); a token needs a declarations scope (the clearance system's write token may read
    # back what it pushed, a risk reader sees the items scored; a token for tasks may not).
    token = current_token()
    if token is None and not allowed(current_user.role_set, "declarations.view"):
        abort(403, description="Your role does not allow this.")
    if token is not None and not token.scope_set & DECLARATION_SCOPES:
        abort(403, description="The API token lacks the scope 'declarations:read'.")
    declaration = get_declaration(get_session(), gd_number)
    body = declaration_json(declaration)
    if may_read_risk():  # each item's latest score, or null when not scored yet
        risk = latest_item_risk(get_session(), [i.id for i in declaration.items])
        for item, out in zip(declaration.items, body["items"]):
            out["risk"] = risk[item.id].as_json() if item.id in risk else None
    return jsonify(body)
