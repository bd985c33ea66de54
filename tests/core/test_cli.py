from sqlalchemy import func, select

from kaiku_training.accounts.models import Area, Role, User
from kaiku_training.extensions import db
from tests.factories import make_area


def test_users_create_and_set_password(runner, client, app):
    make_area("Esimerkkilä")
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Uusi@Example.org",
            "--name",
            "Uusi",
            "--role",
            "trainer",
            "--role",
            "admin",
            "--area",
            "Esimerkkilä",
            "--password",
            "a long password",
        ]
    )
    assert result.exit_code == 0, result.output
    person = db.session.scalar(select(User))
    assert person.email == "uusi@example.org" and person.roles == {Role.TRAINER, Role.ADMIN}
    result = runner.invoke(args=["users", "set-password", "uusi@example.org", "--password", "another long one"])
    assert result.exit_code == 0
    assert (
        client.post("/sign-in", data={"email": "uusi@example.org", "password": "another long one"}).status_code == 302
    )


def test_users_cli_reports_bad_input(runner, app):
    result = runner.invoke(
        args=["users", "create", "--email", "bad", "--name", "X", "--role", "admin", "--password", "a long password"]
    )
    assert result.exit_code != 0 and "ei ole kelvollinen" in result.output  # the CLI speaks the default language
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "a@example.org",
            "--name",
            "X",
            "--role",
            "boss",
            "--password",
            "a long password",
        ]
    )
    assert result.exit_code != 0 and "boss" in result.output
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "a@example.org",
            "--name",
            "X",
            "--role",
            "admin",
            "--area",
            "Atlantis",
            "--password",
            "a long password",
        ]
    )
    assert result.exit_code != 0 and "Atlantis" in result.output
    result = runner.invoke(args=["users", "set-password", "ghost@example.org", "--password", "a long password"])
    assert result.exit_code != 0 and "ghost@example.org" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_short_password_is_refused(runner, app):
    result = runner.invoke(
        args=["users", "create", "--email", "a@example.org", "--name", "X", "--role", "admin", "--password", "short"]
    )
    assert result.exit_code != 0 and "vähintään 10 merkkiä" in result.output


def test_demo_load_is_idempotent(runner, client, app):
    assert "10 people" in runner.invoke(args=["demo", "load"]).output
    assert "0 areas, 0 people" in runner.invoke(args=["demo", "load"]).output
    assert db.session.scalar(select(func.count()).select_from(Area)) == 4
    for email in ("admin@example.org", "trainer@example.org", "coordinator@example.org", "arealead@example.org"):
        person = db.session.scalar(select(User).where(User.email == email))
        assert person.area is not None
        assert client.post("/sign-in", data={"email": email, "password": "kaiku-demo"}).status_code == 302
        client.post("/sign-out")


def test_every_command_has_help(runner, app):
    for command in (["users", "create"], ["users", "set-password"], ["demo", "load"], ["outbox", "send"]):
        result = runner.invoke(args=[*command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output
