"""flask demo load: the demo data of every feature."""
import click
from flask.cli import AppGroup

from .demo import load_all_demo_data

demo_cli = AppGroup("demo", help="Demo data for trying the application.")


@demo_cli.command("load")
def load():
    """Add the demo areas, accounts (password kaiku-demo), course assignments, the demo
    coordinator's progress and live sessions; running it again adds nothing."""
    added = load_all_demo_data()
    click.echo("Demo data added: " + ", ".join(f"{count} {name}" for name, count in added.items()) + ".")
