"""What participants see: sessions, registering (also as a guest), the join link, managing and
cancelling a registration, late seat offers, and single-event calendar downloads."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.policy import anyone, guard, requires, signed_in
from ..calendar.ics import build_calendar
from ..core.markdown import render_markdown
from ..core.timeutil import utcnow
from ..extensions import db, limiter, login_manager
from . import registrations, services
from .attendance import join_opens_before, record_join
from .calendar import session_event
from .forms import GuestRegistrationForm, ResendConfirmationForm
from .kinds import kind_of
from .links import offer_url, registration_from_confirmation, registration_from_link, registration_link_token
from .models import Registration, RegistrationStatus, TrainingSession
from .policy import may_see_session

blueprint = Blueprint("events", __name__)
guard(blueprint, anyone)  # a link or the object's own rule decides; some views ask for more


def _locale() -> str:
    return str(get_locale())


def _visible_session_or_404(session_id: int) -> TrainingSession:
    """Sessions open to guests are public; others only for the people they are meant for."""
    session = db.session.get(TrainingSession, session_id) or abort(404)
    if not session.open_to_guests and not current_user.is_authenticated:
        abort(login_manager.unauthorized())  # to the sign-in page, and back here after
    if not may_see_session(current_user, session):
        abort(403)
    return session


def _registrable_session_or_404(session_id: int) -> TrainingSession:
    """A session registered for on its own page: some kinds (an annual meeting's session) are
    shown, and take registrations with their answers, only on their owner's page."""
    session = _visible_session_or_404(session_id)
    if not kind_of(session).on_session_page:
        abort(404)
    return session


@blueprint.route("/sessions/")
def sessions():
    return render_template("kaiku/events/sessions.html", sessions=services.upcoming_sessions(current_user))


def _render_session_page(
    session: TrainingSession, guest_form: GuestRegistrationForm, resend_form: ResendConfirmationForm | None = None
):
    registration = registrations.registration_of(current_user, session) if current_user.is_authenticated else None
    return render_template(
        "kaiku/events/session.html",
        session=session,
        registration=registration,
        position=registrations.waiting_position(registration) if registration else None,
        offer=registrations.offer_state(registration) if registration else None,
        offer_link=offer_url(registration) if registration else None,
        state=registrations.registration_state(session),
        guest_form=guest_form,
        resend_form=resend_form or ResendConfirmationForm(prefix="resend"),
        description_html=render_markdown(session.description_in(_locale())).html,
    )


def _page_of(session: TrainingSession) -> str:
    """Where a session is shown: its own page, or e.g. its annual meeting's page."""
    return kind_of(session).page_url(session)


@blueprint.route("/sessions/<int:session_id>")
def session_page(session_id):
    session = _visible_session_or_404(session_id)
    if not kind_of(session).on_session_page:
        return redirect(_page_of(session))
    return _render_session_page(session, GuestRegistrationForm())


@blueprint.post("/sessions/<int:session_id>/register")
@requires(signed_in)
def register(session_id):
    session = _registrable_session_or_404(session_id)
    try:
        registration = registrations.register_person(session, current_user, _locale())
    except registrations.RegistrationRefused as refusal:
        flash(str(refusal), "error")
    else:
        if registration.status == RegistrationStatus.CONFIRMED:
            flash(_("You are registered. A calendar invitation is on its way to your email."), "success")
        else:
            flash(
                _(
                    "The session is full: you are on the waiting list in position %(position)d.",
                    position=registrations.waiting_position(registration),
                ),
                "success",
            )
    return redirect(url_for("events.session_page", session_id=session.id))


@blueprint.route("/sessions/<int:session_id>/guest", methods=["POST"])
@limiter.limit("20 per hour", methods=["POST"])
def register_guest(session_id):
    session = _registrable_session_or_404(session_id)
    form = GuestRegistrationForm()
    if form.validate_on_submit():
        try:
            registrations.register_guest(
                session,
                name=form.name.data,
                email=form.email.data,
                organisation=form.organisation.data or "",
                area=form.area.data or "",
                locale=_locale(),
            )
        except registrations.RegistrationRefused as refusal:
            form.email.errors.append(str(refusal))
        else:
            return render_template("kaiku/events/guest_check_email.html", session=session, email=form.email.data)
    return _render_session_page(session, form)


@blueprint.post("/sessions/<int:session_id>/resend-confirmation")
@limiter.limit("10 per hour", methods=["POST"])
def resend_confirmation(session_id):
    session = _registrable_session_or_404(session_id)
    form = ResendConfirmationForm(prefix="resend")
    if not form.validate_on_submit():
        return _render_session_page(session, GuestRegistrationForm(formdata=None), form)
    registrations.resend_guest_confirmation(session, form.email.data)
    flash(
        _(
            "If this address has a registration waiting for confirmation, we have sent the link again. "
            "Check your spam folder too."
        ),
        "success",
    )
    return redirect(url_for("events.session_page", session_id=session.id))


@blueprint.route("/registrations/confirm/<token>")
def confirm_guest(token):
    registration = registration_from_confirmation(token)
    if registration is None or registrations.confirmation_lapsed(registration):
        return render_template(
            "kaiku/events/confirmation_expired.html",
            page_of_session=_page_of(registration.session) if registration else None,
        ), 410
    try:
        registrations.confirm_guest(registration)
    except registrations.RegistrationRefused as refusal:
        flash(str(refusal), "error")
    return redirect(url_for("events.manage_registration", token=registration_link_token(registration, "manage")))


@blueprint.route("/registrations/<token>")
def manage_registration(token):
    """A guest's (or anyone's) own registration, reached from the link in their emails."""
    registration = registration_from_link(token, "manage") or abort(404)
    elsewhere = kind_of(registration.session).registration_url
    if elsewhere is not None:  # e.g. a meeting's, with its materials and feedback
        return redirect(elsewhere(token))
    return render_template(
        "kaiku/events/registration.html",
        registration=registration,
        session=registration.session,
        position=registrations.waiting_position(registration),
        offer=registrations.offer_state(registration),
        offer_link=offer_url(registration),
        cancel_link=url_for("events.cancel_by_link", token=token),
    )


def _confirm_cancellation(registration: Registration, done_url: str):
    """GET: say what cancelling will do and ask; POST: cancel."""
    if request.method == "POST":
        registrations.cancel_registration(registration)
        flash(_("Your registration has been cancelled."), "success")
        return redirect(done_url)
    if not registration.is_active:
        return redirect(done_url)
    return render_template(
        "kaiku/events/cancel_registration.html",
        registration=registration,
        session=registration.session,
        back_url=done_url,
    )


@blueprint.route("/registrations/<token>/cancel", methods=["GET", "POST"])
def cancel_by_link(token):
    registration = registration_from_link(token, "manage") or abort(404)
    return _confirm_cancellation(registration, url_for("events.manage_registration", token=token))


@blueprint.route("/sessions/<int:session_id>/cancel-registration", methods=["GET", "POST"])
@requires(signed_in)
def cancel_own_registration(session_id):
    session = db.session.get(TrainingSession, session_id) or abort(404)
    registration = registrations.registration_of(current_user, session)
    if registration is None:
        flash(_("You have no registration to cancel."), "error")
        return redirect(_page_of(session))
    return _confirm_cancellation(registration, _page_of(session))


@blueprint.route("/registrations/<token>/offer", methods=["GET", "POST"])
def seat_offer(token):
    """A late seat offered by email: the page shows the offer, and the first to accept gets it."""
    registration = registration_from_link(token, "offer") or abort(404)
    if request.method == "POST":
        try:
            registrations.accept_offer(registration)
        except registrations.RegistrationRefused as refusal:
            flash(str(refusal), "error")
        else:
            flash(_("The seat is yours: your registration is confirmed and the invitation is on its way."), "success")
            return redirect(
                url_for("events.manage_registration", token=registration_link_token(registration, "manage"))
            )
    return render_template(
        "kaiku/events/seat_offer.html",
        registration=registration,
        session=registration.session,
        offer=registrations.offer_state(registration),
        position=registrations.waiting_position(registration),
    )


@blueprint.route("/join/<token>")
def join(token):
    """Our stable join link: confirmed registrants go to the current meeting link from a
    little before the start; everyone else gets a page that says why not."""
    registration = registration_from_link(token, "join") or abort(404)
    session, now = registration.session, utcnow()
    opens_at = session.starts_at - join_opens_before()
    if (
        registration.status == RegistrationStatus.CONFIRMED
        and not session.is_cancelled
        and opens_at <= now <= session.ends_at
    ):
        record_join(registration)
        return redirect(session.meeting_url)
    return render_template(
        "kaiku/events/join_unavailable.html", registration=registration, session=session, opens_at=opens_at, now=now
    ), 403


@blueprint.route("/sessions/<int:session_id>/event.ics")
def session_ics(session_id):
    session = _visible_session_or_404(session_id)
    body = build_calendar([session_event(session, _locale())], name=session.title_in(_locale()))
    return (
        body,
        200,
        {
            "Content-Type": "text/calendar; charset=utf-8",
            "Content-Disposition": f'attachment; filename="session-{session.id}.ics"',
        },
    )


def my_upcoming_registrations() -> list[dict]:
    """For the dashboard: the signed-in person's upcoming registrations, waiting positions and offers."""
    if not current_user.is_authenticated:
        return []
    return [
        {
            "registration": registration,
            "position": registrations.waiting_position(registration),
            "offer": registrations.offer_state(registration),
        }
        for registration in registrations.registrations_of(current_user)
    ]
