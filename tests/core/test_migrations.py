"""Upgrading an empty database gives exactly the models' schema, on SQLite and PostgreSQL."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from app.core.timeutil import render_migration_type
from app.extensions import db
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
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "render_item": render_migration_type})
        return compare_metadata(context, db.metadata)


def test_upgrade_from_empty_equals_the_models(empty_database_url, smtp_port):
    app = create_app(test_settings(empty_database_url, smtp_port))
    with app.app_context():
        upgrade()
        assert _differences(app) == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert _differences(app) == []
        db.engine.dispose()


def test_audit_events_recorded_before_the_services_reported_them_keep_their_meaning(empty_database_url, smtp_port):
    from sqlalchemy import text

    app = create_app(test_settings(empty_database_url, smtp_port))
    with app.app_context():
        upgrade(revision="5461387bcea5")
        with db.engine.begin() as connection:
            for action, subject, details in [("accounts_admin.set_active", "person_id=7", '{"active": "0"}'),
                                             ("meetings_manage.after", "year=2027", '{"action": "recording"}'),
                                             ("reports.export", "file_format=csv, report=matrix", "{}")]:
                connection.execute(text("INSERT INTO audit_event (occurred_at, action, subject, details) "
                                        "VALUES (CURRENT_TIMESTAMP, :action, :subject, :details)"),
                                   {"action": action, "subject": subject, "details": details})
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT action, subject_kind, subject_id FROM audit_event ORDER BY id")).all()
        assert [tuple(row) for row in rows] == [("person.deactivated", "user", 7), ("recording.saved", None, None),
                                                ("report.exported", None, None)]
        downgrade(revision="base")
