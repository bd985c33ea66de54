"""Admins see what was sent, what waits and what failed, and can retry a failed message."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..accounts.models import Role
from ..accounts.policy import require_roles
from ..core.pagination import paginate
from ..extensions import db
from . import services
from .models import OutboxMessage, OutboxStatus

blueprint = Blueprint("outbox_manage", __name__, url_prefix="/manage/outbox")
require_roles(blueprint, Role.ADMIN)


@blueprint.route("/")
def index():
    status = request.args.get("status", "")
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status in set(OutboxStatus):
        query = query.where(OutboxMessage.status == status)
    counts = dict(db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all())
    page = paginate(query, request.args.get("page", 1, type=int))
    return render_template("outbox/index.html", page=page, counts=counts, status=status, statuses=list(OutboxStatus))


@blueprint.route("/<int:message_id>")
def show(message_id):
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    return render_template("outbox/show.html", message=message)


@blueprint.post("/<int:message_id>/retry")
def retry(message_id):
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    if services.retry(message, retried_by=current_user):
        flash(_("The message will be sent on the next delivery run."), "success")
    return redirect(url_for("outbox_manage.show", message_id=message.id))
