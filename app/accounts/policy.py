"""Who may do what: the one place where roles are checked.

Each permission is named after what it lets a person do (`can_manage_sessions`), says which
roles grant it, and is a plain function of a person (signed in or an anonymous visitor):
`can_read_reports(current_user)`. Views declare what they need with app.core.access (re-exported
here), and nothing else decides:

- a blueprint: `guard(blueprint, can_manage_people)` checks every route of it;
- one view: `@requires(signed_in)` under its route decorator (both checks apply);
- a template: `can("read_reports")` for the signed-in person (navigation).
- a service, for rules about one object (who may see this session, this person's record):
  a `may_...` function here or in the feature's service, using these permissions.

`anyone` is declared for pages open to all, where a link (a registration, feed, invitation or
reset token) or a per-object rule in the feature's service decides (e.g. events.may_see_session).
tests/security/test_role_matrix.py checks that every route of the app declares a permission and,
independently, what each role gets from each route.
"""

from collections.abc import Callable, Iterable
from typing import Any

from flask_login import current_user

from ..core.access import Permission, anyone, declared_permission, guard, requires, signed_in
from .models import Role

__all__ = ["Permission", "anyone", "declared_permission", "guard", "requires", "signed_in", "can", "PERMISSIONS"]

PERMISSIONS: dict[str, Permission] = {"anyone": anyone, "signed_in": signed_in}


def _permission(name: str, rule: Callable[[Any], bool]) -> Permission:
    permission = Permission(name, rule)
    PERMISSIONS[name] = permission
    return permission


def holds(person: Any, roles: Iterable[str]) -> bool:
    """Whether a signed-in person has one of `roles` (the role vocabulary is accounts.models.Role)."""
    return bool(person.is_authenticated and person.has_role(*roles))


STAFF = (Role.ADMIN, Role.TRAINER)
ADMIN = (Role.ADMIN,)

can_manage_people = _permission("manage_people", lambda person: holds(person, ADMIN))  # people and areas
can_read_audit_log = _permission("read_audit_log", lambda person: holds(person, ADMIN))
can_manage_outbox = _permission("manage_outbox", lambda person: holds(person, ADMIN))
can_manage_meetings = _permission("manage_meetings", lambda person: holds(person, ADMIN))
can_erase_guests = _permission("erase_guests", lambda person: holds(person, ADMIN))
can_manage_sessions = _permission("manage_sessions", lambda person: holds(person, STAFF))
# Every session, meeting edition, its materials and participants, whoever they are meant for.
can_see_all_sessions = _permission("see_all_sessions", lambda person: holds(person, STAFF))
can_assign_courses = _permission("assign_courses", lambda person: holds(person, STAFF))
# Staff read every report; an area lead the reports of their own area (an area lead without one, none).
can_read_reports = _permission(
    "read_reports",
    lambda person: holds(person, STAFF) or (holds(person, (Role.AREA_LEAD,)) and person.area_id is not None),
)
can_read_national_report = _permission("read_national_report", lambda person: holds(person, STAFF))


def report_area(person: Any) -> int | None:
    """The one area whose figures the person's reports show: None for staff, who see every
    area; an area lead's own area. Ask only of someone who can_read_reports."""
    return None if can_read_national_report(person) else person.area_id


def may_read_person_report(viewer: Any, person: Any) -> bool:
    """Anyone signed in reads their own training record; staff read everyone's; an area lead
    those of their own area."""
    if not viewer.is_authenticated:
        return False
    if viewer.id == person.id:
        return True
    return can_read_reports(viewer) and report_area(viewer) in (None, person.area_id)


def can(name: str) -> bool:
    """For templates: whether the signed-in person (or visitor) has the permission `name`."""
    return PERMISSIONS[name](current_user)
