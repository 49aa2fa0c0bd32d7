"""the review of the previous plan (« bilan du plan précédent »), a text of section 1 pre-filled from the last
plan's execution when the next plan or revision is opened (issue 16, item 7; plans/execution/nextplan.py)

Revision ID: 0020
Revises: 0017
Create Date: 2026-12-07 20:10:00

One column, empty for the plans that exist.
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_review', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('previous_review')
