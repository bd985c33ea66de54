"""Outbox messages carry a Reply-To: the trainer or organiser who wrote them

Revision ID: a7c3e1f0b2d4
Revises: a1d17e5b0c01
Create Date: 2026-12-01 22:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

from kaiku_training.extensions import prefixed

# revision identifiers, used by Alembic.
revision = "a7c3e1f0b2d4"
down_revision = "a1d17e5b0c01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table(prefixed("outbox_message"), schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_to", sa.String(length=254), nullable=True))


def downgrade():
    with op.batch_alter_table(prefixed("outbox_message"), schema=None) as batch_op:
        batch_op.drop_column("reply_to")
