"""Emails to registrants, in their language, through the outbox, with calendar invitations."""

from ..outbox.services import queue_email
from .calendar import invitation
from .links import join_url, manage_url
from .models import Registration


def notify_registrant(
    registration: Registration, template: str, method: str | None = None, requested: bool = False, **context
) -> None:
    """Queue emails/<template>.txt for the registrant; `method` (REQUEST or CANCEL) attaches
    an iTIP invitation; `requested` as for queue_email. The caller commits. An erased guest
    has no address left: nothing is sent."""
    if not registration.email:
        return
    session = registration.session
    queue_email(
        registration.email,
        registration.locale,
        template,
        calendar=(method, invitation(registration, method)) if method else None,
        requested=requested,
        registration=registration,
        session=session,
        name=registration.name,
        title=session.title_in(registration.locale),
        join_link=join_url(registration),
        manage_link=manage_url(registration),
        calendar_attached=bool(method),
        **context,
    )
