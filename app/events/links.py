"""Links in emails and calendars for one registration: join, manage, guest confirmation.

Join and manage links are derived from the registration id with the app's secret key, so
every calendar and email carries the same stable link; a cancelled registration's link stops
working because the registration is checked each time it is used.
"""
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

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
    try:
        registration_id = _timed_serializer().loads(token, max_age=GUEST_CONFIRMATION_HOURS * 3600)
    except (BadSignature, SignatureExpired):
        return None
    return db.session.get(Registration, registration_id)


def join_url(registration: Registration) -> str:
    return absolute_url("events.join", token=registration_link_token(registration, "join"))


def manage_url(registration: Registration) -> str:
    return absolute_url("events.manage_registration", token=registration_link_token(registration, "manage"))
