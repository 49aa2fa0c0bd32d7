"""territory editions side by side: the crosswalk from a unit of an older edition to its successors

Revision ID: 0015
Revises: 0018
Create Date: 2026-12-07 17:00:00.000000

`flask geodata import-edition … --crosswalk FILE.csv` fills it (plans/territory/crosswalk.py); a planner or an
administrator then moves a collectivité or a grouping to the successor units (plans/owners/succession.py).
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'unit_succession',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('old_unit_id', sa.Integer(), nullable=False),
        sa.Column('new_unit_id', sa.Integer(), nullable=False),
        sa.Column('from_file', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['new_unit_id'], ['admin_unit.id'],
                                name=op.f('fk_unit_succession_new_unit_id_admin_unit'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['old_unit_id'], ['admin_unit.id'],
                                name=op.f('fk_unit_succession_old_unit_id_admin_unit'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_succession')),
        sa.UniqueConstraint('old_unit_id', 'new_unit_id', name='uq_unit_succession_old_unit_id'),
    )
    with op.batch_alter_table('unit_succession', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_succession_new_unit_id'), ['new_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_succession_old_unit_id'), ['old_unit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('unit_succession', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_succession_old_unit_id'))
        batch_op.drop_index(batch_op.f('ix_unit_succession_new_unit_id'))
    op.drop_table('unit_succession')
