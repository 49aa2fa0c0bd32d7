"""funding line: the diaspora association's section that pays

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 15:50:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    # server_default: the existing lines get "" (the model's default for new rows is set by SQLAlchemy).
    with op.batch_alter_table('funding_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('association_section', sa.String(length=200), nullable=False,
                                      server_default=''))


def downgrade():
    with op.batch_alter_table('funding_line', schema=None) as batch_op:
        batch_op.drop_column('association_section')
