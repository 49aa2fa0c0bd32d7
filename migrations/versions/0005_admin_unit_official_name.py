"""admin unit: the official name an administrator sets (kept by `flask geodata load`)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-09 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    # Both nullable: the existing units have no official name (they show name_fr or name, as before).
    with op.batch_alter_table('admin_unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('official_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('official_name_set_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('admin_unit', schema=None) as batch_op:
        batch_op.drop_column('official_name_set_at')
        batch_op.drop_column('official_name')
