"""Outbox messages anyone may ask for are marked, to limit them per address; the recipient is indexed

Revision ID: d4e8b2a6c1f0
Revises: 75a8b5ee801f
Create Date: 2026-12-02 02:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

from kaiku_training.extensions import prefixed

# revision identifiers, used by Alembic.
revision = "d4e8b2a6c1f0"
down_revision = "75a8b5ee801f"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table(prefixed("outbox_message"), schema=None) as batch_op:
        batch_op.add_column(sa.Column("requested", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(prefixed("ix_outbox_message_recipient"), ["recipient", "created_at"], unique=False)
    with op.batch_alter_table(prefixed("outbox_message"), schema=None) as batch_op:
        batch_op.alter_column("requested", server_default=None)


def downgrade():
    with op.batch_alter_table(prefixed("outbox_message"), schema=None) as batch_op:
        batch_op.drop_index(prefixed("ix_outbox_message_recipient"))
        batch_op.drop_column("requested")
