"""Trainers and admins assign courses to people, areas and roles."""
import re

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..accounts.models import Area, Role
from ..accounts.policy import require_roles
from ..accounts.services import all_areas, find_user_by_email
from ..extensions import db
from . import services
from .forms import AssignmentForm
from .models import Course, CourseAssignment

blueprint = Blueprint("curriculum_manage", __name__, url_prefix="/manage")
require_roles(blueprint, Role.ADMIN, Role.TRAINER)


@blueprint.route("/assignments", methods=["GET", "POST"])
def assignments():
    locale = str(get_locale())
    form = AssignmentForm(services.catalogue(), all_areas(), locale)
    if form.validate_on_submit():
        targets = _targets(form)
        if targets:
            course = db.session.get(Course, form.course_id.data)
            services.assign_to_all(course, form.due_on.data, current_user, targets)
            flash(ngettext("Course assigned to %(num)d target.", "Course assigned to %(num)d targets.", len(targets)),
                  "success")
            return redirect(url_for("curriculum_manage.assignments"))
    return render_template("curriculum/assignments.html", form=form, assignments=services.all_assignments())


def _targets(form: AssignmentForm) -> list[dict]:
    """The assignment targets from the form, or none with an error next to the field: one or
    more people (all must exist), an area, or a role."""
    if form.target.data == "person":
        emails = [email for email in re.split(r"[\s,;]+", form.emails.data or "") if email]
        people = {email: find_user_by_email(email) for email in emails}
        unknown = [email for email, person in people.items() if person is None]
        if not emails:
            form.emails.errors.append(_("Give at least one email address."))
        elif unknown:
            form.emails.errors.append(_("No person has these email addresses: %(emails)s. Nothing was assigned.",
                                        emails=", ".join(unknown)))
        return [] if form.emails.errors else [{"person": person} for person in people.values()]
    if form.target.data == "area":
        area = db.session.get(Area, form.area_id.data) if form.area_id.data else None
        if area is None:
            form.area_id.errors.append(_("Choose an area."))
            return []
        return [{"area": area}]
    return [{"role": form.role.data}]


@blueprint.post("/assignments/<int:assignment_id>/remove")
def remove_assignment(assignment_id):
    assignment = db.session.get(CourseAssignment, assignment_id) or abort(404)
    services.remove_assignment(assignment, removed_by=current_user)
    flash(_("Assignment removed. Progress already made is kept."), "success")
    return redirect(url_for("curriculum_manage.assignments"))
