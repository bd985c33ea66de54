"""Links in emails and calendars for one registration: join, manage, late seat offer, guest
confirmation.

Join, manage and offer links are derived from the registration id with the app's secret key, so
every calendar and email carries the same stable link; a cancelled registration's link stops
working because the registration is checked each time it is used.
"""

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

from ..core.urls import absolute_url
from ..extensions import db
from .models import Registration

GUEST_CONFIRMATION_HOURS = 48


def _serializer(purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"registration-{purpose}")


def _timed_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="registration-confirm")


def registration_link_token(registration: Registration, purpose: str) -> str:
    return _serializer(purpose).dumps(registration.id)


def registration_from_link(token: str, purpose: str) -> Registration | None:
    try:
        registration_id = _serializer(purpose).loads(token)
    except BadSignature:
        return None
    return db.session.get(Registration, registration_id)


def guest_confirmation_token(registration: Registration) -> str:
    return _timed_serializer().dumps(registration.id)


def registration_from_confirmation(token: str) -> Registration | None:
    """The registration a genuine confirmation link is for, also once the link has expired: the
    registration's own confirmation time decides whether it still works (events.registrations
    confirmation_lapsed), so that the page can say it has expired."""
    try:
        registration_id = _timed_serializer().loads(token)
    except BadSignature:
        return None
    return db.session.get(Registration, registration_id)


def join_url(registration: Registration) -> str:
    return absolute_url("events.join", token=registration_link_token(registration, "join"))


def manage_url(registration: Registration) -> str:
    return absolute_url("events.manage_registration", token=registration_link_token(registration, "manage"))


def offer_url(registration: Registration) -> str:
    return absolute_url("events.seat_offer", token=registration_link_token(registration, "offer"))
