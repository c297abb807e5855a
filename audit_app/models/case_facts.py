"""Per-case facts for the dashboards: one row per audit case with the values every filter and
breakdown needs (directorate, importer, the principal item's collectorate, PCT chapter and
fraud kind, the dates each stage was reached), and the set of collectorates, chapters and fraud
kinds over all its items. Derived data, never entered: `services.case_facts` keeps it in step
in the same transaction as the service that changes a fact (opening a case, recording a finding,
posting to the ledger, amending a declaration), and `pca dashboards rebuild-facts` rebuilds it
from the source tables. So a filter by collectorate, chapter or kind is one indexed lookup over
the cases instead of a join through a million declaration items.

Not `Audited`: nothing here is a record of its own; the audit log holds the facts it derives from.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, Money

FACT_DIMENSIONS = ("collectorate", "chapter", "fraud_kind")


class CaseFact(Base):
    __tablename__ = "case_facts"
    __table_args__ = (
        Index("ix_case_facts_directorate_code", "directorate_code"),
        Index("ix_case_facts_collectorate", "collectorate"),
        Index("ix_case_facts_chapter", "chapter"),
        Index("ix_case_facts_fraud_kind", "fraud_kind"),
        Index("ix_case_facts_importer_id", "importer_id"),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("audit_cases.id", ondelete="CASCADE"),
                                         primary_key=True)
    directorate_code: Mapped[str | None] = mapped_column(String(16))
    importer_id: Mapped[int | None]
    # The principal item: the one with the largest short levy (no finding: the first item).
    # A breakdown counts a case under these, so the rows of a breakdown add up to the total.
    principal_item_id: Mapped[int | None]  # case_items.id
    collectorate: Mapped[str | None] = mapped_column(String(16))
    chapter: Mapped[str | None] = mapped_column(String(2))
    fraud_kind: Mapped[str | None] = mapped_column(String(24))  # None: no finding on it
    # Stages: when the case was selected (its proposal; the case's opening without one), and
    # the first day an entry raised each ledger account (the order-in-original: adjudged_on);
    # the last payment's day.
    selected_at: Mapped[dt.datetime | None]
    detected_on: Mapped[dt.date | None]
    observed_on: Mapped[dt.date | None]
    contravened_on: Mapped[dt.date | None]
    adjudged_on: Mapped[dt.date | None]
    demanded_on: Mapped[dt.date | None]
    last_paid_on: Mapped[dt.date | None]


class CaseFactTag(Base):
    """A collectorate, chapter or fraud kind found on any item of the case (a case matches a
    filter when any of its items does)."""

    __tablename__ = "case_fact_tags"
    __table_args__ = (
        Index("ix_case_fact_tags_dimension_value_case_id", "dimension", "value", "case_id"),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("audit_cases.id", ondelete="CASCADE"),
                                         primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(24), primary_key=True)


class CaseFactDeclaration(Base):
    """A declaration with an item in the case, with its GD date and collectorate. The risk
    dashboard's coverage ("declarations cleared with an item under audit") counts these per
    month (one row per audited declaration and case), instead of joining every case item to
    the million declaration items."""

    __tablename__ = "case_fact_declarations"
    __table_args__ = (
        Index("ix_case_fact_declarations_gd_date_collectorate_declaration_id", "gd_date",
              "collectorate", "declaration_id"),
        Index("ix_case_fact_declarations_declaration_id", "declaration_id"),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("audit_cases.id", ondelete="CASCADE"),
                                         primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id", ondelete="CASCADE"),
                                                primary_key=True)
    gd_date: Mapped[dt.date]
    collectorate: Mapped[str | None] = mapped_column(String(16))


class LedgerMonth(Base):
    """The ledger summed per month (of the entry date, 'YYYY-MM'), account and directorate of
    the case ('' for none): the dashboards' period sums (the revenue trend, the previous
    period's totals) read a few hundred rows instead of the period's entries. Derived, never
    entered: `ledger.post` and `ledger.reverse` add each entry in the same transaction (an
    upsert, safe when two postings race); `pca dashboards rebuild-facts` recomputes it and
    `check-facts` compares it with the entries. A case's directorate is fixed at its opening,
    so no other change moves a row. Figures filtered by collectorate, chapter or fraud kind
    (any item of a case) still sum the entries of the matching cases."""

    __tablename__ = "ledger_months"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    account: Mapped[str] = mapped_column(String(16), primary_key=True)
    directorate_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    amount_pkr: Mapped[Money]
    entries: Mapped[int]
