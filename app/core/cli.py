"""flask demo load: the demo data of every feature."""
import click
from flask.cli import AppGroup

from ..accounts.demo import load_demo_data
from ..curriculum.demo import load_demo_assignments

demo_cli = AppGroup("demo", help="Demo data for trying the application.")


@demo_cli.command("load")
def load():
    """Add the demo areas, accounts (password kaiku-demo) and course assignments; running it
    again adds nothing."""
    areas, people = load_demo_data()
    assignments = load_demo_assignments()
    click.echo(f"Demo data: {areas} areas, {people} people and {assignments} course assignments added.")
