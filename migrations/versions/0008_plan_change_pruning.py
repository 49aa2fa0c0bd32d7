"""history kept within bounds: a change knows its action and whether it can still be restored

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 14:00:00.000000

plan_change gets `action_uuid` (the action a save of section "actions" holds, filled from the saved copy) and
`restorable` (false once pruned: plans/planning/sections.py keeps the copies of the newest saves of each section and
each action, plans/core/limits.py HISTORY_RESTORABLE), with an index on (plan, section, action). Existing changes
stay restorable; they are pruned at the next save of their section or action.
"""
import json

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('plan_change', schema=None) as batch_op:
        batch_op.add_column(sa.Column('action_uuid', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('restorable', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.create_index('ix_plan_change_history_key', ['plan_id', 'section', 'action_uuid'], unique=False)
    connection = op.get_bind()
    changes = sa.table('plan_change', sa.column('id', sa.Integer), sa.column('section', sa.String),
                       sa.column('snapshot', sa.JSON), sa.column('action_uuid', sa.String))
    rows = connection.execute(sa.select(changes.c.id, changes.c.snapshot).where(changes.c.section == 'actions'))
    for change_id, snapshot in rows.all():
        if isinstance(snapshot, str):  # a driver that hands JSON back as text
            snapshot = json.loads(snapshot)
        uuid = snapshot.get('action_uuid') if isinstance(snapshot, dict) else None
        if isinstance(uuid, str) and uuid:
            connection.execute(sa.update(changes).where(changes.c.id == change_id).values(action_uuid=uuid[:36]))


def downgrade():
    with op.batch_alter_table('plan_change', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_change_history_key')
        batch_op.drop_column('restorable')
        batch_op.drop_column('action_uuid')
