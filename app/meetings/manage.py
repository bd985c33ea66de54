"""Organisers (admins): editions, programme, questions, registrations with answers and their
export, messages to registrants, materials, the recording, feedback and attendance."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.models import Sector
from ..accounts.policy import can_manage_meetings, guard
from ..accounts.services import all_areas
from ..core.collation import finnish_key
from ..core.forms import texts_as_data, texts_from
from ..core.spreadsheets import csv_download, record_export
from ..core.timeutil import AmbiguousLocalTime, NonexistentLocalTime, local_to_utc, local_zone, utc_to_local
from ..events.forms import MessageForm, form_data_for
from ..events.models import Attendance, RegistrationStatus
from ..events.services import CapacityRefused, EditConflict, message_registrants, update_session
from ..extensions import db
from . import services
from .forms import EditionForm, ItemForm, MaterialForm, QuestionEditForm, RecordingForm
from .models import Material, MeetingQuestion, ProgrammeItem, QuestionForm

blueprint = Blueprint("meetings_manage", __name__, url_prefix="/manage/meetings")
guard(blueprint, can_manage_meetings)


def _locale() -> str:
    return str(get_locale())


def _edition_or_404(year):
    return services.find_edition(year) or abort(404)


@blueprint.route("/")
def index():
    return render_template("kaiku/meetings/manage/index.html", editions=services.editions())


@blueprint.route("/new", methods=["GET", "POST"])
def create():
    form = EditionForm(all_areas(), _locale())
    if request.method == "GET":
        form.audience_roles.data = ["coordinator"]
    if form.validate_on_submit():
        fields = form.session_fields()
        fields["starts_at"], fields["ends_at"] = form.times_utc[0]
        try:
            edition = services.create_edition(form.year.data, fields, actor=current_user)
        except services.EditionExists as exists:
            form.year.errors.append(str(exists))
        else:
            flash(_("The edition is created with the default questions. Add the programme next."), "success")
            return redirect(url_for("meetings_manage.programme", year=edition.year))
    return render_template("kaiku/meetings/manage/edition_form.html", form=form, edition=None)


@blueprint.route("/<int:year>/edit", methods=["GET", "POST"])
def edit(year):
    edition = _edition_or_404(year)
    session = edition.session
    if request.method == "GET":
        data = form_data_for(session)
        data.update(
            year=edition.year,
            last_day=utc_to_local(session.ends_at, current_app.config["TIMEZONE"]).date(),
            capacity=session.capacity,
        )
        form = EditionForm(all_areas(), _locale(), data=data)
    else:
        form = EditionForm(all_areas(), _locale())
    if form.validate_on_submit():
        fields = form.session_fields()
        fields["starts_at"], fields["ends_at"] = form.times_utc[0]
        try:
            update_session(session, fields, [], form.opened_at_version(), actor=current_user)
        except EditConflict:  # the service has rolled back
            flash(
                _(
                    "Someone else saved this edition while you were editing it. Your changes were not saved: "
                    "the form now shows the saved version."
                ),
                "error",
            )
            return redirect(url_for("meetings_manage.edit", year=year))
        except CapacityRefused as refusal:
            form.capacity.errors.append(str(refusal))
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("meetings_manage.programme", year=year))
    return render_template("kaiku/meetings/manage/edition_form.html", form=form, edition=edition)


def _item_times(form: ItemForm):
    zone = current_app.config["TIMEZONE"]
    try:  # an online programme never needs the night the clocks change: refuse rather than guess
        starts_at = local_to_utc(form.day.data, form.start_time.data, zone, fold=None)
        ends_at = local_to_utc(form.day.data, form.end_time.data, zone, fold=None)
    except NonexistentLocalTime:
        form.start_time.errors.append(_("This time does not exist on that day: the clocks go forward."))
        return None
    except AmbiguousLocalTime:
        form.start_time.errors.append(
            _("This time occurs twice on that day as the clocks go back: choose another time.")
        )
        return None
    return starts_at, ends_at


@blueprint.route("/<int:year>/programme", methods=["GET", "POST"], defaults={"item_id": None})
@blueprint.route("/<int:year>/programme/<int:item_id>", methods=["GET", "POST"])
def programme(year, item_id):
    edition = _edition_or_404(year)
    item = _item_or_404(edition, item_id) if item_id is not None else None
    zone = current_app.config["TIMEZONE"]
    if request.method == "GET" and item is not None:
        starts, ends = utc_to_local(item.starts_at, zone), utc_to_local(item.ends_at, zone)
        form = ItemForm(
            data={
                "kind": item.kind,
                "track": item.track,
                "speakers": item.speakers,
                "day": starts.date(),
                "start_time": starts.time(),
                "end_time": ends.time(),
                **texts_as_data("title", item.title),
                **texts_as_data("description", item.description),
            }
        )
    else:
        form = ItemForm()
        if request.method == "GET":
            form.day.data = utc_to_local(edition.session.starts_at, zone).date()
    if form.validate_on_submit() and (times := _item_times(form)):
        fields = {
            "title": texts_from(form, "title"),
            "description": texts_from(form, "description"),
            "kind": form.kind.data,
            "track": form.track.data or None,
            "speakers": form.speakers.data or None,
            "starts_at": times[0],
            "ends_at": times[1],
        }
        try:
            services.save_item(edition, item, fields, actor=current_user)
        except services.ItemTimesRefused as refused:
            form.end_time.errors.append(str(refused))
        else:
            flash(_("Programme saved."), "success")
            return redirect(url_for("meetings_manage.programme", year=year))
    return render_template(
        "kaiku/meetings/manage/programme.html",
        edition=edition,
        form=form,
        item=item,
        days=services.programme_by_day(edition, local_zone()),
    )


def _item_or_404(edition, item_id) -> ProgrammeItem:
    item = db.session.get(ProgrammeItem, item_id)
    if item is None or item.edition_id != edition.id:
        abort(404)
    return item


@blueprint.route("/<int:year>/programme/<int:item_id>/delete", methods=["GET", "POST"])
def delete_item(year, item_id):
    """Asks first: the item leaves the programme and every personal agenda."""
    edition = _edition_or_404(year)
    item = _item_or_404(edition, item_id)
    if request.method == "POST":
        services.delete_item(item, actor=current_user)
        flash(_("The item was removed from the programme."), "success")
        return redirect(url_for("meetings_manage.programme", year=year))
    return render_template(
        "kaiku/meetings/manage/delete_item.html", edition=edition, item=item, agendas=services.agendas_with(item)
    )


@blueprint.route("/<int:year>/questions", methods=["GET", "POST"], defaults={"question_id": None})
@blueprint.route("/<int:year>/questions/<int:question_id>", methods=["GET", "POST"])
def questions(year, question_id):
    edition = _edition_or_404(year)
    question = None
    if question_id is not None:
        question = db.session.get(MeetingQuestion, question_id)
        if question is None or question.edition_id != edition.id:
            abort(404)
    if request.method == "GET" and question is not None:
        form = QuestionEditForm(
            data={
                "form": question.form,
                "kind": question.kind,
                "required": question.required,
                "options": services.options_text(question),
                **texts_as_data("label", question.label),
            }
        )
    else:
        form = QuestionEditForm()
    if form.validate_on_submit():
        label = texts_from(form, "label")
        try:
            options = services.parse_options(form.options.data or "", question.options if question else [])
            services.save_question(
                edition,
                question,
                form=form.form.data,
                kind=form.kind.data,
                label=label,
                options=options,
                required=form.required.data,
                actor=current_user,
            )
        except services.OptionWithoutText as empty:
            form.options.errors.append(str(empty))
        except services.QuestionLocked as locked:
            form.kind.errors.append(str(locked))
        else:
            flash(_("Question saved."), "success")
            return redirect(url_for("meetings_manage.questions", year=year))
    return render_template(
        "kaiku/meetings/manage/questions.html",
        edition=edition,
        form=form,
        question=question,
        answer_counts={q.id: services.answer_count(q) for q in edition.questions},
    )


REGISTRATION_FILTERS = ("area", "sector", "status")


def _filters() -> dict:
    """The registration filters of the query string (and nothing else it may carry)."""
    return {name: request.args[name] for name in REGISTRATION_FILTERS if name in request.args}


def _filtered_rows(edition):
    return services.registrant_rows(edition, _locale(), **_filters())


def _render_registrations(edition, message: MessageForm):
    rows = _filtered_rows(edition)
    all_rows = services.registrant_rows(edition, _locale())
    return render_template(
        "kaiku/meetings/manage/registrations.html",
        edition=edition,
        rows=rows,
        counts=services.counts(all_rows),
        questions=services.questions(edition, QuestionForm.REGISTRATION),
        message=message,
        recipients=services.message_recipients(rows),
        areas=sorted({row.area for row in all_rows if row.area}, key=finnish_key),
        sectors=list(Sector),
        statuses=list(RegistrationStatus),
        filters=_filters(),
        answer_text=services.answer_text,
    )


@blueprint.route("/<int:year>/registrations")
def registrations(year):
    return _render_registrations(_edition_or_404(year), MessageForm())


@blueprint.post("/<int:year>/registrations/message")
def message(year):
    """A message to the registrants the filters (in the query string) show: first a page that
    says who gets it, then, confirmed, the sending."""
    edition = _edition_or_404(year)
    form = MessageForm()
    if not form.validate_on_submit():
        return _render_registrations(edition, form)
    recipients = services.message_recipients(_filtered_rows(edition))
    if request.form.get("confirmed") != "yes":
        return render_template(
            "kaiku/meetings/manage/message_confirm.html",
            edition=edition,
            form=form,
            recipients=recipients,
            filters=_filters(),
        )
    count = message_registrants(edition.session, form.subject.data, form.body.data, current_user, recipients)
    flash(
        ngettext(
            "The message is queued for %(num)d registrant.", "The message is queued for %(num)d registrants.", count
        ),
        "success",
    )
    return redirect(url_for("meetings_manage.registrations", year=year, **_filters()))


def _csv_response(rows, questions, filename: str):
    """One row per registrant and a column per question, in the reader's language; times are
    Finnish time (csv_download converts)."""
    locale = _locale()
    header = [
        _("Name"),
        _("Email"),
        _("Area"),
        _("Organisation"),
        _("Sector"),
        _("Status"),
        _("Attendance"),
        _("Registered"),
        *(question.label_in(locale) for question in questions),
    ]
    return csv_download(
        header,
        [
            [
                row.registration.name,
                row.registration.email,
                row.area,
                row.organisation,
                row.sector,
                str(RegistrationStatus(row.registration.status).label),
                str(Attendance(row.registration.attendance).label) if row.registration.attendance else "",
                row.registration.created_at,
                *(services.answer_text(q, row.answers.get(q.key), locale) for q in questions),
            ]
            for row in rows
        ],
        filename,
    )


@blueprint.route("/<int:year>/registrations.csv")
def registrations_csv(year):
    edition = _edition_or_404(year)
    record_export(current_user, "registrations.exported", edition, filters=_filters())
    return _csv_response(
        _filtered_rows(edition),
        services.questions(edition, QuestionForm.REGISTRATION),
        f"meeting-{year}-registrations.csv",
    )


@blueprint.route("/<int:year>/feedback.csv")
def feedback_csv(year):
    edition = _edition_or_404(year)
    record_export(current_user, "feedback.exported", edition)
    rows = list(services.registrant_rows(edition, _locale(), status=RegistrationStatus.CONFIRMED))
    return _csv_response(rows, services.questions(edition, QuestionForm.FEEDBACK), f"meeting-{year}-feedback.csv")


@blueprint.route("/<int:year>/after", methods=["GET", "POST"])
def after(year):
    """Materials, the recording and feedback results."""
    edition = _edition_or_404(year)
    material = MaterialForm(edition.items, _locale(), prefix="material")
    recording = RecordingForm(obj=edition, prefix="recording")
    action = request.form.get("action")
    if action == "material" and material.validate_on_submit():
        try:
            services.add_material(
                edition,
                material.title.data,
                material.item_id.data,
                material.url.data,
                material.file.data,
                actor=current_user,
            )
        except services.MaterialIncomplete as incomplete:
            material.url.errors.append(str(incomplete))
        except services.UploadRefused as refused:
            material.file.errors.append(str(refused))
        else:
            flash(_("Material added."), "success")
            return redirect(url_for("meetings_manage.after", year=year))
    elif action == "recording" and recording.validate_on_submit():
        services.save_recording(edition, recording.recording_url.data, recording.feedback_open.data, actor=current_user)
        flash(_("Saved."), "success")
        return redirect(url_for("meetings_manage.after", year=year))
    return render_template(
        "kaiku/meetings/manage/after.html",
        edition=edition,
        material=material,
        recording=recording,
        materials=services.materials_of(edition),
        summary=services.feedback_summary(edition, _locale()),
    )


@blueprint.route("/<int:year>/materials/<int:material_id>/remove", methods=["GET", "POST"])
def remove_material(year, material_id):
    """Asks first: registrants can no longer open the material."""
    edition = _edition_or_404(year)
    material = db.session.get(Material, material_id)
    if material is None or material.edition_id != edition.id:
        abort(404)
    if request.method == "POST":
        services.remove_material(material, actor=current_user)
        flash(_("The material was removed."), "success")
        return redirect(url_for("meetings_manage.after", year=year))
    return render_template("kaiku/meetings/manage/remove_material.html", edition=edition, material=material)
