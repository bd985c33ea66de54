"""What every feature's init_app() uses to mount itself on the application."""

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask

from .enums import LabelledEnum

URL_PREFIX = "KAIKU_URL_PREFIX"  # the host's prefix for every page of ours ("" standalone, e.g. "/training")


def register_blueprints(app: Flask, *blueprints: Blueprint) -> None:
    """Register `blueprints` under the host's URL prefix, each with its own prefix after it, and
    list them in app.extensions["kaiku_blueprints"], the blueprints whose pages are ours."""
    url_prefix = app.config.get(URL_PREFIX, "")
    ours = app.extensions.setdefault("kaiku_blueprints", set())
    for blueprint in blueprints:
        app.register_blueprint(blueprint, url_prefix=(url_prefix + (blueprint.url_prefix or "")) or None)
        ours.add(blueprint.name)


def label_of(enum: type[LabelledEnum]) -> Callable[[str], Any]:
    """A template filter: a stored value of `enum` shown as its (translated) label."""
    members: Any = enum  # mypy takes enum(value) for a new member, not a lookup
    return lambda value: members(value).label
