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
