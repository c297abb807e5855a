"""Open tasks carry a version column: claims, reassignments and escalations are compare-and-swap

Two supervisors claiming the same pool task at once both succeeded (the second overwrote the
first); a claim racing a completion failed with a server error. With the version in the
UPDATE/DELETE's WHERE clause the stale writer matches no row and gets a conflict.

Revision ID: 5e0c2a7d9b14
Revises: c4f7a2d913e6
Create Date: 2026-11-27 03:50:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '5e0c2a7d9b14'
down_revision: Union[str, None] = 'c4f7a2d913e6'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('open_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('open_tasks', schema=None) as batch_op:
        batch_op.drop_column('version')
