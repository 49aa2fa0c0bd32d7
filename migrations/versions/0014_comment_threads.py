"""comment threads: a reply names the comment that opened its thread

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 17:00:00.000000

Existing comments stay threads of their own (parent_id NULL): none was a reply before.
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('plan_comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_plan_comment_parent_id'), ['parent_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_plan_comment_parent_id_plan_comment'), 'plan_comment',
                                    ['parent_id'], ['id'], ondelete='CASCADE')


def downgrade():
    with op.batch_alter_table('plan_comment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_plan_comment_parent_id_plan_comment'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_plan_comment_parent_id'))
        batch_op.drop_column('parent_id')
