"""Trainers and admins: schedule, edit and cancel sessions, see rosters, mark attendance.
Admins also erase a guest's data by email address: guests have no account to erase."""

from functools import partial

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.models import User
from ..accounts.policy import can_erase_guests, can_manage_sessions, guard, requires
from ..accounts.services import all_areas
from ..core.pagination import paginate
from ..core.spreadsheets import csv_download, record_export
from ..core.timeutil import utcnow
from ..curriculum.services import catalogue
from ..extensions import db
from . import attendance, privacy, services
from .forms import CancelForm, GuestErasureForm, MessageForm, SessionEditForm, SessionForm, form_data_for
from .kinds import kind_of
from .models import Attendance, RegistrationStatus, TrainingSession

blueprint = Blueprint("events_manage", __name__, url_prefix="/manage")
guard(blueprint, can_manage_sessions)

PAST_PER_PAGE = 20


def _session_or_404(session_id) -> TrainingSession:
    return db.session.get(TrainingSession, session_id) or abort(404)


def _staff() -> list[User]:
    return [
        person
        for person in db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name))
        if can_manage_sessions(person)
    ]


def _form(**kwargs) -> SessionForm:
    return SessionForm(catalogue(), all_areas(), _staff(), str(get_locale()), **kwargs)


def _edit_form(session: TrainingSession, **kwargs) -> SessionEditForm:
    return SessionEditForm(
        catalogue(),
        all_areas(),
        _staff(),
        str(get_locale()),
        session=session,
        occurrences=partial(services.series_occurrences, session),
        **kwargs,
    )


def _chosen_trainers(form: SessionForm) -> list[User]:
    return [person for person_id in form.trainer_ids.data if (person := db.session.get(User, person_id)) is not None]


def _flash_repeated_times(form: SessionForm) -> None:
    for note in form.repeated_time_notes():
        flash(note, "info")


@blueprint.route("/sessions/")
def index():
    past = paginate(services.past_sessions_for_staff(), request.args.get("page", 1, type=int), PAST_PER_PAGE)
    return render_template("kaiku/events/manage/index.html", upcoming=services.upcoming_sessions_for_staff(), past=past)


@blueprint.route("/sessions/new", methods=["GET", "POST"])
def create():
    form = _form()
    if request.method == "GET":
        form.capacity.data = 20
    if form.validate_on_submit():
        created = services.create_sessions(
            form.session_fields(), _chosen_trainers(form), form.times_utc, actor=current_user
        )
        flash(ngettext("%(num)d session scheduled.", "%(num)d sessions scheduled.", len(created)), "success")
        _flash_repeated_times(form)
        return redirect(url_for("events_manage.roster", session_id=created[0].id))
    return render_template("kaiku/events/manage/edit.html", form=form, session=None)


@blueprint.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
def edit(session_id):
    session = _session_or_404(session_id)
    form = _edit_form(session, data=form_data_for(session)) if request.method == "GET" else _edit_form(session)
    if form.validate_on_submit():
        occurrences = form.occurrences()
        fields = form.session_fields()
        fields["starts_at"], fields["ends_at"] = form.times_utc[0]
        series_times = [
            (occurrence, *times) for occurrence, times in zip(occurrences[1:], form.times_utc[1:], strict=False)
        ]
        try:
            services.update_session(
                session, fields, _chosen_trainers(form), form.opened_at_version(), series_times, actor=current_user
            )
        except services.EditConflict:
            flash(
                _(
                    "Someone else saved this session while you were editing it. Your changes were not saved: "
                    "the form now shows the saved version, so make your changes again."
                ),
                "error",
            )
            return redirect(url_for("events_manage.edit", session_id=session.id))
        except services.CapacityRefused as refusal:
            form.capacity.errors.append(str(refusal))
        else:
            flash(ngettext("Saved.", "Saved: %(num)d sessions changed.", len(occurrences)), "success")
            _flash_repeated_times(form)
            return redirect(url_for("events_manage.roster", session_id=session.id))
    return render_template("kaiku/events/manage/edit.html", form=form, session=session)


@blueprint.route("/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
def cancel(session_id):
    """Cancelling emails everyone registered: first say to whom, and for a series which sessions."""
    session = _session_or_404(session_id)
    if session.is_cancelled:
        flash(_("The session is already cancelled."), "info")
        return redirect(url_for("events_manage.roster", session_id=session.id))
    form = CancelForm()
    choices = {scope: services.series_occurrences(session, scope) for scope in services.SeriesScope}
    if len(choices[services.SeriesScope.ALL]) < 2:
        del form.scope
    if form.validate_on_submit():
        scope = form.scope.data if "scope" in form else services.SeriesScope.ONE
        cancelled = services.cancel_session(session, scope, actor=current_user)
        flash(
            ngettext(
                "%(num)d session cancelled; everyone registered is being told.",
                "%(num)d sessions cancelled; everyone registered is being told.",
                len(cancelled),
            ),
            "success",
        )
        return redirect(url_for("events_manage.roster", session_id=session.id))
    told = {scope: services.people_told_of_cancelling(sessions) for scope, sessions in choices.items()}
    return render_template("kaiku/events/manage/cancel.html", session=session, form=form, choices=choices, told=told)


@blueprint.post("/sessions/<int:session_id>/message")
def message(session_id):
    session = _session_or_404(session_id)
    form = MessageForm()
    if form.validate_on_submit():
        count = services.message_registrants(session, form.subject.data, form.body.data, current_user)
        flash(_("The message is queued for %(count)d registrants.", count=count), "success")
        return redirect(url_for("events_manage.roster", session_id=session.id))
    return _roster_page(session, form)


@blueprint.route("/sessions/<int:session_id>", methods=["GET", "POST"])
def roster(session_id):
    session = _session_or_404(session_id)
    if request.method == "POST":
        marks = {}
        for key, value in request.form.items():
            if key.startswith("attendance-") and key[len("attendance-") :].isdigit():
                marks[int(key[len("attendance-") :])] = value if value in set(Attendance) else None
        bulk = request.form.get("bulk")
        if bulk in set(Attendance):
            marks = {int(value): bulk for value in request.form.getlist("selected") if value.isdigit()}
        try:
            changed = attendance.set_attendance(session, marks, actor=current_user)
        except attendance.AttendanceRefused as refusal:
            flash(str(refusal), "error")
        else:
            flash(_("Attendance saved (%(count)d changed).", count=changed), "success")
        return redirect(url_for("events_manage.roster", session_id=session.id))
    return _roster_page(session, MessageForm())


def _roster_page(session: TrainingSession, message: MessageForm):
    return render_template(
        "kaiku/events/manage/roster.html",
        session=session,
        kind=kind_of(session),
        rows=attendance.roster(session),
        attendance_choices=list(Attendance),
        message=message,
        started=utcnow() >= session.starts_at,
    )


def _roster_csv_header() -> list[str]:
    return [
        _("Name"),
        _("Email"),
        _("Organisation"),
        _("Area"),
        _("Status"),
        _("Waiting position"),
        _("Registered"),
        _("Attendance"),
        _("Joined"),
    ]


@blueprint.route("/sessions/<int:session_id>/roster.csv")
def roster_csv(session_id):
    """The roster in the reader's language; times are Finnish time (csv_download converts)."""
    session = _session_or_404(session_id)
    record_export(current_user, "roster.exported", session)
    locale = str(get_locale())
    rows = []
    for row in attendance.roster(session):
        registration, person = row.registration, row.registration.user
        rows.append(
            [
                registration.name,
                registration.email,
                registration.guest_organisation or "",
                person.area.name(locale) if person and person.area else (registration.guest_area or ""),
                str(RegistrationStatus(registration.status).label),
                row.position or "",
                registration.created_at,
                str(Attendance(registration.attendance).label) if registration.attendance else "",
                registration.first_joined_at,
            ]
        )
    return csv_download(_roster_csv_header(), rows, f"roster-{session.starts_at:%Y-%m-%d}-{session.id}.csv")


@blueprint.route("/guests/erase", methods=["GET", "POST"])
@requires(can_erase_guests)
def erase_guest():
    """The address finds the guest's registrations; the page that lists them asks before
    anything is erased."""
    form = GuestErasureForm()
    if form.validate_on_submit():
        registrations = privacy.guest_registrations(form.email.data)
        if not registrations:
            form.email.errors.append(_("No registration made as a guest has this address."))
        elif form.confirmed.data == "yes":
            erased = privacy.erase_guest(form.email.data, erased_by=current_user)
            flash(
                ngettext(
                    "The guest's data has been erased from %(num)d registration; the figures are kept.",
                    "The guest's data has been erased from %(num)d registrations; the figures are kept.",
                    erased,
                ),
                "success",
            )
            return redirect(url_for("events_manage.erase_guest"))
        else:
            form.email.data, form.confirmed.data = form.email.data.lower(), "yes"  # as the registrations hold it
            return render_template(
                "kaiku/events/manage/erase_guest_confirm.html", form=form, registrations=registrations
            )
    return render_template("kaiku/events/manage/erase_guest.html", form=form)
