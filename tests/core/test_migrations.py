"""Upgrading an empty database gives exactly the models' schema, on SQLite and PostgreSQL.

The names come from KAIKU_TABLE_PREFIX: tests/core/test_table_prefix.py runs this module again with one."""

import re
from datetime import UTC

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import CheckConstraint, inspect, text
from sqlalchemy.exc import IntegrityError

from kaiku_training import create_app
from kaiku_training.core.timeutil import render_migration_type
from kaiku_training.extensions import db, prefixed
from tests.conftest import TEST_DATABASE_URL, reset_postgres_schema, test_settings


@pytest.fixture
def empty_database_url(tmp_path, smtp_port):
    if TEST_DATABASE_URL:
        reset_postgres_schema(TEST_DATABASE_URL)
        yield TEST_DATABASE_URL
        # leave the schema as the rest of the suite expects it: the models' tables
        reset_postgres_schema(TEST_DATABASE_URL)
        app = create_app(test_settings(TEST_DATABASE_URL, smtp_port))
        with app.app_context():
            db.create_all()
    else:
        yield f"sqlite:///{tmp_path / 'migrated.sqlite'}"


def _differences(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "render_item": render_migration_type,
                "version_table": prefixed("alembic_version"),
            },
        )
        return compare_metadata(context, db.metadata)


def _quoted(sql: str) -> set[str]:
    return set(re.findall(r"'([^']*)'", sql))


def _check_constraints() -> dict[str, dict[str, set[str]]]:
    """Per table, each CHECK constraint's name and the values it names (those of an enum), as the
    database has them. Autogenerate's comparison leaves CHECK constraints out."""
    inspector = inspect(db.engine)
    return {
        table: {check["name"]: _quoted(check["sqltext"]) for check in inspector.get_check_constraints(table)}
        for table in db.metadata.tables
    }


def _model_check_constraints() -> dict[str, dict[str, set[str]]]:
    return {
        table.name: {
            str(check.name): set(check.info.get("allowed", ()))
            for check in table.constraints
            if isinstance(check, CheckConstraint)
        }
        for table in db.metadata.tables.values()
    }


def test_upgrade_from_empty_equals_the_models(empty_database_url, smtp_port):
    app = create_app(test_settings(empty_database_url, smtp_port))
    with app.app_context():
        upgrade()
        assert _differences(app) == []
        assert _check_constraints() == _model_check_constraints()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {prefixed("alembic_version")}
        upgrade()
        assert _differences(app) == []
        assert _check_constraints() == _model_check_constraints()
        db.engine.dispose()


def _counts() -> dict[str, int]:
    with db.engine.connect() as connection:
        return {
            table: connection.scalar(text(f'SELECT count(*) FROM "{prefixed(table)}"'))
            for table in (
                "user",
                "user_role",
                "area",
                "training_session",
                "session_trainer",
                "registration",
                "meeting_edition",
                "programme_item",
                "agenda_pick",
                "course_assignment",
            )
        }


def _capacities() -> set[int | None]:
    with db.engine.connect() as connection:
        return set(connection.scalars(text(f"SELECT capacity FROM {prefixed('training_session')}")))


def test_constraints_are_added_without_losing_the_rows_that_refer_to_the_tables(empty_database_url, smtp_port):
    """SQLite adds a constraint by copying the table: with foreign keys on, dropping the old copy
    would delete a session's trainers and a person's roles (ON DELETE CASCADE)."""
    from datetime import datetime, timedelta

    from kaiku_training.accounts.models import Role
    from kaiku_training.curriculum.models import Course, CourseAssignment
    from kaiku_training.events.models import Registration, TrainingSession
    from kaiku_training.meetings.models import MeetingEdition, ProgrammeItem, agenda_pick
    from tests.factories import make_area, make_user

    app = create_app(test_settings(empty_database_url, smtp_port))
    with app.app_context():
        upgrade(revision="d4e8b2a6c1f0")
        area = make_area()
        trainer = make_user(roles=[Role.TRAINER, Role.COORDINATOR], area=area)
        starts = datetime(2027, 3, 25, 7, 0, tzinfo=UTC)
        texts = {
            "title": {"fi": "T"},
            "description": {},
            "joining_instructions": {},
            "meeting_url": "https://x.org",
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=2),
        }
        meeting = TrainingSession(uid="a@x", kind="annual_meeting", capacity=100_000, confirmed_count=1, **texts)
        session = TrainingSession(uid="b@x", capacity=20, confirmed_count=0, trainers=[trainer], **texts)
        item = ProgrammeItem(
            uid="c@x",
            kind="talk",
            title={},
            description={},
            starts_at=starts,
            ends_at=starts,
            edition=MeetingEdition(year=2027, session=meeting),
        )
        registration = Registration(session=meeting, user=trainer, locale="fi", status="confirmed")
        course = Course(key="k", title={}, summary={}, audience=[], languages=[], content_hash="h")
        db.session.add_all(
            [
                session,
                item,
                registration,
                CourseAssignment(course=course, area=area),
                CourseAssignment(course=course, role="trainer"),
            ]
        )
        db.session.flush()
        db.session.execute(agenda_pick.insert().values(registration_id=registration.id, item_id=item.id))
        db.session.commit()
        db.session.remove()
        before = _counts()
        assert _capacities() == {100_000, 20}

        upgrade()
        assert _counts() == before
        assert _capacities() == {None, 20}  # no limit is now said as none
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(
                text(f"UPDATE {prefixed('training_session')} SET confirmed_count = 21 WHERE capacity = 20")
            )
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(text(f"UPDATE {prefixed('user_role')} SET role = 'boss'"))
        with db.engine.begin() as connection:  # foreign keys are enforced again after the upgrade
            if connection.dialect.name == "sqlite":
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1

        downgrade(revision="d4e8b2a6c1f0")
        assert _counts() == before
        assert _capacities() == {100_000, 20}
        db.engine.dispose()


def test_audit_events_recorded_before_the_services_reported_them_keep_their_meaning(empty_database_url, smtp_port):
    from sqlalchemy import text

    app = create_app(test_settings(empty_database_url, smtp_port))
    with app.app_context():
        upgrade(revision="5461387bcea5")
        with db.engine.begin() as connection:
            for action, subject, details in [
                ("accounts_admin.set_active", "person_id=7", '{"active": "0"}'),
                ("meetings_manage.after", "year=2027", '{"action": "recording"}'),
                ("reports.export", "file_format=csv, report=matrix", "{}"),
            ]:
                connection.execute(
                    text(
                        f"INSERT INTO {prefixed('audit_event')} (occurred_at, action, subject, details) "
                        "VALUES (CURRENT_TIMESTAMP, :action, :subject, :details)"
                    ),
                    {"action": action, "subject": subject, "details": details},
                )
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(
                text(f"SELECT action, subject_kind, subject_id FROM {prefixed('audit_event')} ORDER BY id")
            ).all()
        assert [tuple(row) for row in rows] == [
            ("person.deactivated", "user", 7),
            ("recording.saved", None, None),
            ("report.exported", None, None),
        ]
        downgrade(revision="base")
