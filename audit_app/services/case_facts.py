"""Keeping `case_facts` (with `case_fact_tags`, `case_fact_declarations`) and `ledger_months`
in step with the facts they derive from.

Who calls what, always inside the caller's transaction (flushes, never commits):
- `cases.open_case` and `findings.record_finding`: `refresh(session, case_id)` (the case's
  items, principal item, chapter, collectorate, fraud kinds and stage dates, from the tables);
- `ledger.post` / `ledger.reverse`: `ledger_posted(...)`, one UPDATE of the stage date the
  entry may move (the first day each account was raised, the last payment's day), and one
  upsert of the month's sum in `ledger_months`;
- intake, when a batch amends declarations or items that cases hold: `refresh_for_batch`;
- operators: `pca dashboards rebuild-facts` -> `rebuild(session)` for every case (and the
  monthly ledger sums); `check-facts` -> `differences` and `ledger_month_differences`.

`rebuild` is set-based (a few INSERT ... SELECT), so refreshing one case and rebuilding a hundred
thousand run the same SQL, and the tests compare what the hooks kept with what a rebuild makes.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import (Select, and_, case, delete, func, insert, literal_column, select,
                        update)
from sqlalchemy.orm import Session

from ..models import (AuditCase, AuditProposal, CaseItem, Declaration, DeclarationItem, Finding,
                      LedgerEntry)
from ..models.case_facts import CaseFact, CaseFactDeclaration, CaseFactTag, LedgerMonth
from ..sql_functions import month_of_date

# Ledger account -> the fact column holding the first day an entry raised it.
STAGE_COLUMNS = {"detected": "detected_on", "observed": "observed_on",
                 "contravened": "contravened_on", "adjudged": "adjudged_on",
                 "demanded": "demanded_on"}
FACT_COLUMNS = ("case_id", "directorate_code", "importer_id", "principal_item_id", "collectorate",
                "chapter", "fraud_kind", "selected_at", *STAGE_COLUMNS.values(), "last_paid_on")

CaseIds = Iterable[int] | Select[Any] | None


def _ids(case_ids: CaseIds) -> Any:
    if case_ids is None or isinstance(case_ids, Select):
        return case_ids
    return sorted(set(case_ids))


def _where(column: Any, ids: Any) -> list[Any]:
    return [] if ids is None else [column.in_(ids)]


def facts_select(case_ids: CaseIds = None) -> Select[Any]:
    """One row per case in FACT_COLUMNS order, computed from the source tables."""
    ids = _ids(case_ids)
    short = func.coalesce(Finding.short_total_pkr, 0)
    ranked = (select(CaseItem.case_id, CaseItem.id.label("case_item_id"), CaseItem.item_id,
                     Finding.kinds[0].as_string().label("kind"),
                     func.row_number().over(partition_by=CaseItem.case_id,
                                            order_by=(short.desc(), CaseItem.id)).label("rank"))
              .outerjoin(Finding, Finding.case_item_id == CaseItem.id)
              .where(*_where(CaseItem.case_id, ids)).subquery())
    amount, account, on = LedgerEntry.amount_pkr, LedgerEntry.account, LedgerEntry.entry_date
    stages = (select(LedgerEntry.case_id,
                     *[func.min(case((and_(account == a, amount > 0), on), else_=None)).label(c)
                       for a, c in STAGE_COLUMNS.items()],
                     func.max(case((account == "paid", on), else_=None)).label("last_paid_on"))
              .where(*_where(LedgerEntry.case_id, ids)).group_by(LedgerEntry.case_id).subquery())
    return (select(AuditCase.id, AuditCase.directorate_code, AuditCase.importer_id,
                   ranked.c.case_item_id, Declaration.collectorate,
                   func.substr(DeclarationItem.hs_code, 1, 2), ranked.c.kind,
                   func.coalesce(AuditProposal.created_at, AuditCase.created_at),
                   *[stages.c[c] for c in STAGE_COLUMNS.values()], stages.c.last_paid_on)
            .select_from(AuditCase)
            .outerjoin(ranked, and_(ranked.c.case_id == AuditCase.id, ranked.c.rank == 1))
            .outerjoin(DeclarationItem, DeclarationItem.id == ranked.c.item_id)
            .outerjoin(Declaration, Declaration.id == DeclarationItem.declaration_id)
            .outerjoin(AuditProposal, AuditProposal.id == AuditCase.proposal_id)
            .outerjoin(stages, stages.c.case_id == AuditCase.id)
            .where(*_where(AuditCase.id, ids)))


def tags_selects(case_ids: CaseIds = None) -> list[Select[Any]]:
    """(case_id, dimension, value) for every collectorate and chapter among the case's items."""
    ids = _ids(case_ids)
    items = (select(CaseItem.case_id).join(DeclarationItem, DeclarationItem.id == CaseItem.item_id)
             .where(*_where(CaseItem.case_id, ids)))
    return [
        items.add_columns(literal_column("'collectorate'"), Declaration.collectorate)
        .join(Declaration, Declaration.id == DeclarationItem.declaration_id)
        .where(Declaration.collectorate.is_not(None)).distinct(),
        items.add_columns(literal_column("'chapter'"), func.substr(DeclarationItem.hs_code, 1, 2))
        .where(DeclarationItem.hs_code.is_not(None)).distinct(),
    ]


DECLARATION_COLUMNS = ("case_id", "declaration_id", "gd_date", "collectorate")


def declarations_select(case_ids: CaseIds = None) -> Select[Any]:
    """One row per declaration with an item in the case, in DECLARATION_COLUMNS order."""
    ids = _ids(case_ids)
    return (select(CaseItem.case_id, Declaration.id, Declaration.gd_date, Declaration.collectorate)
            .join(DeclarationItem, DeclarationItem.id == CaseItem.item_id)
            .join(Declaration, Declaration.id == DeclarationItem.declaration_id)
            .where(*_where(CaseItem.case_id, ids)).distinct())


def kind_tags(session: Session, case_ids: CaseIds = None) -> set[tuple[int, str]]:
    """(case_id, kind) for every kind of every finding of the cases (kinds are a JSON list,
    read in Python so any kind findings record is covered, on both databases)."""
    ids = _ids(case_ids)
    out = set()
    for case_id, kinds in session.execute(
            select(CaseItem.case_id, Finding.kinds).join(Finding, Finding.case_item_id == CaseItem.id)
            .where(*_where(CaseItem.case_id, ids))):
        out.update((case_id, str(k)) for k in kinds or [])
    return out


def rebuild(session: Session, case_ids: CaseIds = None) -> int:
    """Recompute the facts and tags of the cases (all cases: None) from the source tables.
    Returns the number of fact rows written."""
    ids = _ids(case_ids)
    if ids is not None and not isinstance(ids, Select) and not ids:
        return 0
    session.flush()
    session.execute(delete(CaseFactTag).where(*_where(CaseFactTag.case_id, ids)))
    session.execute(delete(CaseFactDeclaration).where(*_where(CaseFactDeclaration.case_id, ids)))
    session.execute(delete(CaseFact).where(*_where(CaseFact.case_id, ids)))
    session.execute(insert(CaseFact).from_select(list(FACT_COLUMNS), facts_select(ids)))
    for query in tags_selects(ids):
        session.execute(insert(CaseFactTag).from_select(["case_id", "dimension", "value"], query))
    session.execute(insert(CaseFactDeclaration).from_select(list(DECLARATION_COLUMNS),
                                                            declarations_select(ids)))
    kinds = sorted(kind_tags(session, ids))
    for start in range(0, len(kinds), 10_000):
        session.execute(insert(CaseFactTag), [
            {"case_id": c, "dimension": "fraud_kind", "value": k}
            for c, k in kinds[start:start + 10_000]])
    if ids is None:  # (a case's entries never change directorate: only a full rebuild)
        session.execute(delete(LedgerMonth))
        session.execute(insert(LedgerMonth).from_select(list(MONTH_COLUMNS), ledger_months_select()))
    # (the driver's rowcount of INSERT ... SELECT is not reliable on every database)
    return int(session.scalar(select(func.count()).select_from(CaseFact)
                              .where(*_where(CaseFact.case_id, ids))) or 0)


FACT_TABLES = ("case_facts", "case_fact_tags", "case_fact_declarations", "ledger_months")


def analyze(session: Session) -> None:
    """After a full rebuild (committed): have PostgreSQL vacuum and sample the rebuilt tables
    now instead of waiting for autovacuum, so the dashboards' plans use the new row counts and
    the tags' (dimension, value) statistics, and their index-only scans need no heap visits
    (a freshly rewritten table has no visibility map yet: a chapter filter read 15,000 heap
    pages per call, 290 -> 165 ms for the performance dashboard's queries on 100,000 cases).
    VACUUM runs outside a transaction, on a connection of its own. Nothing to do on SQLite."""
    engine = session.get_bind().engine
    if engine.dialect.name != "postgresql":
        return
    session.commit()
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql(f"VACUUM (ANALYZE) {', '.join(FACT_TABLES)}")


def refresh(session: Session, case_id: int) -> None:
    """The case's facts after its items or findings changed."""
    rebuild(session, [case_id])


def ledger_posted(session: Session, case_id: int, account: str, on: dt.date,
                  amounts: Iterable[Decimal]) -> None:
    """Entries of `account` dated `on` were posted: add them to their month in
    `ledger_months`, and move the stage date they may move (one UPDATE; nothing for the
    accounts with no date kept, or a lowering entry)."""
    amounts = list(amounts)
    directorate = session.scalar(select(AuditCase.directorate_code)
                                 .where(AuditCase.id == case_id))
    add_to_month(session, on.strftime("%Y-%m"), account, directorate or "",
                 sum(amounts, Decimal(0)), len(amounts))
    if account == "paid":
        column = CaseFact.last_paid_on
        later = column < on
    elif account in STAGE_COLUMNS and any(a > 0 for a in amounts):
        column = getattr(CaseFact, STAGE_COLUMNS[account])
        later = column > on
    else:
        return
    moved = session.execute(update(CaseFact).where(CaseFact.case_id == case_id,
                                                   column.is_(None) | later).values({column: on}))
    if not moved.rowcount and session.scalar(
            select(CaseFact.case_id).where(CaseFact.case_id == case_id)) is None:
        refresh(session, case_id)  # a case without its row yet (made outside open_case)


# --- the ledger per month, account and directorate ------------------------------------------

MONTH_COLUMNS = ("month", "account", "directorate_code", "amount_pkr", "entries")


def ledger_months_select() -> Select[Any]:
    """`ledger_months` as the entries give it now, in MONTH_COLUMNS order."""
    month = month_of_date(LedgerEntry.entry_date)
    directorate = func.coalesce(AuditCase.directorate_code, "")
    return (select(month, LedgerEntry.account, directorate, func.sum(LedgerEntry.amount_pkr),
                   func.count()).join(AuditCase, AuditCase.id == LedgerEntry.case_id)
            .group_by(month, LedgerEntry.account, directorate))


def add_to_month(session: Session, month: str, account: str, directorate: str,
                 amount: Decimal, entries: int) -> None:
    """Add to a month's sum, creating its row: one INSERT ... ON CONFLICT DO UPDATE, so two
    transactions posting to the same month at once both count (the second waits for the
    first's row lock on PostgreSQL; SQLite has one writer at a time)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    statement = upsert(LedgerMonth).values(month=month, account=account,
                                           directorate_code=directorate, amount_pkr=amount,
                                           entries=entries)
    session.execute(statement.on_conflict_do_update(
        index_elements=["month", "account", "directorate_code"],
        set_={"amount_pkr": LedgerMonth.amount_pkr + statement.excluded.amount_pkr,
              "entries": LedgerMonth.entries + statement.excluded.entries}))


def ledger_month_differences(session: Session) -> list[tuple[str, str, str]]:
    """The (month, account, directorate) rows of `ledger_months` that differ from the entries
    (missing on either side counts): empty when every posting went through `ledger`."""
    def rows(query: Select[Any]) -> dict[tuple[str, str, str], tuple[Decimal, int]]:
        return {(m, a, d): (Decimal(x).quantize(Decimal("0.01")), int(n))
                for m, a, d, x, n in session.execute(query)}
    kept = rows(select(*[LedgerMonth.__table__.c[c] for c in MONTH_COLUMNS]))
    computed = rows(ledger_months_select())
    return sorted(k for k in kept.keys() | computed.keys() if kept.get(k) != computed.get(k))


def refresh_for_batch(session: Session, batch_id: int, at: dt.datetime) -> int:
    """After an intake batch: refresh the cases holding an item the batch amended (its
    `batch_id`), or an item of a declaration whose header it changed (`updated_at` = the
    batch's time: collectorate, importer...). Returns how many cases were refreshed."""
    touched = (select(CaseItem.case_id).join(DeclarationItem, DeclarationItem.id == CaseItem.item_id)
               .join(Declaration, Declaration.id == DeclarationItem.declaration_id)
               .where((DeclarationItem.batch_id == batch_id) | (Declaration.updated_at == at))
               .distinct())
    ids = list(session.scalars(touched))
    rebuild(session, ids)
    return len(ids)


def _normal(value: Any) -> Any:
    """Compare stored and computed values alike (SQLite hands dates back as text from a SELECT
    of expressions, and instants without their zone)."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else \
            value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] in " T":
        return dt.datetime.fromisoformat(value).replace(tzinfo=None)
    return value


def differences(session: Session, case_ids: CaseIds = None) -> list[int]:
    """The cases whose stored facts, tags or declarations differ from what the source tables give now (a row
    missing on either side counts): empty when the services kept everything in step."""
    ids = _ids(case_ids)
    stored = {row[0]: tuple(_normal(v) for v in row) for row in session.execute(
        select(*[CaseFact.__table__.c[c] for c in FACT_COLUMNS])
        .where(*_where(CaseFact.case_id, ids)))}
    computed = {row[0]: tuple(_normal(v) for v in row)
                for row in session.execute(facts_select(ids))}
    wrong = {c for c in stored.keys() | computed.keys() if stored.get(c) != computed.get(c)}
    kept_tags = set(session.execute(select(CaseFactTag.case_id, CaseFactTag.dimension,
                                           CaseFactTag.value)
                                    .where(*_where(CaseFactTag.case_id, ids))))
    tags = {tuple(r) for query in tags_selects(ids) for r in session.execute(query)}
    tags |= {(c, "fraud_kind", k) for c, k in kind_tags(session, ids)}
    wrong |= {t[0] for t in kept_tags ^ tags}
    kept_declarations = {tuple(_normal(v) for v in r) for r in session.execute(
        select(*[CaseFactDeclaration.__table__.c[c] for c in DECLARATION_COLUMNS])
        .where(*_where(CaseFactDeclaration.case_id, ids)))}
    declarations = {tuple(_normal(v) for v in r)
                    for r in session.execute(declarations_select(ids))}
    wrong |= {d[0] for d in kept_declarations ^ declarations}
    return sorted(wrong)
