"""flask reminders send"""
import click
from flask.cli import AppGroup

from .services import send_due_reminders

reminders_cli = AppGroup("reminders", help="Session reminders by email.")


@reminders_cli.command("send")
def send():
    """Queue reminders for sessions starting within the configured offsets (run it every few
    minutes, e.g. from cron, followed by `flask outbox send`). Never sends one twice."""
    click.echo(f"{send_due_reminders()} reminder(s) queued.")
