"""flask users create | set-password"""

import click
from flask.cli import AppGroup

from ..core.i18n import SUPPORTED_LOCALES
from ..extensions import db
from . import services
from .models import Role, Sector

users_cli = AppGroup("users", help="Manage people from the command line.")


def _fail(message: str):
    raise click.ClickException(message)


@users_cli.command("create")
@click.option("--email", required=True, help="Sign-in address.")
@click.option("--name", required=True, help="Full name.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="Role; repeat for several.",
)
@click.option("--area", help="Area name (Finnish, Swedish or English).")
@click.option("--sector", type=click.Choice([s.value for s in Sector]))
@click.option("--language", "locale", type=click.Choice(SUPPORTED_LOCALES), default="fi", show_default=True)
@click.password_option(help="Password (asked if not given).")
def create(email, name, roles, area, sector, locale, password):
    """Create a person who can sign in at once."""
    found_area = None
    if area:
        found_area = services.find_area_by_name(area) or _fail(f"No area is called {area!r}.")
    try:
        user = services.create_user(
            email, name, roles=roles, area=found_area, sector=sector, locale=locale, password=password
        )
    except services.AccountError as error:
        _fail(str(error))
    db.session.commit()
    click.echo(f"Created {user.email} ({', '.join(sorted(user.roles))}).")


@users_cli.command("set-password")
@click.argument("email")
@click.password_option(help="New password (asked if not given).")
def set_password(email, password):
    """Set a new password for the person with EMAIL."""
    user = services.find_user_by_email(email) or _fail(f"No person has the email {email!r}.")
    try:
        services.replace_password(user, password)
    except services.AccountError as error:
        _fail(str(error))
    db.session.commit()
    click.echo(f"Password changed for {user.email}.")
