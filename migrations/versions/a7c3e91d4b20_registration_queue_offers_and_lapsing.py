"""Registrations: waiting-list queue numbers, late seat offers, guest confirmation times

Revision ID: a7c3e91d4b20
Revises: a7c3e1f0b2d4
Create Date: 2026-12-02 10:00:00

"""

import sqlalchemy as sa
from alembic import op

from kaiku_training.extensions import prefixed

# revision identifiers, used by Alembic.
revision = "a7c3e91d4b20"
down_revision = "a7c3e1f0b2d4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table(prefixed("registration"), schema=None) as batch_op:
        batch_op.add_column(sa.Column("queue_number", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("offered_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("confirmation_sent_at", sa.DateTime(timezone=True), nullable=True))
    # The waiting list was served by id; the numbers only need to keep that order.
    op.execute(f"UPDATE {prefixed('registration')} SET queue_number = id WHERE status = 'waiting'")
    op.execute(f"UPDATE {prefixed('registration')} SET confirmation_sent_at = created_at WHERE status = 'unconfirmed'")


def downgrade():
    with op.batch_alter_table(prefixed("registration"), schema=None) as batch_op:
        batch_op.drop_column("confirmation_sent_at")
        batch_op.drop_column("offered_at")
        batch_op.drop_column("queue_number")
