"""Admins erase a guest's data by email address: guests have no account to erase."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..accounts.policy import can_erase_guests, guard
from . import services
from .forms import GuestErasureForm

blueprint = Blueprint("events_admin", __name__, url_prefix="/admin/guests")
guard(blueprint, can_erase_guests)


@blueprint.route("/erase", methods=["GET", "POST"])
def erase_guest():
    """The address finds the guest's registrations; the page that lists them asks before
    anything is erased."""
    form = GuestErasureForm()
    if form.validate_on_submit():
        registrations = services.guest_registrations(form.email.data)
        if not registrations:
            form.email.errors.append(_("No registration made as a guest has this address."))
        elif form.confirmed.data == "yes":
            erased = services.erase_guest(form.email.data, erased_by=current_user)
            flash(ngettext("The guest's data has been erased from %(num)d registration; the figures are kept.",
                           "The guest's data has been erased from %(num)d registrations; the figures are kept.",
                           erased), "success")
            return redirect(url_for("events_admin.erase_guest"))
        else:
            form.email.data, form.confirmed.data = form.email.data.lower(), "yes"  # as the registrations hold it
            return render_template("events/admin/erase_guest_confirm.html", form=form, registrations=registrations)
    return render_template("events/admin/erase_guest.html", form=form)
