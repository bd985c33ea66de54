"""Calendar feeds for clients that poll (with ETag and 304) and the page where people get
their personal feed address."""
from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.timeutil import utcnow
from ..core.urls import absolute_url
from ..curriculum.services import find_course
from ..extensions import db
from . import services

blueprint = Blueprint("calendar", __name__, url_prefix="/calendar")

ALARM_CHOICES = (None, 15, 60, 1440)


def _feed_response(feed: services.Feed, cache: str):
    """The feed with ETag, Last-Modified and Cache-Control, or 304 when the client has it."""
    response = make_response(feed.body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Cache-Control"] = cache
    response.set_etag(services.etag_of(feed.body))
    if feed.last_modified:
        response.last_modified = feed.last_modified
    return response.make_conditional(request)


def _public_cache() -> str:
    return f"public, max-age={current_app.config['FEED_REFRESH_MINUTES'] * 60}"


@blueprint.route("/sessions.ics")
def public_feed():
    name = _("%(site)s: open sessions", site=current_app.config["SITE_NAME"])
    return _feed_response(services.public_feed(str(get_locale()), name), _public_cache())


@blueprint.route("/courses/<key>.ics")
def course_feed(key):
    course = find_course(key) or abort(404)
    locale = str(get_locale())
    return _feed_response(services.course_feed(course, locale, course.title_in(locale)), _public_cache())


@blueprint.route("/feed/<token>.ics")
def personal_feed(token):
    feed_token = services.find_feed_token(token) or abort(404)
    name = _("%(site)s: my sessions", site=current_app.config["SITE_NAME"])
    response = _feed_response(services.personal_feed(feed_token, name), "private, max-age=300")
    feed_token.last_used_at = utcnow()
    db.session.commit()
    return response


@blueprint.route("/", methods=["GET", "POST"])
@login_required
def my_calendar():
    """Create, replace or revoke one's personal feed; the address is shown once, when made."""
    new_feed_url = None
    if request.method == "POST":
        action = request.form.get("action")
        alarm = request.form.get("alarm_minutes", type=int)
        alarm = alarm if alarm in ALARM_CHOICES else None
        if action == "create":
            raw_token = services.issue_feed_token(current_user, alarm)
            new_feed_url = absolute_url("calendar.personal_feed", token=raw_token)
        elif action == "revoke":
            services.revoke_feed_token(current_user)
            flash(_("Your calendar address no longer works. Calendars subscribed to it stop updating."), "success")
            return redirect(url_for("calendar.my_calendar"))
        elif action == "alarm":
            services.set_feed_alarm(current_user, alarm)
            flash(_("Saved. Calendars pick up the change on their next refresh."), "success")
            return redirect(url_for("calendar.my_calendar"))
    return render_template("calendar/my_calendar.html", token=services.active_token(current_user),
                           new_feed_url=new_feed_url, alarm_choices=ALARM_CHOICES,
                           public_feed_url=absolute_url("calendar.public_feed"))
