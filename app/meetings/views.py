"""The annual meeting for participants: the edition page with its programme, registering with
answers, editing answers, the personal agenda, the participant list, materials and feedback."""

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.policy import anyone, guard, requires, signed_in
from ..core.markdown import render_markdown
from ..core.timeutil import local_zone
from ..events import registrations
from ..events.forms import GuestRegistrationForm, ResendConfirmationForm
from ..events.links import GUEST_CONFIRMATION_HOURS, join_url, registration_from_link
from ..events.models import Registration
from ..extensions import db, limiter
from . import questions, services
from .models import Material, MeetingEdition, QuestionForm

blueprint = Blueprint("meetings", __name__, url_prefix="/meetings")
guard(blueprint, anyone)  # a link or the object's own rule decides; some views ask for more


def _locale() -> str:
    return str(get_locale())


def _edition_or_404(year: int) -> MeetingEdition:
    edition = services.find_edition(year)
    if edition is None or not services.may_see_edition(current_user, edition):
        abort(404)
    return edition


def _my_registration(edition: MeetingEdition) -> Registration | None:
    return registrations.registration_of(current_user, edition.session) if current_user.is_authenticated else None


def _raw_answers(edition: MeetingEdition, form: str) -> dict[str, Any]:
    return questions.read_answers(services.questions(edition, form), request.form.getlist)


def _question_fields(
    edition: MeetingEdition, form: str, answers: dict[str, Any], problems: dict[str, str]
) -> list[tuple[str, dict[str, Any]]]:
    return questions.fields(services.questions(edition, form), answers, problems, _locale())


@blueprint.route("/")
def archive():
    return render_template(
        "kaiku/meetings/archive.html", editions=services.editions(), current=services.current_edition()
    )


@blueprint.route("/current")
def current():
    edition = services.current_edition() or abort(404)
    return redirect(url_for("meetings.edition", year=edition.year))


def _render_edition(edition, guest_form=None, answers=None, problems=None, confirmation_form=None):
    registration = _my_registration(edition)
    is_registrant = services.is_participant(registration)
    return render_template(
        "kaiku/meetings/edition.html",
        edition=edition,
        registration=registration,
        is_registrant=is_registrant,
        state=registrations.registration_state(edition.session),
        days=services.programme_by_day(edition, local_zone()),
        description_html=render_markdown(edition.session.description_in(_locale())).html,
        questions=services.questions(edition, QuestionForm.REGISTRATION),
        answer_fields=_question_fields(
            edition,
            QuestionForm.REGISTRATION,
            answers if answers is not None else (services.answers_of(registration) if registration else {}),
            problems or {},
        ),
        problems=problems or {},
        guest_form=guest_form or GuestRegistrationForm(),
        confirmation_form=confirmation_form or ResendConfirmationForm(prefix="confirmation"),
        materials=services.materials_of(edition),
        picked=services.picked_item_ids(registration) if registration else set(),
    )


@blueprint.route("/<int:year>")
def edition(year):
    return _render_edition(_edition_or_404(year))


@blueprint.post("/<int:year>/register")
@requires(signed_in)
def register(year):
    edition = _edition_or_404(year)
    raw = _raw_answers(edition, QuestionForm.REGISTRATION)
    try:
        answers = services.check_answers(edition, QuestionForm.REGISTRATION, raw)
        services.register(edition, current_user, _locale(), answers)
    except services.AnswerProblems as problems:
        return _render_edition(edition, answers=raw, problems=problems.problems)
    except registrations.RegistrationRefused as refusal:
        flash(str(refusal), "error")
    else:
        flash(
            _("You are registered for the meeting. Choose the parts you will attend in your personal agenda."),
            "success",
        )
    return redirect(url_for("meetings.edition", year=year))


@blueprint.post("/<int:year>/guest")
@limiter.limit("20 per hour", methods=["POST"])
def register_guest(year):
    edition = _edition_or_404(year)
    form = GuestRegistrationForm()
    raw = _raw_answers(edition, QuestionForm.REGISTRATION)
    try:
        answers = services.check_answers(edition, QuestionForm.REGISTRATION, raw)
    except services.AnswerProblems as problems:
        form.validate_on_submit()
        return _render_edition(edition, guest_form=form, answers=raw, problems=problems.problems)
    if form.validate_on_submit():
        try:
            services.register_guest(
                edition,
                {
                    "name": form.name.data,
                    "email": form.email.data,
                    "organisation": form.organisation.data or "",
                    "area": form.area.data or "",
                },
                _locale(),
                answers,
            )
        except registrations.RegistrationRefused as refusal:
            form.email.errors.append(str(refusal))
        else:
            return render_template(
                "kaiku/events/guest_check_email.html", session=edition.session, email=form.email.data
            )
    return _render_edition(edition, guest_form=form, answers=raw)


@blueprint.post("/<int:year>/confirmation")
@limiter.limit("20 per hour", methods=["POST"])
def request_confirmation(year):
    """A guest who lost the confirmation email asks for a new one; every address gets the same answer."""
    edition = _edition_or_404(year)
    form = ResendConfirmationForm(prefix="confirmation")
    if not form.validate_on_submit():
        return _render_edition(edition, confirmation_form=form)
    registrations.resend_guest_confirmation(edition.session, form.email.data)
    return render_template("kaiku/meetings/confirmation_sent.html", edition=edition, email=form.email.data)


@blueprint.post("/<int:year>/answers")
@requires(signed_in)
def update_answers(year):
    edition = _edition_or_404(year)
    registration = _my_registration(edition) or abort(404)
    raw = _raw_answers(edition, QuestionForm.REGISTRATION)
    try:
        services.update_answers(registration, edition, raw)
    except services.AnswersClosed as closed:
        flash(str(closed), "error")
        return redirect(url_for("meetings.edition", year=year))
    except services.AnswerProblems as problems:
        return _render_edition(edition, answers=raw, problems=problems.problems)
    flash(_("Your answers have been saved."), "success")
    return redirect(url_for("meetings.edition", year=year))


@blueprint.post("/<int:year>/agenda")
@requires(signed_in)
def agenda(year):
    edition = _edition_or_404(year)
    registration = _my_registration(edition) or abort(404)
    services.set_agenda(
        registration, edition, {int(value) for value in request.form.getlist("item") if value.isdigit()}
    )
    flash(_("Your personal agenda is saved. Your personal calendar feed now shows these parts."), "success")
    return redirect(url_for("meetings.edition", year=year) + "#programme")


@blueprint.route("/<int:year>/participants")
@requires(signed_in)
def participants(year):
    edition = _edition_or_404(year)
    if not services.may_see_participants(current_user, _my_registration(edition)):
        abort(403)
    return render_template(
        "kaiku/meetings/participants.html", edition=edition, names=services.participant_list(edition)
    )


def _feedback_page(edition, registration, done_url: str):
    if not services.may_give_feedback(edition, registration):
        abort(403)
    answers, problems = services.answers_of(registration), {}
    if request.method == "POST":
        raw = _raw_answers(edition, QuestionForm.FEEDBACK)
        try:
            services.save_feedback(edition, registration, raw)
        except services.AnswerProblems as error:
            answers, problems = raw, error.problems
        else:
            flash(_("Thank you for your feedback."), "success")
            return redirect(done_url)
    return render_template(
        "kaiku/meetings/feedback.html",
        edition=edition,
        problems=problems,
        questions=services.questions(edition, QuestionForm.FEEDBACK),
        answer_fields=_question_fields(edition, QuestionForm.FEEDBACK, answers, problems),
    )


def _material_download(edition, material_id: int, registration):
    material = db.session.get(Material, material_id) or abort(404)
    if material.edition_id != edition.id or material.stored_as is None:
        abort(404)
    if not services.may_open_materials(edition, registration, current_user):
        abort(403)
    return send_from_directory(
        services.materials_folder(), material.stored_as, download_name=material.file_name, as_attachment=True
    )


@blueprint.route("/<int:year>/feedback", methods=["GET", "POST"])
@requires(signed_in)
def feedback(year):
    edition = _edition_or_404(year)
    return _feedback_page(edition, _my_registration(edition), url_for("meetings.edition", year=year))


@blueprint.route("/<int:year>/materials/<int:material_id>")
@requires(signed_in)
def material_file(year, material_id):
    edition = _edition_or_404(year)
    return _material_download(edition, material_id, _my_registration(edition))


# --- a registration reached through the manage link in its emails (how guests take part) ----------------


def _registration_by_link(token: str):
    registration = registration_from_link(token, "manage") or abort(404)
    edition = services.edition_of(registration) or abort(404)
    return edition, registration


@blueprint.route("/registration/<token>")
def registration_page(token):
    edition, registration = _registration_by_link(token)
    return render_template(
        "kaiku/meetings/registration.html",
        edition=edition,
        registration=registration,
        token=token,
        session=edition.session,
        position=registrations.waiting_position(registration),
        is_participant=services.is_participant(registration),
        may_give_feedback=services.may_give_feedback(edition, registration),
        materials=services.materials_of(edition),
        join_link=join_url(registration),
    )


@blueprint.route("/registration/<token>/feedback", methods=["GET", "POST"])
def registration_feedback(token):
    edition, registration = _registration_by_link(token)
    return _feedback_page(edition, registration, url_for("meetings.registration_page", token=token))


@blueprint.route("/registration/<token>/materials/<int:material_id>")
def registration_material(token, material_id):
    edition, registration = _registration_by_link(token)
    return _material_download(edition, material_id, registration)


@blueprint.context_processor
def confirmation_hours():
    return {"confirmation_hours": GUEST_CONFIRMATION_HOURS}
