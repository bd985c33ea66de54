"""flask demo load: the demo data of every feature; flask demo generate: a synthetic national data set."""

import sys

import click
from flask.cli import AppGroup

from ..curriculum.services import catalogue
from .data import load_all_demo_data
from .synthetic import generate as generate_synthetic

demo_cli = AppGroup("demo", help="Demo data for trying the application.")


@demo_cli.command("load")
def load():
    """Add the demo areas, accounts (password kaiku-demo), course assignments, the demo
    coordinator's progress and live sessions; running it again adds nothing."""
    added = load_all_demo_data()
    click.echo("Demo data added: " + ", ".join(f"{count} {name}" for name, count in added.items()) + ".")


@demo_cli.command("generate")
@click.option("--people", default=10_000, show_default=True, help="How many people to add.")
@click.option("--areas", default=200, show_default=True, help="How many areas to add (each gets at least one person).")
@click.option("--seed", default=1, show_default=True, help="The same seed on the same database gives the same data.")
def generate(people, areas, seed):
    """Add a synthetic national data set for the progress reports and their benchmarks: areas,
    people who cannot sign in, their course progress, live sessions and annual-meeting
    registrations. Each run adds another batch."""
    if people < 1:
        raise click.BadParameter("must be at least 1.", param_hint="--people")
    if areas < 1:
        raise click.BadParameter("must be at least 1.", param_hint="--areas")
    if areas > people:
        raise click.BadParameter(
            f"cannot be more than --people ({people}): every area gets at least one person.", param_hint="--areas"
        )
    if not catalogue():
        raise click.ClickException("No courses in the database: run `flask courses sync` first.")
    with click.progressbar(length=people, label="Generating people", file=sys.stderr) as bar:
        added = generate_synthetic(people, areas, seed, progress=bar.update)
    click.echo("Synthetic data added: " + ", ".join(f"{count} {name}" for name, count in added.items()) + ".")
