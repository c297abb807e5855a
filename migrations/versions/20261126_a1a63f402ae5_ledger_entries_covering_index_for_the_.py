"""Ledger entries: covering index for the dashboards' sums per account and period

Revision ID: a1a63f402ae5
Revises: dd4d091404e5
Create Date: 2026-11-26 22:26:25.553522
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = 'a1a63f402ae5'
down_revision: Union[str, None] = 'dd4d091404e5'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:

    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_entries_account_entry_date_case_id_amount_pkr', ['account', 'entry_date', 'case_id', 'amount_pkr'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_entries_account_entry_date_case_id_amount_pkr')


