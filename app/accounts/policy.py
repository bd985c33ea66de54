"""The one place where roles are checked."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def require_roles(blueprint, *roles: str) -> None:
    """Refuse every route of `blueprint` to anyone without one of `roles`:
    anonymous visitors are sent to sign in, signed-in people get 403."""

    @blueprint.before_request
    @login_required
    def check_roles():
        if not current_user.has_role(*roles):
            abort(403)


def roles_required(*roles: str):
    """The same check for a single view."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
