"""Admin pages: people (invite, edit, deactivate, import, erase) and areas."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..core.pagination import paginate
from ..core.urls import database_int
from ..extensions import db
from . import privacy, services
from .forms import AreaForm, EraseForm, ImportForm, InviteForm, PersonForm
from .models import Area, Role, User
from .policy import can_manage_people, guard

blueprint = Blueprint("accounts_manage", __name__, url_prefix="/manage")
guard(blueprint, can_manage_people)


def _get_or_404(model, object_id):
    return db.session.get(model, object_id) or abort(404)


def _changeable_person_or_404(person_id) -> User:
    """An erased person's page offers no changes; a form left open elsewhere gets a 404."""
    person = _get_or_404(User, person_id)
    if person.erased_at is not None:
        abort(404)
    return person


def _person_form(person: User, **kwargs) -> PersonForm:
    return PersonForm(
        services.all_areas(),
        obj=person,
        data={"roles": sorted(person.roles), "area_id": person.area_id or 0, "sector": person.sector or ""},
        **kwargs,
    )


def _person_fields(form: PersonForm) -> dict:
    return {
        "name": form.name.data,
        "roles": form.roles.data,
        "area": db.session.get(Area, form.area_id.data) if form.area_id.data else None,
        "sector": form.sector.data or None,
        "locale": form.locale.data,
    }


@blueprint.route("/people")
def people():
    search = request.args.get("q", "").strip()
    role = request.args.get("role", "") if request.args.get("role") in set(Role) else ""
    area_id = request.args.get("area", type=database_int)
    status = request.args.get("status", "active")
    active = {"active": True, "inactive": False}.get(status)
    page = paginate(services.people_query(search, role, area_id, active), request.args.get("page", 1, type=int))
    return render_template(
        "kaiku/accounts/manage/people.html",
        page=page,
        areas=services.all_areas(str(get_locale())),
        roles=list(Role),
        filters={"q": search, "role": role, "area": area_id, "status": status},
    )


@blueprint.route("/people/invite", methods=["GET", "POST"])
def invite():
    form = InviteForm(services.all_areas())
    if form.validate_on_submit():
        try:
            person = services.invite(form.email.data, invited_by=current_user, **_person_fields(form))
        except services.AccountError as error:
            form.email.errors.append(str(error))
        else:
            flash(_("Invitation queued for %(email)s.", email=person.email), "success")
            return redirect(url_for("accounts_manage.people"))
    return render_template("kaiku/accounts/manage/invite.html", form=form)


@blueprint.route("/people/<int:person_id>", methods=["GET", "POST"])
def edit_person(person_id):
    person = _get_or_404(User, person_id)
    form = _person_form(person)
    if person.erased_at is None and form.validate_on_submit():  # an erased person's page offers no changes
        try:
            services.update_person(person, **_person_fields(form), changed_by=current_user)
        except services.AccountError as error:
            form.roles.errors.append(str(error))
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("accounts_manage.edit_person", person_id=person.id))
    return render_template("kaiku/accounts/manage/person.html", form=form, person=person)


@blueprint.post("/people/<int:person_id>/active")
def set_active(person_id):
    person = _changeable_person_or_404(person_id)
    activate = request.form.get("active") == "1"
    try:
        services.set_active(person, activate, actor=current_user)
    except services.AccountError as error:
        flash(str(error), "error")
    else:
        flash(
            _("%(name)s can sign in again.", name=person.name)
            if activate
            else _("%(name)s has been deactivated; their history is kept.", name=person.name),
            "success",
        )
    return redirect(url_for("accounts_manage.edit_person", person_id=person.id))


@blueprint.post("/people/<int:person_id>/reinvite")
def reinvite(person_id):
    person = _changeable_person_or_404(person_id)
    services.reinvite(person, current_user)
    flash(
        _("A new invitation has been queued for %(email)s; earlier links no longer work.", email=person.email),
        "success",
    )
    return redirect(url_for("accounts_manage.edit_person", person_id=person.id))


@blueprint.route("/people/<int:person_id>/erase", methods=["GET", "POST"])
def erase(person_id):
    """The confirmation page says what goes and what stays; the admin types the email to confirm."""
    person = _changeable_person_or_404(person_id)
    form = EraseForm(person.email)
    if form.validate_on_submit():
        try:
            privacy.erase(person, erased_by=current_user)
        except services.AccountError as error:
            form.confirm_email.errors.append(str(error))
        else:
            flash(_("The person's personal data has been erased; their figures are kept."), "success")
            return redirect(url_for("accounts_manage.edit_person", person_id=person.id))
    return render_template("kaiku/accounts/manage/erase.html", form=form, person=person)


@blueprint.route("/people/import", methods=["GET", "POST"])
def import_people():
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        report = services.import_coordinators(form.file.data.read(), current_user)
        if not report.errors:
            flash(_("%(count)d coordinators imported and invited.", count=len(report.created)), "success")
            return redirect(url_for("accounts_manage.people"))
    return render_template("kaiku/accounts/manage/import.html", form=form, report=report)


@blueprint.route("/areas")
def areas():
    return render_template("kaiku/accounts/manage/areas.html", areas=services.all_areas())


@blueprint.route("/areas/new", methods=["GET", "POST"], defaults={"area_id": None})
@blueprint.route("/areas/<int:area_id>", methods=["GET", "POST"])
def edit_area(area_id):
    area = _get_or_404(Area, area_id) if area_id else Area()
    form = AreaForm(obj=area)
    if form.validate_on_submit():
        try:
            services.save_area(
                area if area_id else None,
                {name: form[name].data for name in services.AREA_FIELDS},
                saved_by=current_user,
            )
        except services.AccountError as error:
            form.name_fi.errors.append(str(error))
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("accounts_manage.areas"))
    return render_template("kaiku/accounts/manage/area.html", form=form, area=area)
