"""evidence of execution: photos and documents attached to an action's year (issue 16, item 2;
plans/execution/evidence.py)

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-07 18:10:00

A new table only, empty; the files themselves live under the instance folder (evidence/).
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('execution_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('caption', sa.String(length=300), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['action_id'], ['action.id'], name=op.f('fk_execution_evidence_action_id_action'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_execution_evidence_created_by_id_app_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_execution_evidence_plan_id_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_execution_evidence')),
    sa.UniqueConstraint('uuid', name=op.f('uq_execution_evidence_uuid'))
    )
    with op.batch_alter_table('execution_evidence', schema=None) as batch_op:
        batch_op.create_index('ix_execution_evidence_action_year', ['action_id', 'year'], unique=False)
        batch_op.create_index(batch_op.f('ix_execution_evidence_plan_id'), ['plan_id'], unique=False)


def downgrade():
    with op.batch_alter_table('execution_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_execution_evidence_plan_id'))
        batch_op.drop_index('ix_execution_evidence_action_year')
    op.drop_table('execution_evidence')
