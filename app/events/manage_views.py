"""Trainers and admins: schedule, edit and cancel sessions, see rosters, mark attendance."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from ..accounts.models import Role, User
from ..accounts.policy import require_roles
from ..accounts.services import all_areas
from ..core.spreadsheets import csv_download
from ..curriculum.services import catalogue
from ..extensions import db
from . import services
from .forms import MessageForm, SessionForm, form_data_for
from .models import SESSION, Attendance, TrainingSession

blueprint = Blueprint("events_manage", __name__, url_prefix="/manage/sessions")
require_roles(blueprint, Role.ADMIN, Role.TRAINER)


def _session_or_404(session_id) -> TrainingSession:
    return db.session.get(TrainingSession, session_id) or abort(404)


def _staff() -> list[User]:
    return [person for person in db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name))
            if person.is_staff]


def _form(**kwargs) -> SessionForm:
    return SessionForm(catalogue(), all_areas(), _staff(), str(get_locale()), **kwargs)


def _chosen_trainers(form: SessionForm) -> list[User]:
    return [db.session.get(User, person_id) for person_id in form.trainer_ids.data]


@blueprint.route("/")
def index():
    sessions = db.session.scalars(select(TrainingSession).where(TrainingSession.kind == SESSION)
                                  .order_by(TrainingSession.starts_at.desc())).all()
    return render_template("events/manage/index.html", sessions=sessions)


@blueprint.route("/new", methods=["GET", "POST"])
def create():
    form = _form()
    if request.method == "GET":
        form.capacity.data = 20
    if form.validate_on_submit():
        created = services.create_sessions(form.session_fields(), _chosen_trainers(form), form.times_utc)
        flash(ngettext("%(num)d session scheduled.", "%(num)d sessions scheduled.", len(created)), "success")
        return redirect(url_for("events_manage.roster", session_id=created[0].id))
    return render_template("events/manage/edit.html", form=form, session=None)


@blueprint.route("/<int:session_id>/edit", methods=["GET", "POST"])
def edit(session_id):
    session = _session_or_404(session_id)
    form = _form(data=form_data_for(session)) if request.method == "GET" else _form()
    del form.repeat_weeks  # a series is made when scheduling; each session is then edited alone
    if form.validate_on_submit():
        fields = form.session_fields()
        fields["starts_at"], fields["ends_at"] = form.times_utc[0]
        try:
            services.update_session(session, fields, _chosen_trainers(form), int(form.version.data or 0))
        except services.EditConflict:
            flash(_("Someone else saved this session while you were editing it. Your changes were not saved: "
                    "the form now shows the saved version, so make your changes again."), "error")
            db.session.rollback()
            return redirect(url_for("events_manage.edit", session_id=session.id))
        except services.CapacityRefused as refusal:
            form.capacity.errors.append(str(refusal))
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("events_manage.roster", session_id=session.id))
    return render_template("events/manage/edit.html", form=form, session=session)


@blueprint.post("/<int:session_id>/cancel")
def cancel(session_id):
    session = _session_or_404(session_id)
    services.cancel_session(session)
    flash(_("The session is cancelled and everyone registered has been told."), "success")
    return redirect(url_for("events_manage.roster", session_id=session.id))


@blueprint.post("/<int:session_id>/message")
def message(session_id):
    session = _session_or_404(session_id)
    form = MessageForm()
    if form.validate_on_submit():
        count = services.message_registrants(session, form.subject.data, form.body.data, current_user)
        flash(_("The message is queued for %(count)d registrants.", count=count), "success")
        return redirect(url_for("events_manage.roster", session_id=session.id))
    return render_template("events/manage/roster.html", session=session, rows=services.roster(session),
                           attendance_choices=list(Attendance), message=form)


@blueprint.route("/<int:session_id>", methods=["GET", "POST"])
def roster(session_id):
    session = _session_or_404(session_id)
    if request.method == "POST":
        marks = {}
        for key, value in request.form.items():
            if key.startswith("attendance-") and key[len("attendance-"):].isdigit():
                marks[int(key[len("attendance-"):])] = value if value in set(Attendance) else None
        bulk = request.form.get("bulk")
        if bulk in set(Attendance):
            marks = {int(value): bulk for value in request.form.getlist("selected") if value.isdigit()}
        changed = services.set_attendance(session, marks)
        flash(_("Attendance saved (%(count)d changed).", count=changed), "success")
        return redirect(url_for("events_manage.roster", session_id=session.id))
    return render_template("events/manage/roster.html", session=session, rows=services.roster(session),
                           attendance_choices=list(Attendance), message=MessageForm())


CSV_COLUMNS = ("name", "email", "organisation", "area", "status", "waiting_position", "registered_at", "attendance",
               "joined_at")


@blueprint.route("/<int:session_id>/roster.csv")
def roster_csv(session_id):
    session = _session_or_404(session_id)
    rows = []
    for row in services.roster(session):
        registration, person = row.registration, row.registration.user
        rows.append([
            registration.name, registration.email, registration.guest_organisation or "",
            person.area.name_fi if person and person.area else (registration.guest_area or ""),
            registration.status, row.position or "", registration.created_at.isoformat(timespec="seconds"),
            registration.attendance or "",
            registration.first_joined_at.isoformat(timespec="seconds") if registration.first_joined_at else "",
        ])
    return csv_download(list(CSV_COLUMNS), rows, f"roster-{session.starts_at:%Y-%m-%d}-{session.id}.csv")
