"""The audit log page for admins, and the hook that records changes made in the staff pages."""
from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..accounts.models import Role
from ..accounts.policy import require_roles
from ..core.pagination import paginate
from . import services

blueprint = Blueprint("audit", __name__, url_prefix="/admin/audit")
require_roles(blueprint, Role.ADMIN)

ACTION_LABELS = {
    "accounts.personal_data": _l("Downloaded own personal data"),
    "accounts_admin.invite": _l("Invited a person"),
    "accounts_admin.import_people": _l("Imported coordinators"),
    "accounts_admin.edit_person": _l("Changed a person's details"),
    "accounts_admin.set_active": _l("Deactivated or reactivated a person"),
    "accounts_admin.reinvite": _l("Sent a new invitation"),
    "accounts_admin.erase": _l("Erased a person's personal data"),
    "accounts_admin.edit_area": _l("Saved an area"),
    "curriculum_staff.assignments": _l("Assigned a course"),
    "curriculum_staff.remove_assignment": _l("Removed a course assignment"),
    "events_manage.create": _l("Scheduled sessions"),
    "events_manage.edit": _l("Changed a session"),
    "events_manage.cancel": _l("Cancelled a session"),
    "events_manage.message": _l("Messaged a session's registrants"),
    "events_manage.roster": _l("Marked attendance"),
    "meetings_manage.create": _l("Created a meeting edition"),
    "meetings_manage.edit": _l("Changed a meeting edition"),
    "meetings_manage.programme": _l("Saved a programme item"),
    "meetings_manage.delete_item": _l("Deleted a programme item"),
    "meetings_manage.questions": _l("Saved a meeting question"),
    "meetings_manage.registrations": _l("Messaged a meeting's registrants"),
    "meetings_manage.after": _l("Saved a meeting's materials or recording"),
    "outbox.retry": _l("Retried an email"),
    "reports.export": _l("Exported a report"),
    "events_manage.roster_csv": _l("Exported a session roster"),
    "meetings_manage.registrations_csv": _l("Exported a meeting's registrations"),
    "meetings_manage.feedback_csv": _l("Exported a meeting's feedback"),
}


def action_label(action: str) -> str:
    """A readable label for a recorded action; actions without one show as recorded."""
    return ACTION_LABELS.get(action, action)


def detail_text(value) -> str:
    """A recorded value as one line of text: lists and mappings spelled out, nothing as a dash."""
    if value is None:
        return "–"
    if isinstance(value, dict):
        return ", ".join(f"{name}={detail_text(item)}" for name, item in value.items())
    if isinstance(value, list):
        return ", ".join(detail_text(item) for item in value)
    return str(value)


@blueprint.route("/")
def log():
    filters = {"action": request.args.get("action", ""), "actor": request.args.get("actor", "").strip()}
    page = paginate(services.events_query(filters["action"], filters["actor"]), request.args.get("page", 1, type=int))
    return render_template("audit/log.html", page=page, actions=services.recorded_actions(), filters=filters)


def record_staff_change(response):
    """After each request to a staff page by a signed-in person: a POST that answered with a
    redirect (how every successful change there ends) is recorded with what was submitted; a
    file download (an export) with the filters it was asked with."""
    if request.blueprint not in services.AUDITED_BLUEPRINTS or not current_user.is_authenticated:
        return response
    subject = services.describe_subject(request.view_args)
    if request.method == "POST" and 300 <= response.status_code < 400:
        services.record(current_user, request.endpoint, subject, services.form_details(request.form, request.files))
    elif request.method == "GET" and response.status_code == 200 and _is_download(response):
        services.record(current_user, request.endpoint, subject, services.form_details(request.args, request.files))
    return response


def _is_download(response) -> bool:
    return response.headers.get("Content-Disposition", "").startswith("attachment")


blueprint.add_app_template_filter(action_label, "audit_action_label")
blueprint.add_app_template_filter(detail_text, "audit_detail")
