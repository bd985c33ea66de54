"""Who may see a session (its page, its place in lists and feeds) and register for it."""

from ..accounts.models import User
from ..accounts.policy import can_see_all_sessions
from .models import TrainingSession


def may_see_session(person: User | None, session: TrainingSession) -> bool:
    """Sessions open to guests are public, others for the people they are meant for."""
    if session.open_to_guests:
        return True
    if person is None or not person.is_authenticated:
        return False
    if can_see_all_sessions(person):
        return True
    roles_ok = not session.audience_roles or person.has_role(*session.audience_roles)
    areas_ok = not session.audience_area_ids or person.area_id in session.audience_area_ids
    return roles_ok and areas_ok
