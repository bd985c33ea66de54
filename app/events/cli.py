"""flask reminders send, flask reminders lapse-unconfirmed"""

import click
from flask.cli import AppGroup

from .registrations import lapse_unconfirmed_registrations
from .reminders import send_due_reminders

reminders_cli = AppGroup("reminders", help="Session reminders by email, and tidying registrations.")


@reminders_cli.command("send")
def send():
    """Queue reminders for sessions starting within the configured offsets (run it every few
    minutes, e.g. from cron, followed by `flask outbox send`). Never sends one twice."""
    click.echo(f"{send_due_reminders()} reminder(s) queued.")


@reminders_cli.command("lapse-unconfirmed")
def lapse_unconfirmed():
    """End guest registrations whose confirmation link has expired (run it e.g. hourly; a new
    registration of the same address lapses the old one anyway)."""
    click.echo(f"{lapse_unconfirmed_registrations()} unconfirmed registration(s) lapsed.")
