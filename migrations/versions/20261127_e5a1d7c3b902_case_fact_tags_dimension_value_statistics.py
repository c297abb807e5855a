"""case_fact_tags: statistics on (dimension, value) together, on PostgreSQL

Revision ID: e5a1d7c3b902
Revises: 9d41c6e2b8f3
Create Date: 2026-11-27 08:30:00

A dashboard filter by collectorate, chapter or fraud kind reads the cases with a tag
(`dimension = 'fraud_kind' AND value = 'UNDERVALUATION'`). PostgreSQL estimated the two
conditions as independent (about 900 cases where 8,500 match) and chose a lookup per case into
the ledger entries instead of hashing the tag's cases once. The most common (dimension, value)
pairs kept together give the estimate right. SQLite has no such statistics: nothing to do there.
Statistics objects are not part of the models (autogenerate does not compare them).
"""
from typing import Sequence, Union

from alembic import op


revision: str = 'e5a1d7c3b902'
down_revision: Union[str, None] = '9d41c6e2b8f3'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE STATISTICS IF NOT EXISTS case_fact_tags_dimension_value (mcv, dependencies) "
               "ON dimension, value FROM case_fact_tags")
    op.execute("ANALYZE case_fact_tags")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP STATISTICS IF EXISTS case_fact_tags_dimension_value")
