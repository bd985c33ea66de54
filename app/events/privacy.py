"""Registrations in a person's data download, and erasing people and guests: upcoming
registrations end, past ones stay without a name so that every figure stays the same."""

from sqlalchemy import or_, select

from ..accounts.models import User
from ..core.signals import guest_erased, guest_erasing, staff_action_done
from ..core.timeutil import utcnow
from ..extensions import db
from .models import Registration
from .registrations import cancel_each


def registrations_made_by(person: User) -> list[Registration]:
    """Every registration the person made: signed in, or as a guest with their email address."""
    return list(
        db.session.scalars(
            select(Registration)
            .where(or_(Registration.user_id == person.id, Registration.guest_email == person.email))
            .order_by(Registration.id)
        )
    )


def personal_data(person: User) -> dict:
    """The person's registrations for their data download, with what they typed in as a guest."""
    return {"registrations": [_registration_data(registration) for registration in registrations_made_by(person)]}


def _registration_data(registration: Registration) -> dict:
    session = registration.session
    data = {
        "kind": session.kind,
        "title": session.title_in(registration.locale),
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "status": registration.status,
        "attendance": registration.attendance,
        "registered_at": registration.created_at,
        "confirmed_at": registration.confirmed_at,
        "cancelled_at": registration.cancelled_at,
        "first_joined_at": registration.first_joined_at,
        "locale": registration.locale,
    }
    if registration.user_id is None:
        data["as_guest"] = {
            "name": registration.guest_name,
            "email": registration.guest_email,
            "organisation": registration.guest_organisation,
            "area": registration.guest_area,
        }
    return data


def cancel_registrations_of_erased(person: User, **_event: object) -> None:
    """Subscriber of person_erasing: cancel the person's registrations for sessions that have not ended."""
    _cancel_upcoming(registrations_made_by(person))


def _cancel_upcoming(registrations: list[Registration]) -> None:
    """Cancel an erased person's or guest's registrations for sessions that have not ended
    (nobody could reach them any more; their seats go to the waiting list). Past ones keep their
    status and attendance, so the figures of sessions held stay the same."""
    cancel_each(
        registration
        for registration in registrations
        if registration.is_active and registration.session.ends_at > utcnow()
    )


def guest_registrations(email: str) -> list[Registration]:
    """The registrations made as a guest, without an account, with this address."""
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.user_id.is_(None), Registration.guest_email == email.strip().lower())
            .order_by(Registration.id)
        )
    )


def erase_guest(email: str, erased_by: User) -> int:
    """Erase what a guest gave with their registrations (name, address, organisation, area,
    free-text answers) and the emails sent to them; registrations for sessions that have not
    ended are cancelled. The registrations stay without a name, so every figure stays the same.
    One transaction; the audit log records how many registrations, never the address. Returns
    how many registrations there were."""
    email = email.strip().lower()
    registrations = guest_registrations(email)
    guest_erasing.send(None, actor=erased_by, email=email)
    _cancel_upcoming(registrations)
    forget_guest_identity(None, former_email=email)
    db.session.flush()
    guest_erased.send(None, actor=erased_by, former_email=email)
    staff_action_done.send(erased_by, action="guest.erased", details={"registrations": len(registrations)})
    db.session.commit()
    return len(registrations)


def forget_guest_identity(person: User | None, *, former_email: str, **_event: object) -> None:
    """Forget who the erased person said they were when registering as a guest. No
    registration is deleted. The erasing service commits."""
    for registration in db.session.scalars(select(Registration).where(Registration.guest_email == former_email)):
        registration.guest_name = registration.guest_email = registration.guest_organisation = None
