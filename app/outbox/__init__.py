"""Queued email, delivered with retries by `flask outbox send`."""

from flask import Flask

from ..core.features import label_of, register_blueprints
from ..core.jobs import register_job
from ..core.signals import guest_erased, person_erased, personal_data_requested


def init_app(app: Flask) -> None:
    from . import services
    from .cli import outbox_cli
    from .manage import blueprint as manage
    from .models import OutboxStatus

    register_blueprints(app, manage)
    app.cli.add_command(outbox_cli)
    register_job(app, "outbox-send", every="OUTBOX_SEND_EVERY_SECONDS", run=lambda: vars(services.deliver_due()))
    register_job(
        app, "outbox-purge", every="OUTBOX_PURGE_EVERY_SECONDS", run=lambda: {"deleted": services.purge_sent()}
    )
    app.add_template_filter(label_of(OutboxStatus), "outbox_status_label")
    personal_data_requested.connect(services.personal_data)
    person_erased.connect(services.erase_personal_data)
    guest_erased.connect(services.erase_personal_data)
