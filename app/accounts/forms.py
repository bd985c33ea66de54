"""Forms for signing in, passwords, the profile, and the admin pages for people and areas."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Optional, ValidationError

from ..core.forms import MultiCheckboxField, enum_choices, fits, strip
from ..core.i18n import LANGUAGE_NAMES
from .models import Area, AreaKind, AreaStatus, Role, Sector, User


def _language_choices():
    return [(code, name) for code, name in LANGUAGE_NAMES.items()]


class MinimumPasswordLength:
    """The configured minimum, read when the form is checked rather than when it is defined."""

    def __call__(self, form, field):
        minimum = current_app.config["PASSWORD_MIN_LENGTH"]
        if len(field.data or "") < minimum:
            raise ValidationError(_l("The password must be at least %(count)d characters long.", count=minimum))


class SignInForm(FlaskForm):
    email = EmailField(_l("Email"), filters=[strip], validators=[DataRequired(), Email(), fits(User.email)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me signed in on this device"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), filters=[strip], validators=[DataRequired(), Email(), fits(User.email)])


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), MinimumPasswordLength()])
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.password.description = _l(
            "At least %(count)d characters. A few unrelated words make a good password.",
            count=current_app.config["PASSWORD_MIN_LENGTH"],
        )


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), fits(User.name)])
    locale = SelectField(_l("Language"), choices=_language_choices)


class PersonForm(FlaskForm):
    """What an admin sets for a person; the area list comes from the database."""

    name = StringField(_l("Name"), validators=[DataRequired(), fits(User.name)])
    roles = MultiCheckboxField(
        _l("Roles"),
        choices=lambda: enum_choices(Role),
        validators=[DataRequired(message=_l("Choose at least one role."))],
    )
    area_id = SelectField(_l("Area"), coerce=int)
    sector = SelectField(_l("Sector"), choices=lambda: [("", _l("Not set"))] + enum_choices(Sector))
    locale = SelectField(_l("Language for emails"), choices=_language_choices)

    def __init__(self, areas, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.area_id.choices = [(0, _l("No area"))] + [(area.id, area.name_fi) for area in areas]


class InviteForm(PersonForm):
    email = EmailField(_l("Email"), filters=[strip], validators=[DataRequired(), Email(), fits(User.email)])


class AreaForm(FlaskForm):
    name_fi = StringField(_l("Name in Finnish"), validators=[DataRequired(), fits(Area.name_fi)])
    name_sv = StringField(_l("Name in Swedish"), validators=[DataRequired(), fits(Area.name_sv)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), fits(Area.name_en)])
    kind = SelectField(_l("Kind"), choices=lambda: enum_choices(AreaKind))
    status = SelectField(_l("Status"), choices=lambda: enum_choices(AreaStatus))
    pilot_started_on = DateField(_l("Pilot started on"), validators=[Optional()])
    permanent_since = DateField(_l("Permanent since"), validators=[Optional()])
    ended_on = DateField(_l("Ended on"), validators=[Optional()])

    def validate(self, extra_validators=None):
        """Each status needs its date, and the dates must run in order. Checked here rather
        than per field because Optional() stops a field's own checks when it is empty."""
        valid = super().validate(extra_validators)
        required = {
            AreaStatus.PILOT: (self.pilot_started_on, _l("Give the date the pilot started.")),
            AreaStatus.PERMANENT: (self.permanent_since, _l("Give the date the activity became permanent.")),
            AreaStatus.ENDED: (self.ended_on, _l("Give the date the activity ended.")),
        }
        if self.status.data in required:
            date_field, message = required[self.status.data]
            if not date_field.data and not date_field.errors:
                date_field.errors.append(message)
                valid = False
        dates = [field for field in (self.pilot_started_on, self.permanent_since, self.ended_on) if field.data]
        for earlier, later in zip(dates, dates[1:], strict=False):
            if later.data < earlier.data:
                later.errors.append(_l("This date cannot be before %(earlier)s.", earlier=earlier.label.text))
                valid = False
        return valid


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(_l("Choose a file.")), FileAllowed(["csv", "txt"], _l("Choose a .csv file."))],
        description=_l("Columns: email, name, area, sector, language. The first line names the columns."),
    )


class EraseForm(FlaskForm):
    """Typing the person's email address confirms that this is the person to erase."""

    confirm_email = StringField(
        _l("The person's email address"), filters=[strip], validators=[DataRequired(), fits(User.email)]
    )

    def __init__(self, email: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected_email = email
        self.confirm_email.description = _l("Type %(email)s to confirm.", email=email)

    def validate_confirm_email(self, field):
        if field.data.lower() != self.expected_email:
            raise ValidationError(_l("Nothing was erased: type the person's email address exactly as shown."))
