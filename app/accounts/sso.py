"""Single sign-on from a host site: the host says who is signed in there, and they are signed in here.

The host gives one callable, `host_person(environ) -> HostPerson | None`, to create_app(),
mount() or init_app(). It gets the request's WSGI environ, so it works in both modes: mounted,
the host reads its own session cookie from it; in one application it may read flask.session.

- The person is linked to ours by email (case-insensitive); someone new gets the roles an
  imported coordinator gets, and the host never grants or takes away roles.
- A name or language is filled in only where ours is empty; a deactivated person is not signed in.
- The host's sign-out is the one that counts: when it says nobody (or someone else), whoever it
  signed in here is signed out. While it says someone, signing out here would not last, so our
  navigation says where to sign out instead of offering a button.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, request, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from ..core.i18n import SUPPORTED_LOCALES
from ..core.timeutil import utcnow
from ..extensions import db
from . import services
from .models import Role, User

HOST_PERSON = "kaiku_host_person"  # app.extensions: the host's callable, if it gave one
SIGNED_IN_BY_HOST = "kaiku_signed_in_by_host"  # session: the email the host signed in here
NEW_PERSON_ROLES = (Role.COORDINATOR,)  # as the coordinator import gives (services.import_coordinators)


@dataclass(frozen=True)
class HostPerson:
    """The person signed in on the host site, as the host knows them. The email is taken as proof
    of who they are: the host returns only addresses it has verified."""

    email: str
    name: str = ""
    language: str | None = None  # "fi", "sv" or "en"; anything else is ignored


HostPersonHook = Callable[[dict], HostPerson | None]


def init_app(app: Flask) -> None:
    """The host's callable, if kaiku_training.init_app() was given one, signs people in here."""
    app.add_template_global(signed_in_by_host)
    if app.extensions.get(HOST_PERSON) is not None:
        app.before_request(follow_host)  # before the blueprints' own checks, which need the person


def person_from_host(person: HostPerson) -> User | None:
    """Our person for the one the host signed in, created if new: None if they are deactivated or
    the host's email is not a valid address. Commits."""
    user = services.find_user_by_email(person.email) or _create(person)
    if user is None or not user.active:
        return None
    user.name = user.name or person.name.strip()
    if not user.locale and person.language in SUPPORTED_LOCALES:
        user.locale = person.language
    user.last_sign_in_at = utcnow()
    db.session.commit()
    return user


def _create(person: HostPerson) -> User | None:
    try:
        user = services.create_user(person.email, person.name.strip() or person.email, roles=NEW_PERSON_ROLES)
        db.session.commit()
    except services.AccountError as refusal:  # e.g. not a valid address
        current_app.logger.warning("The host's person %r cannot be created here: %s", person.email, refusal)
        return None
    except IntegrityError:  # their first two requests arrived at once; the other one created them
        db.session.rollback()
        return services.find_user_by_email(person.email)
    return user


def follow_host() -> None:
    """On each of our pages: whoever the host says is signed in is signed in here."""
    if request.blueprint not in current_app.extensions["kaiku_blueprints"]:
        return  # a host's own page (one application)
    person = current_app.extensions[HOST_PERSON](request.environ)
    email = services.normalize_email(person.email) if person is not None else None
    if current_user.is_authenticated and current_user.email == email:
        return
    if session.pop(SIGNED_IN_BY_HOST, None):
        logout_user()  # the host signed out, or signed in someone else
    user = person_from_host(person) if person is not None else None
    if user is not None:
        login_user(user)
        session[SIGNED_IN_BY_HOST] = user.email


def signed_in_by_host() -> bool:
    """Whether the signed-in person came from the host, which is where they sign out."""
    return current_user.is_authenticated and session.get(SIGNED_IN_BY_HOST) == current_user.email
