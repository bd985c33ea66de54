"""Admins see what was sent, what waits and what failed, and can retry a failed message."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.policy import can_manage_outbox, guard
from ..core.pagination import paginate
from . import services
from .models import OutboxStatus

blueprint = Blueprint("outbox_manage", __name__, url_prefix="/manage/outbox")
guard(blueprint, can_manage_outbox)


@blueprint.route("/")
def index():
    status = request.args.get("status", "")
    page = paginate(services.messages_query(status), request.args.get("page", 1, type=int))
    return render_template(
        "kaiku/outbox/index.html",
        page=page,
        counts=services.status_counts(),
        status=status,
        statuses=list(OutboxStatus),
    )


@blueprint.route("/<int:message_id>")
def show(message_id):
    message = services.find_message(message_id) or abort(404)
    return render_template("kaiku/outbox/show.html", message=message)


@blueprint.post("/<int:message_id>/retry")
def retry(message_id):
    message = services.find_message(message_id) or abort(404)
    if services.retry(message, retried_by=current_user):
        flash(_("The message will be sent on the next delivery run."), "success")
    return redirect(url_for("outbox_manage.show", message_id=message.id))
