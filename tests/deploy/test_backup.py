"""The backup and restore of "Running in production": pg_dump --format=custom, then pg_restore
--no-owner into an emptied database, gives back every row (PostgreSQL only)."""

import shutil
import subprocess

import pytest
from sqlalchemy import inspect

from kaiku_training.extensions import db
from tests.conftest import TEST_DATABASE_URL, Auth, reset_postgres_schema
from tests.factories import make_admin

pytestmark = [
    pytest.mark.skipif(not TEST_DATABASE_URL, reason="a PostgreSQL test: set KAIKU_TEST_DATABASE_URL"),
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not on this machine"),
]


def test_an_admin_signs_in_again_after_the_database_is_restored_from_its_backup(app, client, tmp_path):
    make_admin(email="admin@example.org")
    db.session.commit()
    backup = tmp_path / "kaiku.dump"
    subprocess.run(["pg_dump", "--format=custom", f"--file={backup}", TEST_DATABASE_URL], check=True, timeout=120)
    db.session.remove()
    db.engine.dispose()
    reset_postgres_schema(TEST_DATABASE_URL)  # the database lost: dropped and made again, empty
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={TEST_DATABASE_URL}", str(backup)], check=True, timeout=120
        )
        Auth(client).sign_in("admin@example.org")
        assert "admin@example.org" in client.get("/manage/people").text
    finally:
        if not inspect(db.engine).get_table_names():  # a failed restore leaves no tables for the next tests
            db.create_all()
