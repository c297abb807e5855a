"""The money ledger: every rupee of a case, from detection to recovery, as append-only entries.

An entry moves one account of one case by a signed amount of one levy. A case's figures
(detected, demanded, paid, stayed, outstanding...) are sums over its entries; nothing else
holds an amount that could disagree. A wrong entry is never edited or deleted: a reversing
entry (`reverses_id`) cancels it. The database refuses UPDATE and DELETE too (triggers made
by the migration), and so does the ORM (below), so no code path can rewrite history.

Posting goes through `services.ledger`; this module only defines the rows and the guards.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from ..db import Base, Money, utcnow
from ..errors import Conflict
from .audit_log import Audited

# The duty and taxes of a declaration (services.duty.LEVIES), then what an order adds.
DUTY_LEVIES = ("cd", "rd", "acd", "st", "ast", "it")
LEVIES = DUTY_LEVIES + ("penalty", "fine")
LEVY_LABELS = {"cd": "Customs duty", "rd": "Regulatory duty", "acd": "Additional customs duty",
               "st": "Sales tax", "ast": "Additional sales tax", "it": "Income tax",
               "penalty": "Penalty", "fine": "Fine"}

# The revenue funnel, each a running balance per case and levy:
ACCOUNTS = (
    "detected",     # short levy in the findings the supervisor approved
    "observed",     # short levy in the audit observation issued to the trader
    "contravened",  # short levy in the contravention report sent to adjudication
    "adjudged",     # duty, taxes, penalty and fine in the order-in-original
    "demanded",     # what the trader owes now: the order, as changed by appeals and ADR
    "paid",         # payments received (voluntary, or against the demand)
    "stayed",       # part of the demand an appellate forum has stayed (released when lifted)
    "remitted",     # demand reduced or set aside by an appeal or ADR decision
)
ACCOUNT_LABELS = {"detected": "Detected", "observed": "Observed", "contravened": "Contravened",
                  "adjudged": "Adjudged", "demanded": "Demanded", "paid": "Paid",
                  "stayed": "Stayed", "remitted": "Remitted"}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class LedgerEntry(Audited, Base):
    """One movement of one account of one case, in one levy. Never updated, never deleted."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint(_in("account", ACCOUNTS), name="account"),
        CheckConstraint(_in("levy", LEVIES), name="levy"),
        CheckConstraint("amount_pkr <> 0", name="amount_not_zero"),
        Index("ix_ledger_entries_case_id_account_levy", "case_id", "account", "levy"),
        Index("ix_ledger_entries_account_entry_date", "account", "entry_date"),
        # Covers the dashboards' sums per account over a period (no table lookups).
        Index("ix_ledger_entries_account_entry_date_case_id_amount_pkr", "account", "entry_date",
              "case_id", "amount_pkr"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("audit_cases.id"))
    account: Mapped[str] = mapped_column(String(16))
    levy: Mapped[str] = mapped_column(String(8))
    # Signed: positive raises the account's balance, negative lowers it.
    amount_pkr: Mapped[Money]
    # The day the money fact happened (challan date, order date), in Pakistan time.
    entry_date: Mapped[dt.date]
    # What happened, e.g. findings_approved, order_in_original, payment, stay_ordered, reversal.
    kind: Mapped[str] = mapped_column(String(40))
    # The outside reference: challan number, order number, observation number...
    reference: Mapped[str | None] = mapped_column(String(80))
    # The issued document behind the entry (its number in its series), when there is one.
    document_ref: Mapped[str | None] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the system
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The entry this one cancels; each entry can be reversed once.
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)


class LedgerImmutable(Conflict):
    code = "ledger_immutable"

    def __init__(self, what: str) -> None:
        super().__init__(f"Ledger entries are never {what}: post a reversing entry instead.")


@event.listens_for(LedgerEntry, "before_update")
def _refuse_update(_mapper, _connection, _target) -> None:  # type: ignore[no-untyped-def]
    raise LedgerImmutable("changed")


@event.listens_for(LedgerEntry, "before_delete")
def _refuse_delete(_mapper, _connection, _target) -> None:  # type: ignore[no-untyped-def]
    raise LedgerImmutable("deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state: ORMExecuteState) -> None:
    """`update(LedgerEntry)` / `delete(LedgerEntry)` bypass the mapper events above."""
    if (state.is_update or state.is_delete) and any(
            m.class_ is LedgerEntry for m in state.all_mappers):
        raise LedgerImmutable("changed" if state.is_update else "deleted")


ZERO = Decimal(0)
