"""Declared access: every route says which permission it needs, and one check enforces it.

The mechanism only; the permissions that name roles are app.accounts.policy. A view declares
what it needs, and nothing else decides:

- a blueprint: `guard(blueprint, permission)` checks every route of it;
- one view: `@requires(permission)` under its route decorator (its blueprint's check applies too).

`declared_permission(app, endpoint)` tells which permission a route declared, so that a test
can list the routes that declare none.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Flask, abort, current_app
from flask.typing import ResponseReturnValue
from flask_login import current_user


@dataclass(frozen=True)
class Permission:
    """A named rule about a person. `sign_in_first`: an anonymous visitor is sent to sign in
    instead of being refused, as every permission but `anyone` asks for someone signed in."""

    name: str
    rule: Callable[[Any], bool]
    sign_in_first: bool = True

    def __call__(self, person: Any) -> bool:
        if self.sign_in_first and not person.is_authenticated:
            return False
        return self.rule(person)


# Open to all: a link (a registration, feed, invitation or reset token) or the object's own rule decides.
anyone = Permission("anyone", lambda _person: True, sign_in_first=False)
signed_in = Permission("signed_in", lambda _person: True)


def _refusal(permission: Permission) -> ResponseReturnValue | None:
    """None if the request may go on. Otherwise an anonymous visitor is sent to sign in (where
    the permission needs someone signed in) and a signed-in person gets 403."""
    if permission.sign_in_first and not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    if not permission(current_user):
        abort(403)
    return None


def guard(blueprint: Blueprint, permission: Permission) -> None:
    """Every route of `blueprint` needs `permission`; a view may ask for more with @requires."""
    blueprint.permission = permission  # type: ignore[attr-defined]  # read by declared_permission()

    @blueprint.before_request
    def check_permission() -> ResponseReturnValue | None:
        return _refusal(permission)


F = TypeVar("F", bound=Callable[..., Any])


def requires(permission: Permission) -> Callable[[F], F]:
    """The view needs `permission` (besides its blueprint's)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            refusal = _refusal(permission)
            return view(*args, **kwargs) if refusal is None else refusal

        wrapped.permission = permission  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def declared_permission(app: Flask, endpoint: str) -> Permission | None:
    """The permission a route declares: its view's own, else its blueprint's, else None."""
    own = getattr(app.view_functions.get(endpoint), "permission", None)
    if own is not None:
        return own
    blueprint = app.blueprints.get(endpoint.rpartition(".")[0]) if "." in endpoint else None
    return getattr(blueprint, "permission", None)
