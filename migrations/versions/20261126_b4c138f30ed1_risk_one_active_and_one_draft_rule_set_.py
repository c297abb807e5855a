"""risk: one active and one draft rule set, one open proposal per importer

Partial unique indexes (SQLite and PostgreSQL both support them) make the rule-set life cycle
and the selection safe against two administrators or supervisors acting at the same moment:
at most one rule set is active and one is a draft, and an importer is under at most one
proposal that is proposed or approved.

Revision ID: b4c138f30ed1
Revises: 44635592a84a
Create Date: 2026-11-26 16:15:09.832887
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = 'b4c138f30ed1'
down_revision: Union[str, None] = '44635592a84a'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


LIVE_RULE_SET = sa.text("status IN ('active', 'draft')")
OPEN_PROPOSAL = sa.text("status IN ('proposed', 'approved')")


def upgrade() -> None:
    with op.batch_alter_table("audit_proposals", schema=None) as batch_op:
        batch_op.create_index("uq_audit_proposals_open_importer", ["importer_id"], unique=True,
                              sqlite_where=OPEN_PROPOSAL, postgresql_where=OPEN_PROPOSAL)
    with op.batch_alter_table("risk_rule_sets", schema=None) as batch_op:
        batch_op.create_index("uq_risk_rule_sets_live_status", ["status"], unique=True,
                              sqlite_where=LIVE_RULE_SET, postgresql_where=LIVE_RULE_SET)


def downgrade() -> None:
    with op.batch_alter_table("risk_rule_sets", schema=None) as batch_op:
        batch_op.drop_index("uq_risk_rule_sets_live_status")
    with op.batch_alter_table("audit_proposals", schema=None) as batch_op:
        batch_op.drop_index("uq_audit_proposals_open_importer")
