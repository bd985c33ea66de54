"""Trainers and admins assign courses to people, areas and roles."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.policy import can_assign_courses, guard
from ..accounts.services import all_areas
from . import services
from .forms import AssignmentForm

blueprint = Blueprint("curriculum_manage", __name__, url_prefix="/manage")
guard(blueprint, can_assign_courses)


@blueprint.route("/assignments", methods=["GET", "POST"])
def assignments():
    locale = str(get_locale())
    form = AssignmentForm(services.catalogue(), all_areas(), locale)
    if form.validate_on_submit():
        course = services.find_course_by_id(form.course_id.data) or abort(404)
        try:
            assigned = services.assign_course(
                course,
                form.due_on.data,
                current_user,
                target=form.target.data,
                emails=form.emails.data or "",
                area_id=form.area_id.data or None,
                role=form.role.data,
            )
        except services.AssignmentTargetError as error:
            form[error.field].errors.append(str(error))
        else:
            flash(
                ngettext("Course assigned to %(num)d target.", "Course assigned to %(num)d targets.", len(assigned)),
                "success",
            )
            return redirect(url_for("curriculum_manage.assignments"))
    return render_template("kaiku/curriculum/assignments.html", form=form, assignments=services.all_assignments())


@blueprint.post("/assignments/<int:assignment_id>/remove")
def remove_assignment(assignment_id):
    assignment = services.find_assignment(assignment_id) or abort(404)
    services.remove_assignment(assignment, removed_by=current_user)
    flash(_("Assignment removed. Progress already made is kept."), "success")
    return redirect(url_for("curriculum_manage.assignments"))
