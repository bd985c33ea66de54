"""flask outbox send, flask outbox purge"""

import signal
import sys
import time

import click
from flask import current_app
from flask.cli import AppGroup

from .services import deliver_due, purge_sent

outbox_cli = AppGroup("outbox", help="Deliver queued email; delete sent email after a while.")


def _exit_on_sigterm(signum, frame):
    # Like Ctrl-C: the run in progress gives back the messages it has not started.
    sys.exit(128 + signum)


@outbox_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running, delivering every --interval seconds.")
@click.option(
    "--interval", default=30, show_default=True, type=click.IntRange(min=1), help="Seconds between runs with --loop."
)
def send(loop, interval):
    """Send every message that is due, retrying failures later with backoff."""
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)  # how systemd and deploys stop it
    try:
        while True:
            report = deliver_due()
            click.echo(f"sent {report.sent}, will retry {report.retrying}, failed {report.failed}")
            if not loop:
                raise SystemExit(1 if report.retrying or report.failed else 0)
            time.sleep(interval)
    finally:
        signal.signal(signal.SIGTERM, previous)


@outbox_cli.command("purge")
def purge() -> None:
    """Delete email sent more than OUTBOX_KEEP_SENT_DAYS days ago; unsent email always stays."""
    keep_days = current_app.config["OUTBOX_KEEP_SENT_DAYS"]
    if keep_days <= 0:
        click.echo("outbox_keep_sent_days is 0: sent email is kept")
        return
    click.echo(f"deleted {purge_sent()} messages sent more than {keep_days} days ago")
