"""logins as server-side sessions (ended at logout); pending login attempts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 19:30:00.000000

The per-account session token is replaced by one row per login (`login_session`): the cookie carries that row's
token, and logging out ends it on the server. Sessions open before the upgrade end with it (their users log in
again). A login attempt may now be pending (success NULL) while its password is checked.
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'login_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_login_session_user_id_app_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_session')),
        sa.UniqueConstraint('token', name=op.f('uq_login_session_token')),
    )
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_session_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_app_user_session_token'), type_='unique')
        batch_op.drop_column('session_token')
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.alter_column('success', existing_type=sa.Boolean(), nullable=True)


def downgrade():
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.execute(sa.text("UPDATE login_attempt SET success = false WHERE success IS NULL"))
        batch_op.alter_column('success', existing_type=sa.Boolean(), nullable=False)
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))
    # Each account gets a fresh token (its old sessions are gone with the login_session table).
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.text("SELECT id FROM app_user")).all():
        connection.execute(sa.text("UPDATE app_user SET session_token = :t WHERE id = :i"),
                           {"t": secrets.token_urlsafe(24), "i": user_id})
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_app_user_session_token'), ['session_token'])
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_session_user_id'))
    op.drop_table('login_session')
