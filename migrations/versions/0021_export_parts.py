"""the national exports kept in the database: each plan's CSV lines and the prepared workbooks (issue 15, speed;
plans/reporting/export_parts.py)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08 00:00:00

Two new tables, empty: the first download after the upgrade writes them.
"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'export_part',
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('entity', sa.String(length=20), nullable=False),
        sa.Column('generation', sa.Integer(), nullable=False),
        sa.Column('layout', sa.String(length=16), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_export_part_plan_id_plan'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('plan_id', 'entity', name=op.f('pk_export_part')),
    )
    op.create_table(
        'prepared_workbook',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('body', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_prepared_workbook')),
    )
    with op.batch_alter_table('prepared_workbook', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prepared_workbook_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('prepared_workbook', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prepared_workbook_created_at'))
    op.drop_table('prepared_workbook')
    op.drop_table('export_part')
