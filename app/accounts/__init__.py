"""People, roles and areas; sign-in, invitations, password resets and personal data."""

from flask import Flask

from ..core.features import label_of, register_blueprints


def init_app(app: Flask) -> None:
    from . import sso
    from .cli import users_cli
    from .manage import blueprint as manage
    from .models import AreaKind, AreaStatus, Role, Sector
    from .policy import can
    from .views import blueprint as views

    register_blueprints(app, views, manage)
    app.cli.add_command(users_cli)
    app.add_template_filter(label_of(Role), "role_label")
    app.add_template_filter(label_of(Sector), "sector_label")
    app.add_template_filter(label_of(AreaKind), "area_kind_label")
    app.add_template_filter(label_of(AreaStatus), "area_status_label")
    app.add_template_global(can, "can")
    sso.init_app(app)
