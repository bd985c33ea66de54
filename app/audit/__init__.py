"""Audit log: what staff did, as the services that did it report it, and who exported or
downloaded personal data."""

from flask import Flask

from ..core.features import register_blueprints
from ..core.signals import guest_erasing, person_erasing, staff_action_done


def init_app(app: Flask) -> None:
    from . import services
    from .manage import action_label, detail_text
    from .manage import blueprint as manage

    register_blueprints(app, manage)
    app.add_template_filter(action_label, "audit_action_label")
    app.add_template_filter(detail_text, "audit_detail")
    staff_action_done.connect(services.record_staff_action)
    person_erasing.connect(services.erase_personal_data)
    guest_erasing.connect(services.erase_guest_address)
