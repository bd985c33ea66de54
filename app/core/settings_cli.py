"""`flask settings example`: config.example.toml, written from the one definition of the settings."""

import click
from flask.cli import AppGroup

from ..config import example_config

settings_cli = AppGroup("settings", help="The settings: each one's type, default and meaning.")


@settings_cli.command("example", with_appcontext=False)
def example() -> None:
    """Print config.example.toml: every setting, documented, with its default."""
    click.echo(example_config(), nl=False)
