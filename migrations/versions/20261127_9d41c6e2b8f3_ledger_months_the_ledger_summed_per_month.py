"""ledger_months: the ledger summed per month, account and directorate, backfilled

Revision ID: 9d41c6e2b8f3
Revises: 7b3e9c1f5a20
Create Date: 2026-11-27 08:00:00

The revenue dashboard's trend and its previous-period totals summed the period's ledger entries
(100,000+ for a year) on every call; `ledger.post` now adds each entry to its month's row in the
same transaction. The backfill is frozen SQL (the rule of
audit_app.services.case_facts.ledger_months_select at the time of writing); `pca dashboards
rebuild-facts` recomputes it and `check-facts` compares it with the entries.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '9d41c6e2b8f3'
down_revision: Union[str, None] = '7b3e9c1f5a20'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'ledger_months',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('account', sa.String(length=16), nullable=False),
        sa.Column('directorate_code', sa.String(length=16), nullable=False),
        sa.Column('amount_pkr', sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column('entries', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('month', 'account', 'directorate_code',
                                name=op.f('pk_ledger_months')),
    )
    pg = op.get_bind().dialect.name == "postgresql"
    month = ("to_char(e.entry_date, 'YYYY-MM')" if pg else "strftime('%Y-%m', e.entry_date)")
    op.execute(f"""
        INSERT INTO ledger_months (month, account, directorate_code, amount_pkr, entries)
        SELECT {month}, e.account, coalesce(c.directorate_code, ''), sum(e.amount_pkr), count(*)
        FROM ledger_entries e JOIN audit_cases c ON c.id = e.case_id
        GROUP BY {month}, e.account, coalesce(c.directorate_code, '')""")


def downgrade() -> None:
    op.drop_table('ledger_months')
