"""Revenue targets and issued steering-committee reports

Revision ID: ab7e15b6666d
Revises: d6ff9fede7cd
Create Date: 2026-11-26 21:49:05.143325
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision: str = 'ab7e15b6666d'
down_revision: Union[str, None] = 'd6ff9fede7cd'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    
    op.create_table('revenue_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('measure', sa.String(length=16), nullable=False),
    sa.Column('directorate_code', sa.String(length=16), nullable=True),
    sa.Column('amount_pkr', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('set_by', sa.String(length=120), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revenue_targets')),
    sa.UniqueConstraint('month', 'measure', 'directorate_code', name=op.f('uq_revenue_targets_month_measure_directorate_code'))
    )
    with op.batch_alter_table('revenue_targets', schema=None) as batch_op:
        batch_op.create_index('ix_revenue_targets_measure_month', ['measure', 'month'], unique=False)

    op.create_table('steering_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=24), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('period_from', sa.Date(), nullable=False),
    sa.Column('period_to', sa.Date(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('issued_by_name', sa.String(length=120), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('figures', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column("pdf", sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_steering_reports_issued_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_steering_reports')),
    sa.UniqueConstraint('period', 'version', name=op.f('uq_steering_reports_period_version'))
    )



def downgrade() -> None:
    
    op.drop_table('steering_reports')
    with op.batch_alter_table('revenue_targets', schema=None) as batch_op:
        batch_op.drop_index('ix_revenue_targets_measure_month')

    op.drop_table('revenue_targets')

