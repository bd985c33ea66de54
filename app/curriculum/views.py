"""What learners see: the home page with their training, catalogue, course, lessons, knowledge
checks, certificates, files."""

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.models import Role
from ..accounts.policy import anyone, guard, signed_in
from ..core.i18n import SUPPORTED_LOCALES
from ..meetings.services import current_edition
from . import services
from .check_kinds import CHECK_KINDS

blueprint = Blueprint("curriculum", __name__, url_prefix="/courses")
guard(blueprint, signed_in)  # course content is for signed-in people

# The site's front page: for everyone, and once signed in the person's dashboard.
dashboard = Blueprint("dashboard", __name__)
guard(dashboard, anyone)


@dashboard.route("/")
def home() -> str:
    training = services.dashboard(current_user) if current_user.is_authenticated else []
    return render_template("kaiku/curriculum/home.html", training=training, meeting=current_edition())


def _locale() -> str:
    return str(get_locale())


def _course_or_404(key):
    return services.find_course(key) or abort(404)


@blueprint.route("/")
def catalogue():
    audience = request.args.get("audience") if request.args.get("audience") in set(Role) else None
    language = request.args.get("language") if request.args.get("language") in SUPPORTED_LOCALES else None
    return render_template(
        "kaiku/curriculum/catalogue.html",
        courses=services.catalogue(audience, language),
        audience=audience,
        language=language,
        roles=list(Role),
    )


@blueprint.route("/<key>")
def course(key):
    course = _course_or_404(key)
    sessions = services.upcoming_sessions_of(course, current_user) if course.requires_live_session else []
    return render_template(
        "kaiku/curriculum/course.html",
        course=course,
        sessions=sessions,
        progress=services.course_progress(current_user, course),
    )


@blueprint.post("/<key>/enrol")
def enrol(key):
    course = _course_or_404(key)
    services.enrol(current_user, course)
    flash(_("You are enrolled. Start with the first lesson whenever you like."), "success")
    return redirect(url_for("curriculum.course", key=course.key))


@blueprint.post("/<key>/renew")
def renew(key):
    course = _course_or_404(key)
    try:
        services.start_renewal(current_user, course)
    except services.CurriculumError:
        abort(400)
    flash(_("A new round has started. Your earlier completion stays in your history."), "success")
    return redirect(url_for("curriculum.course", key=course.key))


@blueprint.route("/<key>/lessons/<lesson_key>")
def lesson(key, lesson_key):
    course = _course_or_404(key)
    lesson = services.find_lesson(course, lesson_key) or abort(404)
    lessons = course.active_lessons
    index = lessons.index(lesson)
    progress = services.course_progress(current_user, course)
    return render_template(
        "kaiku/curriculum/lesson.html",
        course=course,
        lesson=lesson,
        text=lesson.text_in(_locale()),
        progress=progress,
        step=progress.step_for_lesson(lesson),
        previous=lessons[index - 1] if index > 0 else None,
        following=lessons[index + 1] if index + 1 < len(lessons) else None,
    )


@blueprint.post("/<key>/lessons/<lesson_key>/complete")
def complete_lesson(key, lesson_key):
    course = _course_or_404(key)
    lesson = services.find_lesson(course, lesson_key) or abort(404)
    progress = services.complete_lesson(current_user, lesson, _locale())
    if progress.completion is not None and progress.status == "completed":
        flash(_("Well done: you have completed the course."), "success")
        return redirect(url_for("curriculum.course", key=course.key))
    flash(_("Lesson marked as completed."), "success")
    step = progress.next_step
    return redirect((step and step.page_url(course)) or url_for("curriculum.course", key=course.key))


@blueprint.route("/<key>/checks/<module_key>", methods=["GET", "POST"])
def knowledge_check(key, module_key):
    course = _course_or_404(key)
    module = services.find_module(course, module_key) or abort(404)
    check = module.active_check or abort(404)
    result, unanswered, chosen = None, [], {}
    if request.method == "POST":
        chosen = {question["key"]: request.form.getlist(question["key"]) for question in check.questions}
        try:
            result = services.submit_check(current_user, check, chosen, _locale())
        except services.UnansweredQuestions as error:
            unanswered = error.keys
    return render_template(
        "kaiku/curriculum/check.html",
        course=course,
        module=module,
        check=check,
        result=result,
        check_kinds=CHECK_KINDS,
        unanswered=unanswered,
        chosen=chosen,
        attempts=services.attempts_for(current_user, check),
        progress=services.course_progress(current_user, course),
    )


@blueprint.route("/<key>/certificate")
def certificate(key):
    course = _course_or_404(key)
    progress = services.course_progress(current_user, course)
    wanted_round = request.args.get("round", type=int)
    in_round = [row for row in progress.history if wanted_round in (None, row.round)]
    # a valid completion first; a withdrawn one gets a page that says so, never a certificate
    completion = next((row for row in in_round if not row.is_withdrawn), in_round[0] if in_round else None)
    if completion is None:
        abort(404)
    return render_template("kaiku/curriculum/certificate.html", course=course, completion=completion)


@blueprint.route("/<key>/files/<path:filename>")
def course_file(key, filename):
    path = services.course_file(_course_or_404(key), filename) or abort(404)
    return send_file(path, max_age=24 * 3600)
