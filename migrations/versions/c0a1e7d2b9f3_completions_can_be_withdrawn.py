"""Completions can be withdrawn: kept as history, and the round can be completed again

Revision ID: c0a1e7d2b9f3
Revises: a7c3e91d4b20
Create Date: 2026-12-01 22:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

from kaiku_training.extensions import prefixed

# revision identifiers, used by Alembic.
revision = "c0a1e7d2b9f3"
down_revision = "a7c3e91d4b20"
branch_labels = None
depends_on = None

VALID_ONLY = sa.text("withdrawn_at IS NULL")


def upgrade():
    with op.batch_alter_table(prefixed("course_completion"), schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("withdrawal_reason", sa.String(length=40), nullable=True))
        batch_op.drop_constraint(prefixed("uq_course_completion_user_id"), type_="unique")
        batch_op.create_index(
            prefixed("uq_course_completion_valid"),
            ["user_id", "course_id", "round"],
            unique=True,
            sqlite_where=VALID_ONLY,
            postgresql_where=VALID_ONLY,
        )


def downgrade():
    # The old schema holds one completion per round: withdrawn ones cannot be kept.
    op.execute(f"DELETE FROM {prefixed('course_completion')} WHERE withdrawn_at IS NOT NULL")
    with op.batch_alter_table(prefixed("course_completion"), schema=None) as batch_op:
        batch_op.drop_index(
            prefixed("uq_course_completion_valid"), sqlite_where=VALID_ONLY, postgresql_where=VALID_ONLY
        )
        batch_op.create_unique_constraint(prefixed("uq_course_completion_user_id"), ["user_id", "course_id", "round"])
        batch_op.drop_column("withdrawal_reason")
        batch_op.drop_column("withdrawn_at")
