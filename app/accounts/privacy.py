"""Personal data: everything the service holds about a person as one download, and erasing a
person's identity while every aggregate figure stays the same.

Each feature adds its part by subscribing, in its own init_app, to the signals
`personal_data_requested` (returning its section), `person_erasing` (the person still has a name
and email to find rows by) and `person_erased` (they are gone; `former_email` is given), so that
accounts need not import the features built on it.
"""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import delete, select

from ..core.signals import person_erased, person_erasing, personal_data_requested, staff_action_done
from ..core.timeutil import utcnow
from ..extensions import db
from .models import AccountToken, User
from .services import AccountError, end_sessions


def download_personal_data(person: User) -> dict:
    """Everything held about the person, as plain JSON values with times in ISO 8601 (UTC),
    for their own download, which the audit log records. Never a password hash or a token."""
    data = {"person": _profile(person)}
    for _receiver, section in personal_data_requested.send(person):
        data.update(section)
    staff_action_done.send(person, action="personal_data.downloaded", subject=person)
    db.session.commit()
    return _plain(data)


def _profile(person: User) -> dict:
    links = db.session.scalars(select(AccountToken).where(AccountToken.user_id == person.id).order_by(AccountToken.id))
    return {
        "name": person.name,
        "email": person.email,
        "roles": sorted(person.roles),
        "area": person.area.name(person.locale or "fi") if person.area else None,
        "sector": person.sector,
        "locale": person.locale,
        "active": person.active,
        "created_at": person.created_at,
        "last_sign_in_at": person.last_sign_in_at,
        "erased_at": person.erased_at,
        "account_links": [
            {
                "purpose": link.purpose,
                "created_at": link.created_at,
                "expires_at": link.expires_at,
                "used_at": link.used_at,
            }
            for link in links
        ],
    }


def _plain(value):
    """Dates and times as ISO 8601 text, all the way down."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    return value


def erase(person: User, erased_by: User) -> None:
    """Erase the person's identity: name, email address, password, language, last sign-in and
    account links go, and each feature's eraser removes what it holds that could identify them.
    The person's row stays, with area, sector and roles, and so do their enrolments,
    completions, registrations and attendance, so every aggregate figure stays the same.
    Raises AccountError for one's own account or a person already erased. All or nothing:
    one transaction, which the features' subscribers add to without committing."""
    if person.id == erased_by.id:
        raise AccountError(_("You cannot erase your own personal data."))
    if person.erased_at is not None:
        raise AccountError(_("This person's personal data has already been erased."))
    person_erasing.send(person, actor=erased_by)
    former_email, former_name = person.email, person.name
    db.session.execute(delete(AccountToken).where(AccountToken.user_id == person.id))
    person.name, person.email = "", f"erased-{person.id}@erased.invalid"
    person.password_hash = person.locale = person.last_sign_in_at = None
    person.active, person.erased_at = False, utcnow()
    end_sessions(person)
    db.session.flush()
    person_erased.send(person, actor=erased_by, former_email=former_email, former_name=former_name)
    staff_action_done.send(erased_by, action="person.erased", subject=person)
    db.session.commit()
