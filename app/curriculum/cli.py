"""flask courses sync [--check]"""

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from .sync import sync_courses

courses_cli = AppGroup("courses", help="Course content from the courses/ folder.")


@courses_cli.command("sync")
@click.option("--check", "check_only", is_flag=True, help="Only check the files; change nothing.")
def sync(check_only):
    """Check every course file, then bring the database in line with courses/.

    With any error nothing is changed: each error names the file, the line and the problem.
    """
    root = current_app.config["COURSES_DIR"]
    if not root.is_dir():
        raise click.ClickException(f"{root} is not a folder")
    folders = [path for path in root.iterdir() if path.is_dir() and not path.name.startswith(".")]
    with click.progressbar(length=len(folders), label="Reading courses", file=sys.stderr) as bar:
        report = sync_courses(root, check_only=check_only, on_course=lambda _key: bar.update(1))
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for error in report.errors:
        click.echo(f"error: {error}", err=True)
    if report.errors:
        raise click.ClickException(f"{len(report.errors)} error(s); nothing was changed.")
    if report.unchanged:
        click.echo("No changes since the last sync.")
    elif check_only:
        click.echo(f"{len(folders)} course folder(s) checked: no errors.")
    else:
        click.echo(", ".join(f"{name}: {count}" for name, count in report.counts.items()))
