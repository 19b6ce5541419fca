"""sign-in sessions and throttle hits

auth_session: one row per issued token (its id is the token's jti); a token works only
while its row exists, so signing out and a password change end sessions on every worker.
Tokens issued before this migration have no row: their users sign in again.

login_failure becomes throttle_hit: every throttled action (sign-in tries per email and
address, registrations per address) claims a row, which counts until its `until`. The old
rows are a few minutes of failed sign-ins: dropped, not carried over.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 02:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failure_key'))
        batch_op.drop_index(batch_op.f('ix_login_failure_at'))
    op.drop_table('login_failure')
    op.create_table('throttle_hit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('throttle_hit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_throttle_hit_key'), ['key'], unique=False)
        batch_op.create_index(batch_op.f('ix_throttle_hit_until'), ['until'], unique=False)
    op.create_table('auth_session',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_session_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auth_session_user_id'))
    op.drop_table('auth_session')
    with op.batch_alter_table('throttle_hit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_throttle_hit_until'))
        batch_op.drop_index(batch_op.f('ix_throttle_hit_key'))
    op.drop_table('throttle_hit')
    op.create_table('login_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failure_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failure_key'), ['key'], unique=False)
