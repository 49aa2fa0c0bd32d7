"""plan summaries carry the execution's figures for the national desk (issue 16, item 6;
plans/execution/desk_summary.py)

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-07 20:10:00

Nullable columns only (NULL: no execution recorded). Existing rows keep formula 1 and are recomputed with their
execution by the desk's next reader (plans/planning/summary.py, FORMULA 2).
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0017'
branch_labels = None
depends_on = None

COLUMNS = (
    ('exec_year', sa.Integer()),
    ('exec_physical_rate', sa.Numeric(precision=7, scale=2)),
    ('exec_financial_rate', sa.Numeric(precision=7, scale=2)),
    ('exec_mobilised_rate', sa.Numeric(precision=7, scale=2)),
    ('exec_mobilised', sa.BigInteger()),
    ('exec_paid', sa.BigInteger()),
    ('exec_weighted_progress', sa.BigInteger()),
    ('exec_diaspora_promised', sa.BigInteger()),
    ('exec_diaspora_mobilised', sa.BigInteger()),
    ('exec_diaspora_rate', sa.Numeric(precision=7, scale=2)),
    ('exec_by_sector', sa.JSON()),
)


def upgrade():
    with op.batch_alter_table('plan_summary') as batch:
        for name, type_ in COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))


def downgrade():
    with op.batch_alter_table('plan_summary') as batch:
        for name, _type in reversed(COLUMNS):
            batch.drop_column(name)
