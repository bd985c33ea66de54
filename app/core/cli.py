"""flask demo load: the demo data of every feature."""
import click
from flask.cli import AppGroup

from ..accounts.demo import load_demo_data
from ..curriculum.demo import load_demo_assignments, load_demo_progress
from ..events.demo import load_demo_sessions

demo_cli = AppGroup("demo", help="Demo data for trying the application.")


@demo_cli.command("load")
def load():
    """Add the demo areas, accounts (password kaiku-demo), course assignments, the demo
    coordinator's progress and live sessions; running it again adds nothing."""
    areas, people = load_demo_data()
    assignments = load_demo_assignments()
    progress = load_demo_progress()
    sessions = load_demo_sessions()
    click.echo(f"Demo data: {areas} areas, {people} people, {assignments} course assignments, "
               f"progress in {progress} courses and {sessions} live sessions added.")
