"""execution of a validated or adopted plan: records per action and year, the money of each funding line, their
history, and the indicators measured (issue 16; plans/execution/models.py)

Revision ID: 0013
Revises: 0015
Create Date: 2026-12-07 16:40:39.341646

New tables only, empty: nothing of the plans' content changes.
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('execution_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('action_uuid', sa.String(length=36), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('restorable', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_execution_change_plan_id_plan'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_execution_change_user_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_execution_change'))
    )
    with op.batch_alter_table('execution_change', schema=None) as batch_op:
        batch_op.create_index('ix_execution_change_history_key', ['plan_id', 'action_uuid', 'year'], unique=False)
        batch_op.create_index(batch_op.f('ix_execution_change_plan_id'), ['plan_id'], unique=False)

    op.create_table('indicator_measure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('value', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('breakdown', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('measured_on', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('saved_at', sa.DateTime(), nullable=True),
    sa.Column('saved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], name=op.f('fk_indicator_measure_indicator_id_indicator'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_indicator_measure_plan_id_plan'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['saved_by_id'], ['app_user.id'], name=op.f('fk_indicator_measure_saved_by_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_measure')),
    sa.UniqueConstraint('indicator_id', 'year', name='uq_indicator_measure_indicator_id_year')
    )
    with op.batch_alter_table('indicator_measure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_measure_indicator_id'), ['indicator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicator_measure_plan_id'), ['plan_id'], unique=False)

    op.create_table('execution_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('contractor', sa.String(length=200), nullable=False),
    sa.Column('observations', sa.Text(), nullable=False),
    sa.Column('functioning', sa.String(length=20), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('saved_at', sa.DateTime(), nullable=True),
    sa.Column('saved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['action_id'], ['action.id'], name=op.f('fk_execution_record_action_id_action'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_execution_record_plan_id_plan'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['saved_by_id'], ['app_user.id'], name=op.f('fk_execution_record_saved_by_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_execution_record')),
    sa.UniqueConstraint('action_id', 'year', name='uq_execution_record_action_id_year')
    )
    with op.batch_alter_table('execution_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_execution_record_action_id'), ['action_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_execution_record_plan_id'), ['plan_id'], unique=False)

    op.create_table('execution_funding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('funding_line_id', sa.Integer(), nullable=False),
    sa.Column('mobilised', sa.BigInteger(), nullable=False),
    sa.Column('paid', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['funding_line_id'], ['funding_line.id'], name=op.f('fk_execution_funding_funding_line_id_funding_line'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['record_id'], ['execution_record.id'], name=op.f('fk_execution_funding_record_id_execution_record'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_execution_funding')),
    sa.UniqueConstraint('record_id', 'funding_line_id', name='uq_execution_funding_record_id_funding_line_id')
    )
    with op.batch_alter_table('execution_funding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_execution_funding_funding_line_id'), ['funding_line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_execution_funding_record_id'), ['record_id'], unique=False)



def downgrade():
    with op.batch_alter_table('execution_funding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_execution_funding_record_id'))
        batch_op.drop_index(batch_op.f('ix_execution_funding_funding_line_id'))

    op.drop_table('execution_funding')
    with op.batch_alter_table('execution_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_execution_record_plan_id'))
        batch_op.drop_index(batch_op.f('ix_execution_record_action_id'))

    op.drop_table('execution_record')
    with op.batch_alter_table('indicator_measure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_measure_plan_id'))
        batch_op.drop_index(batch_op.f('ix_indicator_measure_indicator_id'))

    op.drop_table('indicator_measure')
    with op.batch_alter_table('execution_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_execution_change_plan_id'))
        batch_op.drop_index('ix_execution_change_history_key')

    op.drop_table('execution_change')
