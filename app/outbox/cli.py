"""flask outbox send"""
import time

import click
from flask.cli import AppGroup

from .services import deliver_due

outbox_cli = AppGroup("outbox", help="Deliver queued email.")


@outbox_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running, delivering every --interval seconds.")
@click.option("--interval", default=30, show_default=True, type=click.IntRange(min=1),
              help="Seconds between runs with --loop.")
def send(loop, interval):
    """Send every message that is due, retrying failures later with backoff."""
    while True:
        report = deliver_due()
        click.echo(f"sent {report.sent}, will retry {report.retrying}, failed {report.failed}")
        if not loop:
            raise SystemExit(1 if report.retrying or report.failed else 0)
        time.sleep(interval)
