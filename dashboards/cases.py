"""The list of cases behind a figure (the drill-down), as a table that links to each case."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from audit_app.models import AuditCase, Importer
from audit_app.services import ledger

from .tables import Column, Table

LIMIT = 2000


def case_table(session: Session, title: str, case_ids: Select[Any],
               limit: int = LIMIT) -> tuple[Table, int]:
    """The cases (largest detected amount first, at most `limit`) and how many there are."""
    ids = case_ids.subquery()
    total = int(session.scalar(select(func.count()).select_from(ids)) or 0)
    bal = ledger.case_figures_select().subquery()
    zero = func.coalesce
    rows = session.execute(
        select(AuditCase.id, AuditCase.case_number, Importer.name, Importer.ntn,
               AuditCase.directorate_code, AuditCase.status, AuditCase.created_at,
               *(zero(bal.c[a], 0) for a in AMOUNTS))
        .join(Importer, Importer.id == AuditCase.importer_id)
        .outerjoin(bal, bal.c.case_id == AuditCase.id)
        .where(AuditCase.id.in_(select(ids.c[0])))
        .order_by(zero(bal.c.detected, 0).desc(), AuditCase.id).limit(limit))
    table = Table("cases", title, [
        Column("case_number", "Case"), Column("importer", "Importer"), Column("ntn", "NTN"),
        Column("directorate", "Directorate"), Column("status", "Status"),
        Column("opened", "Opened", "date"),
        *(Column(a, label, "rupees") for a, label in AMOUNTS.items())], [
        {"id": r[0], "case_number": r[1], "importer": r[2], "ntn": r[3], "directorate": r[4],
         "status": r[5].replace("_", " "), "opened": r[6].date() if r[6] else None,
         **dict(zip(AMOUNTS, r[7:]))} for r in rows])
    return table, total


# The case's ledger balances today, as its case page shows them.
AMOUNTS = {"detected": "Detected", "adjudged": "Adjudged", "demanded": "Demand",
           "paid": "Recovered", "stayed": "Stayed", "outstanding": "Outstanding"}
