"""plan summaries: each plan's figures for the national desk (map, dashboard, work queue, totals by territory)

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-10 10:00:00.000000

The tables start empty: the figures come from the application's own rules (plans/planning/summary.py), which a
migration must not import. `flask setup` (run by `make run`) and `flask plans refresh-summaries` fill them; every
save then keeps its plan's row up to date in its own transaction.
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'plan_summary',
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('formula', sa.Integer(), nullable=False),
        sa.Column('generation', sa.Integer(), nullable=False),
        sa.Column('refreshed_at', sa.DateTime(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('owner_kind', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('period_start', sa.Integer(), nullable=False),
        sa.Column('period_end', sa.Integer(), nullable=False),
        sa.Column('population', sa.BigInteger(), nullable=True),
        sa.Column('population_year', sa.Integer(), nullable=True),
        sa.Column('emigrants', sa.BigInteger(), nullable=True),
        sa.Column('total_cost', sa.BigInteger(), nullable=False),
        sa.Column('identified', sa.BigInteger(), nullable=False),
        sa.Column('secured', sa.BigInteger(), nullable=False),
        sa.Column('promised', sa.BigInteger(), nullable=False),
        sa.Column('to_find', sa.BigInteger(), nullable=False),
        sa.Column('not_covered', sa.BigInteger(), nullable=False),
        sa.Column('excess', sa.BigInteger(), nullable=False),
        sa.Column('diaspora_amount', sa.BigInteger(), nullable=False),
        sa.Column('diaspora_share', sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column('actions', sa.Integer(), nullable=False),
        sa.Column('migration_actions', sa.Integer(), nullable=False),
        sa.Column('diaspora_actions', sa.Integer(), nullable=False),
        sa.Column('cost_per_inhabitant', sa.BigInteger(), nullable=True),
        sa.Column('emigrants_per_mille', sa.Numeric(precision=14, scale=1), nullable=True),
        sa.Column('gap', sa.Boolean(), nullable=True),
        sa.Column('completeness_pct', sa.Integer(), nullable=False),
        sa.Column('by_sector', sa.JSON(), nullable=False),
        sa.Column('by_source', sa.JSON(), nullable=False),
        sa.Column('points', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['plan_owner.id'], name=op.f('fk_plan_summary_owner_id_plan_owner'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_summary_plan_id_plan'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('plan_id', name=op.f('pk_plan_summary')),
    )
    with op.batch_alter_table('plan_summary', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_summary_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_summary_status'), ['status'], unique=False)
    op.create_table(
        'plan_summary_place',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('cercle_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['cercle_id'], ['admin_unit.id'], name=op.f('fk_plan_summary_place_cercle_id_admin_unit')),
        sa.ForeignKeyConstraint(['plan_id'], ['plan_summary.plan_id'],
                                name=op.f('fk_plan_summary_place_plan_id_plan_summary'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['region_id'], ['admin_unit.id'], name=op.f('fk_plan_summary_place_region_id_admin_unit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_summary_place')),
    )
    with op.batch_alter_table('plan_summary_place', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_summary_place_cercle_id'), ['cercle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_summary_place_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_summary_place_region_id'), ['region_id'], unique=False)


def downgrade():
    with op.batch_alter_table('plan_summary_place', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_summary_place_region_id'))
        batch_op.drop_index(batch_op.f('ix_plan_summary_place_plan_id'))
        batch_op.drop_index(batch_op.f('ix_plan_summary_place_cercle_id'))
    op.drop_table('plan_summary_place')
    with op.batch_alter_table('plan_summary', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_summary_status'))
        batch_op.drop_index(batch_op.f('ix_plan_summary_owner_id'))
    op.drop_table('plan_summary')
