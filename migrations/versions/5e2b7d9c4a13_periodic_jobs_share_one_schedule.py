"""Periodic jobs share one schedule: `flask worker` claims each due job in periodic_job

Revision ID: 5e2b7d9c4a13
Revises: 0540addb55b6
Create Date: 2026-12-02 14:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

from kaiku_training.extensions import prefixed

# revision identifiers, used by Alembic.
revision = "5e2b7d9c4a13"
down_revision = "0540addb55b6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        prefixed("periodic_job"),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f(prefixed("pk_periodic_job"))),
    )


def downgrade():
    op.drop_table(prefixed("periodic_job"))
