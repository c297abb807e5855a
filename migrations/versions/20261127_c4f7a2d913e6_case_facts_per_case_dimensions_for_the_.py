"""case_facts: per-case dimensions and stage dates for the dashboards, backfilled

Revision ID: c4f7a2d913e6
Revises: efaff0f80b82
Create Date: 2026-11-27 03:50:00

One row per case (directorate, importer, the principal item's collectorate, chapter and fraud
kind, the stage dates) and the collectorates, chapters and kinds of all its items, so each
dashboard filter is one indexed column over the cases. The backfill is frozen SQL (the same
rules as audit_app.services.case_facts.rebuild at the time of writing).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = 'c4f7a2d913e6'
down_revision: Union[str, None] = 'efaff0f80b82'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

STAGES = {"detected": "detected_on", "observed": "observed_on", "contravened": "contravened_on",
          "adjudged": "adjudged_on", "demanded": "demanded_on"}


def upgrade() -> None:
    op.create_table(
        'case_facts',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('directorate_code', sa.String(length=16), nullable=True),
        sa.Column('importer_id', sa.Integer(), nullable=True),
        sa.Column('principal_item_id', sa.Integer(), nullable=True),
        sa.Column('collectorate', sa.String(length=16), nullable=True),
        sa.Column('chapter', sa.String(length=2), nullable=True),
        sa.Column('fraud_kind', sa.String(length=24), nullable=True),
        sa.Column('selected_at', sa.DateTime(timezone=True), nullable=True),
        *[sa.Column(c, sa.Date(), nullable=True) for c in STAGES.values()],
        sa.Column('last_paid_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['audit_cases.id'],
                                name=op.f('fk_case_facts_case_id_audit_cases'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_facts')),
    )
    for column in ('directorate_code', 'collectorate', 'chapter', 'fraud_kind', 'importer_id'):
        op.create_index(f'ix_case_facts_{column}', 'case_facts', [column], unique=False)
    op.create_table(
        'case_fact_tags',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('dimension', sa.String(length=16), nullable=False),
        sa.Column('value', sa.String(length=24), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['audit_cases.id'],
                                name=op.f('fk_case_fact_tags_case_id_audit_cases'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('case_id', 'dimension', 'value', name=op.f('pk_case_fact_tags')),
    )
    op.create_index('ix_case_fact_tags_dimension_value_case_id', 'case_fact_tags',
                    ['dimension', 'value', 'case_id'], unique=False)
    backfill()


def backfill() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    first_kind = "f.kinds ->> 0" if pg else "json_extract(f.kinds, '$[0]')"
    stages = ", ".join(
        f"min(CASE WHEN account = '{a}' AND amount_pkr > 0 THEN entry_date END) AS {c}"
        for a, c in STAGES.items())
    columns = ", ".join(STAGES.values())
    op.execute(f"""
        INSERT INTO case_facts (case_id, directorate_code, importer_id, principal_item_id,
            collectorate, chapter, fraud_kind, selected_at, {columns}, last_paid_on)
        SELECT c.id, c.directorate_code, c.importer_id, r.case_item_id, d.collectorate,
               substr(di.hs_code, 1, 2), r.kind, coalesce(p.created_at, c.created_at),
               {", ".join("s." + c for c in STAGES.values())}, s.last_paid_on
        FROM audit_cases c
        LEFT JOIN (SELECT ci.case_id, ci.id AS case_item_id, ci.item_id, {first_kind} AS kind,
                          row_number() OVER (PARTITION BY ci.case_id
                                             ORDER BY coalesce(f.short_total_pkr, 0) DESC, ci.id) AS rank
                   FROM case_items ci LEFT JOIN findings f ON f.case_item_id = ci.id) r
               ON r.case_id = c.id AND r.rank = 1
        LEFT JOIN declaration_items di ON di.id = r.item_id
        LEFT JOIN declarations d ON d.id = di.declaration_id
        LEFT JOIN audit_proposals p ON p.id = c.proposal_id
        LEFT JOIN (SELECT case_id, {stages},
                          max(CASE WHEN account = 'paid' THEN entry_date END) AS last_paid_on
                   FROM ledger_entries GROUP BY case_id) s ON s.case_id = c.id""")
    op.execute("""
        INSERT INTO case_fact_tags (case_id, dimension, value)
        SELECT DISTINCT ci.case_id, 'collectorate', d.collectorate
        FROM case_items ci JOIN declaration_items di ON di.id = ci.item_id
        JOIN declarations d ON d.id = di.declaration_id WHERE d.collectorate IS NOT NULL""")
    op.execute("""
        INSERT INTO case_fact_tags (case_id, dimension, value)
        SELECT DISTINCT ci.case_id, 'chapter', substr(di.hs_code, 1, 2)
        FROM case_items ci JOIN declaration_items di ON di.id = ci.item_id
        WHERE di.hs_code IS NOT NULL""")
    kinds = ("jsonb_array_elements_text(f.kinds) AS k(value)" if pg
             else "json_each(f.kinds) AS k")
    op.execute(f"""
        INSERT INTO case_fact_tags (case_id, dimension, value)
        SELECT DISTINCT ci.case_id, 'fraud_kind', k.value
        FROM case_items ci JOIN findings f ON f.case_item_id = ci.id, {kinds}""")


def downgrade() -> None:
    op.drop_index('ix_case_fact_tags_dimension_value_case_id', table_name='case_fact_tags')
    op.drop_table('case_fact_tags')
    for column in ('directorate_code', 'collectorate', 'chapter', 'fraud_kind', 'importer_id'):
        op.drop_index(f'ix_case_facts_{column}', table_name='case_facts')
    op.drop_table('case_facts')
