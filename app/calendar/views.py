"""Calendar feeds for clients that poll (with ETag and 304) and the page where people get
their personal feed address."""

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.policy import anyone, guard, requires, signed_in
from ..core.tokens import hash_token
from ..core.urls import absolute_url
from . import services
from .services import Feed

blueprint = Blueprint("calendar", __name__, url_prefix="/calendar")
guard(blueprint, anyone)  # a link or the object's own rule decides; some views ask for more

ALARM_CHOICES = (None, 15, 60, 1440)


def _feed_response(key: tuple, build, cache_control: str):
    """The feed with ETag, Last-Modified and Cache-Control, or 304 when the client has it.
    `build` makes the feed (or aborts) when the feed cache has no fresh copy."""
    cache = services.feed_cache()
    feed = cache.get(key) or cache.put(key, build())
    unchanged = request.if_none_match.contains(feed.etag)
    response = make_response(b"" if unchanged else feed.body, 304 if unchanged else 200)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Cache-Control"] = cache_control
    response.set_etag(feed.etag)
    if feed.last_modified:
        response.last_modified = feed.last_modified
    return response if unchanged else response.make_conditional(request)


def _public_cache() -> str:
    return f"public, max-age={current_app.config['FEED_REFRESH_MINUTES'] * 60}"


def _viewer() -> tuple[int | None, str]:
    """Who a feed is built for (part of its cache key, since what a feed lists depends on who
    looks) and its Cache-Control: a feed seen signed in is kept private."""
    if current_user.is_authenticated:
        return current_user.id, f"private, max-age={current_app.config['FEED_REFRESH_MINUTES'] * 60}"
    return None, _public_cache()


def _published(name: str, key: str | int | None, locale: str) -> Feed:
    """The published feed as its owner lists it for the person looking, or 404 (as its page)."""
    return services.published_feed(name, key, current_user, locale) or abort(404)


@blueprint.route("/sessions.ics")
def public_feed():
    """The same for everyone (its owner lists it without looking at who asks)."""
    locale = str(get_locale())
    return _feed_response(("public", locale), lambda: _published("open_sessions", None, locale), _public_cache())


@blueprint.route("/courses/<key>.ics")
def course_feed(key):
    locale, (viewer, cache_control) = str(get_locale()), _viewer()
    return _feed_response(("course", key, locale, viewer), lambda: _published("course", key, locale), cache_control)


@blueprint.route("/meetings/<int:year>.ics")
def meeting_feed(year):
    locale, (viewer, cache_control) = str(get_locale()), _viewer()
    return _feed_response(("meeting", year, locale, viewer), lambda: _published("meeting", year, locale), cache_control)


@blueprint.route("/feed/<token>.ics")
def personal_feed(token):
    def build():
        feed_token = services.find_feed_token(token) or abort(404)
        services.note_feed_use(feed_token)
        name = _("%(site)s: my sessions", site=current_app.config["SITE_NAME"])
        return services.personal_feed(feed_token, name)

    return _feed_response(services.personal_feed_key(hash_token(token)), build, "private, max-age=300")


@blueprint.route("/", methods=["GET", "POST"])
@requires(signed_in)
def my_calendar():
    """Create or replace one's personal feed, or set its reminder; the address is shown once,
    when made. Turning the feed off asks first, on its own page."""
    new_feed_url = None
    if request.method == "POST":
        action = request.form.get("action")
        alarm = request.form.get("alarm_minutes", type=int)
        alarm = alarm if alarm in ALARM_CHOICES else None
        if action == "create":
            raw_token = services.issue_feed_token(current_user, alarm)
            new_feed_url = absolute_url("calendar.personal_feed", token=raw_token)
        elif action == "alarm":
            services.set_feed_alarm(current_user, alarm)
            flash(_("Saved. Calendars pick up the change on their next refresh."), "success")
            return redirect(url_for("calendar.my_calendar"))
    return render_template(
        "kaiku/calendar/my_calendar.html",
        token=services.active_token(current_user),
        new_feed_url=new_feed_url,
        alarm_choices=ALARM_CHOICES,
        public_feed_url=absolute_url("calendar.public_feed"),
    )


@blueprint.route("/turn-off", methods=["GET", "POST"])
@requires(signed_in)
def revoke():
    """Confirm, then turn off the personal feed: calendars subscribed to it stop updating."""
    token = services.active_token(current_user)
    if token is None:
        return redirect(url_for("calendar.my_calendar"))
    if request.method == "POST":
        services.revoke_feed_token(current_user)
        flash(_("Your calendar address no longer works. Calendars subscribed to it stop updating."), "success")
        return redirect(url_for("calendar.my_calendar"))
    return render_template("kaiku/calendar/revoke.html", token=token)
