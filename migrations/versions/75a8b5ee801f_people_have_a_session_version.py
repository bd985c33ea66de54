"""People have a session version: part of every session and remember-me cookie, raised to end them all

Revision ID: 75a8b5ee801f
Revises: c0a1e7d2b9f3
Create Date: 2026-12-02 02:08:23.985205

Cookies issued before this migration name no version, so they stop working: everyone signs in
once more.
"""

import sqlalchemy as sa
from alembic import op

from kaiku_training.extensions import prefixed

# revision identifiers, used by Alembic.
revision = "75a8b5ee801f"
down_revision = "c0a1e7d2b9f3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table(prefixed("user"), schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default="1", nullable=False))


def downgrade():
    with op.batch_alter_table(prefixed("user"), schema=None) as batch_op:
        batch_op.drop_column("session_version")
