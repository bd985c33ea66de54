"""Audit events name their subject by table and id

Revision ID: a1d17e5b0c01
Revises: 5461387bcea5
Create Date: 2026-12-01 22:30:00

"""

import sqlalchemy as sa
from alembic import op

from kaiku_training.extensions import prefixed

# The log used to name actions by the view that answered; services now name what they did.
RENAMED_ACTIONS = {
    "accounts.personal_data": "personal_data.downloaded",
    "accounts_admin.invite": "person.invited",
    "accounts_admin.import_people": "people.imported",
    "accounts_admin.edit_person": "person.changed",
    "accounts_admin.reinvite": "person.reinvited",
    "accounts_admin.erase": "person.erased",
    "accounts_admin.edit_area": "area.saved",
    "curriculum_staff.assignments": "course.assigned",
    "curriculum_staff.remove_assignment": "assignment.removed",
    "events_manage.create": "sessions.scheduled",
    "events_manage.edit": "session.changed",
    "events_manage.cancel": "session.cancelled",
    "events_manage.message": "session.messaged",
    "events_manage.roster": "attendance.marked",
    "meetings_manage.create": "edition.created",
    "meetings_manage.edit": "edition.changed",
    "meetings_manage.programme": "programme_item.saved",
    "meetings_manage.delete_item": "programme_item.deleted",
    "meetings_manage.questions": "question.saved",
    "meetings_manage.registrations": "edition.messaged",
    "outbox.retry": "email.retried",
    "reports.export": "report.exported",
    "events_manage.roster_csv": "roster.exported",
    "meetings_manage.registrations_csv": "registrations.exported",
    "meetings_manage.feedback_csv": "feedback.exported",
}
# Actions whose new name depends on a submitted value: (old, field, value, name if equal, name otherwise).
SPLIT_ACTIONS = [
    ("accounts_admin.set_active", "active", "0", "person.deactivated", "person.reactivated"),
    ("meetings_manage.after", "action", "material", "material.added", "recording.saved"),
]
# Old subjects "person_id=12" and the like, by the table they name (its model's __tablename__, unprefixed).
SUBJECT_KINDS = {
    "person_id": "user",
    "session_id": "training_session",
    "area_id": "area",
    "message_id": "outbox_message",
}

AUDIT_EVENT = prefixed("audit_event")


def _carry_over_old_events():
    connection = op.get_bind()
    for old, new in RENAMED_ACTIONS.items():
        connection.execute(
            sa.text(f"UPDATE {AUDIT_EVENT} SET action = :new WHERE action = :old"), {"old": old, "new": new}
        )
    for old, field, value, if_equal, otherwise in SPLIT_ACTIONS:
        submitted = (
            f"json_extract(details, '$.{field}')"
            if connection.dialect.name == "sqlite"
            else f"(details::json ->> '{field}')"
        )
        connection.execute(
            sa.text(
                f"UPDATE {AUDIT_EVENT} SET action = CASE WHEN {submitted} = :value THEN :if_equal ELSE :otherwise END "
                "WHERE action = :old"
            ),
            {"old": old, "value": value, "if_equal": if_equal, "otherwise": otherwise},
        )
    for argument, kind in SUBJECT_KINDS.items():
        prefix = f"{argument}="
        connection.execute(
            sa.text(
                f"UPDATE {AUDIT_EVENT} SET subject_kind = :kind, "
                "subject_id = CAST(substr(subject, :start) AS INTEGER) WHERE subject LIKE :pattern AND subject NOT LIKE '%,%'"
            ),
            {"kind": kind, "start": len(prefix) + 1, "pattern": prefix + "%"},
        )


revision = "a1d17e5b0c01"
down_revision = "5461387bcea5"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table(prefixed("audit_event"), schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject_kind", sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column("subject_id", sa.Integer(), nullable=True))
        batch_op.create_index(prefixed("ix_audit_event_subject"), ["subject_kind", "subject_id"], unique=False)
    _carry_over_old_events()
    with op.batch_alter_table(prefixed("audit_event"), schema=None) as batch_op:
        batch_op.drop_column("subject")


def downgrade():
    """The columns come back; what was recorded since keeps its new names."""
    with op.batch_alter_table(prefixed("audit_event"), schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject", sa.String(length=200), nullable=True))
        batch_op.drop_index(prefixed("ix_audit_event_subject"))
        batch_op.drop_column("subject_id")
        batch_op.drop_column("subject_kind")
