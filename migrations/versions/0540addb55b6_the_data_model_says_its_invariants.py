"""The data model says its invariants: enum columns hold their values, seats are never overbooked

A session never has more confirmed people than seats, and "no limit" is an empty capacity
(it was 100000). Lookups by role, by delivery claim and by kind and end of a session are indexed.

Revision ID: 0540addb55b6
Revises: d4e8b2a6c1f0
Create Date: 2026-12-02 06:30:00.000000

"""

from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

from kaiku_training.extensions import prefixed

# revision identifiers, used by Alembic.
revision = "0540addb55b6"
down_revision = "d4e8b2a6c1f0"
branch_labels = None
depends_on = None

NO_LIMIT = 100000  # what "no limit" was stored as before capacity could be empty

# The values of each enum column as of this revision (table, column, values).
ONE_OF = [
    ("area", "kind", ["city", "municipality", "sub_region", "wellbeing_county"]),
    ("area", "status", ["ended", "permanent", "pilot"]),
    ("user", "sector", ["culture", "social_health", "wellbeing"]),
    ("user_role", "role", ["admin", "area_lead", "coordinator", "trainer"]),
    ("account_token", "purpose", ["invitation", "password_reset"]),
    ("training_session", "kind", ["annual_meeting", "session"]),
    ("registration", "status", ["cancelled", "confirmed", "unconfirmed", "waiting"]),
    ("registration", "attendance", ["attended", "no_show"]),
    ("outbox_message", "status", ["delivering", "failed", "queued", "sending", "sent"]),
    ("outbox_message", "calendar_method", ["CANCEL", "REQUEST"]),
    ("programme_item", "kind", ["break", "discussion", "talk", "workshop"]),
    ("meeting_question", "form", ["feedback", "registration"]),
    ("meeting_question", "kind", ["consent", "long_text", "multiple", "short_text", "single"]),
    ("course_completion", "withdrawal_reason", ["attendance_removed"]),
    ("course_assignment", "role", ["admin", "area_lead", "coordinator", "trainer"]),
]
SEATS = [  # training_session: (name, condition)
    ("ck_training_session_capacity_positive", "capacity IS NULL OR capacity >= 1"),
    ("ck_training_session_confirmed_count_not_negative", "confirmed_count >= 0"),
    ("ck_training_session_seats_within_capacity", "capacity IS NULL OR confirmed_count <= capacity"),
]
TABLES = list(dict.fromkeys(table for table, _column, _values in ONE_OF))


@contextmanager
def _foreign_keys_off():
    """SQLite adds a constraint by copying the table into a new one and dropping the old: with
    foreign keys on, that drop would delete the rows that refer to it with ON DELETE CASCADE
    (a session's trainers, a person's roles) and be refused for the others. The pragma cannot
    change inside a transaction, so it is set between two; the references are checked after."""
    sqlite = op.get_context().dialect.name == "sqlite"
    if sqlite:
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=OFF")
    yield
    if sqlite:
        if not op.get_context().as_sql:  # a script written with --sql cannot look
            broken = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:
                raise RuntimeError(f"foreign keys broken by the table copies: {broken}")
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=ON")


def _one_of(column, values):
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade():
    with _foreign_keys_off():
        for table in TABLES:
            with op.batch_alter_table(prefixed(table), schema=None) as batch_op:
                for _table, column, values in (entry for entry in ONE_OF if entry[0] == table):
                    batch_op.create_check_constraint(
                        batch_op.f(prefixed(f"ck_{table}_{column}")), _one_of(column, values)
                    )
                if table == "user_role":
                    batch_op.create_index(batch_op.f(prefixed("ix_user_role_role")), ["role"], unique=False)
                if table == "outbox_message":
                    batch_op.create_index(
                        batch_op.f(prefixed("ix_outbox_message_claimed_by")), ["claimed_by"], unique=False
                    )
                if table == "training_session":
                    batch_op.alter_column("capacity", existing_type=sa.Integer(), nullable=True)
                    batch_op.drop_index(batch_op.f(prefixed("ix_training_session_kind")))
                    batch_op.create_index(
                        prefixed("ix_training_session_kind_ends_at"), ["kind", "ends_at"], unique=False
                    )
                    for name, condition in SEATS:
                        batch_op.create_check_constraint(batch_op.f(prefixed(name)), condition)
        op.execute(f"UPDATE {prefixed('training_session')} SET capacity = NULL WHERE capacity = {NO_LIMIT}")


def downgrade():
    op.execute(f"UPDATE {prefixed('training_session')} SET capacity = {NO_LIMIT} WHERE capacity IS NULL")
    with _foreign_keys_off():
        for table in reversed(TABLES):
            with op.batch_alter_table(prefixed(table), schema=None) as batch_op:
                if table == "training_session":
                    for name, _condition in SEATS:
                        batch_op.drop_constraint(batch_op.f(prefixed(name)), type_="check")
                    batch_op.drop_index(prefixed("ix_training_session_kind_ends_at"))
                    batch_op.create_index(batch_op.f(prefixed("ix_training_session_kind")), ["kind"], unique=False)
                    batch_op.alter_column("capacity", existing_type=sa.Integer(), nullable=False)
                if table == "outbox_message":
                    batch_op.drop_index(batch_op.f(prefixed("ix_outbox_message_claimed_by")))
                if table == "user_role":
                    batch_op.drop_index(batch_op.f(prefixed("ix_user_role_role")))
                for _table, column, _values in (entry for entry in ONE_OF if entry[0] == table):
                    batch_op.drop_constraint(batch_op.f(prefixed(f"ck_{table}_{column}")), type_="check")
