"""Live sessions and registrations; `init_app` connects what events does when other features act."""


def init_app(app) -> None:
    """A deactivated person leaves every upcoming session and waiting list (connecting twice is harmless)."""
    from ..core.signals import person_deactivated
    from .services import leave_upcoming_sessions

    person_deactivated.connect(leave_upcoming_sessions)
