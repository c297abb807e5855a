"""case_fact_declarations: the declarations each case audits, for the risk coverage, backfilled

Revision ID: 7b3e9c1f5a20
Revises: c2c8b58c05bc
Create Date: 2026-11-27 07:45:00

The risk dashboard's coverage (declarations cleared with an item under audit) joined the case
items to the million declaration items on every call (0.65 s of its 0.9 s on PostgreSQL); with
the audited declarations (and their GD date and collectorate) kept beside the case facts it is
a count over 100,000 narrow rows by an index on the GD date. The
backfill is frozen SQL (the rule of audit_app.services.case_facts.declarations_select at the
time of writing); `pca dashboards rebuild-facts` rebuilds it too. The coverage by PCT chapter
(declarations with an item in the chapter) reads the new index on (hs_code, declaration_id)
alone instead of scanning the declaration items.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '7b3e9c1f5a20'
down_revision: Union[str, None] = 'c2c8b58c05bc'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'case_fact_declarations',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('declaration_id', sa.Integer(), nullable=False),
        sa.Column('gd_date', sa.Date(), nullable=False),
        sa.Column('collectorate', sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['audit_cases.id'],
                                name=op.f('fk_case_fact_declarations_case_id_audit_cases'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'],
                                name=op.f('fk_case_fact_declarations_declaration_id_declarations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('case_id', 'declaration_id',
                                name=op.f('pk_case_fact_declarations')),
    )
    op.create_index('ix_case_fact_declarations_declaration_id', 'case_fact_declarations',
                    ['declaration_id'], unique=False)
    op.create_index('ix_case_fact_declarations_gd_date_collectorate_declaration_id',
                    'case_fact_declarations', ['gd_date', 'collectorate', 'declaration_id'],
                    unique=False)
    op.create_index('ix_declaration_items_hs_code_declaration_id', 'declaration_items',
                    ['hs_code', 'declaration_id'], unique=False)
    op.execute("""
        INSERT INTO case_fact_declarations (case_id, declaration_id, gd_date, collectorate)
        SELECT DISTINCT ci.case_id, d.id, d.gd_date, d.collectorate
        FROM case_items ci JOIN declaration_items di ON di.id = ci.item_id
        JOIN declarations d ON d.id = di.declaration_id""")


def downgrade() -> None:
    op.drop_index('ix_declaration_items_hs_code_declaration_id', table_name='declaration_items')
    op.drop_index('ix_case_fact_declarations_gd_date_collectorate_declaration_id',
                  table_name='case_fact_declarations')
    op.drop_index('ix_case_fact_declarations_declaration_id', table_name='case_fact_declarations')
    op.drop_table('case_fact_declarations')
