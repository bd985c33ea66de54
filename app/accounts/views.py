"""Signing in and out, invitations, password resets, one's own account page and data download."""

import json

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..core.i18n import LANGUAGE_COOKIE, SUPPORTED_LOCALES
from ..core.urls import safe_next
from ..core.views import remember_choice
from ..extensions import limiter
from . import privacy, services
from .forms import ChangePasswordForm, ForgotPasswordForm, ProfileForm, SetPasswordForm, SignInForm
from .models import TokenPurpose
from .policy import anyone, guard, requires, signed_in

blueprint = Blueprint("accounts", __name__)
guard(blueprint, anyone)  # signing in and the links of emails; one's own account pages ask for more


@blueprint.post("/language")
def choose_language():
    """The language switch: this browser remembers the choice, and a signed-in person's
    pages and emails follow it from now on."""
    locale = request.form.get("locale")
    response = redirect(safe_next(request.form.get("next"), url_for("dashboard.home")))
    if locale in SUPPORTED_LOCALES:
        remember_choice(response, LANGUAGE_COOKIE, locale)
        if current_user.is_authenticated:
            services.set_preferred_locale(current_user, locale)
    return response


@blueprint.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, request.remote_addr or "")
        except services.TooManyAttempts:
            abort(429)
        if user is not None:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next"), url_for("dashboard.home")))
        form.password.errors.append(_("The email or password is wrong."))
    return render_template("kaiku/accounts/sign_in.html", form=form)


@blueprint.post("/sign-out")
def sign_out():
    if current_user.is_authenticated:
        services.sign_out_everywhere(current_user)
    logout_user()
    flash(_("You have signed out."), "success")
    return redirect(url_for("dashboard.home"))


@blueprint.post("/account/sign-out-everywhere")
@requires(signed_in)
def sign_out_everywhere():
    services.sign_out_everywhere(current_user)
    logout_user()
    flash(_("You have been signed out on every device."), "success")
    return redirect(url_for("accounts.sign_in"))


@blueprint.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, str(get_locale()))
        flash(
            _(
                "If an account uses that address, we have sent it a link to choose a new password. "
                "The link works once and expires soon."
            ),
            "success",
        )
        return redirect(url_for("accounts.sign_in"))
    return render_template("kaiku/accounts/forgot_password.html", form=form)


def _set_password_with_token(raw_token: str, purpose: TokenPurpose, template: str, done_message: str):
    token = services.find_valid_token(raw_token, purpose)
    if token is None:
        return render_template("kaiku/accounts/link_expired.html", purpose=purpose), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        user = services.use_token_to_set_password(token, form.password.data)
        login_user(user)
        flash(done_message, "success")
        return redirect(url_for("dashboard.home"))
    return render_template(template, form=form, person=token.user)


@blueprint.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    return _set_password_with_token(
        token,
        TokenPurpose.PASSWORD_RESET,
        "kaiku/accounts/reset_password.html",
        _("Your password has been changed and you are signed in."),
    )


@blueprint.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token):
    return _set_password_with_token(
        token,
        TokenPurpose.INVITATION,
        "kaiku/accounts/accept_invitation.html",
        _("Welcome! Your account is ready and you are signed in."),
    )


@blueprint.route("/account", methods=["GET", "POST"])
@requires(signed_in)
def account():
    profile = ProfileForm(obj=current_user, prefix="profile")
    password = ChangePasswordForm(prefix="password")
    if profile.validate_on_submit():
        services.update_own_details(current_user, name=profile.name.data, locale=profile.locale.data)
        flash(_("Your details have been saved."), "success")
        return redirect(url_for("accounts.account"))
    return render_template("kaiku/accounts/account.html", profile=profile, password=password)


@blueprint.post("/account/password")
@requires(signed_in)
def change_password():
    profile = ProfileForm(obj=current_user, prefix="profile", formdata=None)
    password = ChangePasswordForm(prefix="password")
    if password.validate_on_submit():
        if not services.change_password(current_user, password.current.data, password.password.data):
            password.current.errors.append(_("The current password is wrong."))
        else:
            # The change ended every session; this browser goes on with a new one.
            login_user(current_user._get_current_object(), remember=_remembered())
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("accounts.account"))
    return render_template("kaiku/accounts/account.html", profile=profile, password=password)


def _remembered() -> bool:
    """Whether this browser came with a remember-me cookie (the person chose to stay signed in)."""
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies


@blueprint.get("/account/data.json")
@requires(signed_in)
def personal_data():
    data = privacy.download_personal_data(current_user)
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="kaiku-training-data.json"', "Cache-Control": "no-store"},
    )
