"""plan summaries recomputed by their next reader: a save counts its change, the desk recomputes what is behind

Revision ID: 0018
Revises: 0012
Create Date: 2026-12-07 17:00:00.000000

A save used to recompute its plan's summary in its own transaction (hundreds of milliseconds for a large plan, in
every save). It now only adds one to `changes`; the desk's readers recompute the summaries whose `computed_changes`
is behind (plans/planning/summary.py). Existing rows start equal (0, 0): they were fresh when this ran.
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('plan_summary') as batch:
        batch.add_column(sa.Column('changes', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('computed_changes', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('plan_summary') as batch:
        batch.drop_column('computed_changes')
        batch.drop_column('changes')
