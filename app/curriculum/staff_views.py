"""Trainers and admins assign courses to people, areas and roles."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.models import Area, Role
from ..accounts.policy import require_roles
from ..accounts.services import all_areas, find_user_by_email
from ..extensions import db
from . import services
from .forms import AssignmentForm
from .models import Course, CourseAssignment

blueprint = Blueprint("curriculum_staff", __name__, url_prefix="/staff")
require_roles(blueprint, Role.ADMIN, Role.TRAINER)


@blueprint.route("/assignments", methods=["GET", "POST"])
def assignments():
    locale = str(get_locale())
    form = AssignmentForm(services.catalogue(), all_areas(), locale)
    if form.validate_on_submit():
        target = _target(form)
        if target is not None:
            course = db.session.get(Course, form.course_id.data)
            services.assign(course, form.due_on.data, current_user, **target)
            flash(_("Course assigned."), "success")
            return redirect(url_for("curriculum_staff.assignments"))
    return render_template("curriculum/assignments.html", form=form, assignments=services.all_assignments())


def _target(form: AssignmentForm) -> dict | None:
    """The assignment's target from the form, or None with an error next to the field."""
    if form.target.data == "person":
        person = find_user_by_email(form.email.data or "")
        if person is None:
            form.email.errors.append(_("No person has this email address."))
            return None
        return {"person": person}
    if form.target.data == "area":
        area = db.session.get(Area, form.area_id.data) if form.area_id.data else None
        if area is None:
            form.area_id.errors.append(_("Choose an area."))
            return None
        return {"area": area}
    return {"role": form.role.data}


@blueprint.post("/assignments/<int:assignment_id>/remove")
def remove_assignment(assignment_id):
    assignment = db.session.get(CourseAssignment, assignment_id) or abort(404)
    services.remove_assignment(assignment)
    flash(_("Assignment removed. Progress already made is kept."), "success")
    return redirect(url_for("curriculum_staff.assignments"))
