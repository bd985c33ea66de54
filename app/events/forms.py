"""Forms for scheduling sessions, guest registration and attendance."""
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, DateTimeLocalField, EmailField, HiddenField, IntegerField,
                     SelectField, StringField, TextAreaField, TimeField, URLField)
from wtforms.validators import URL, DataRequired, Email, Length, NumberRange, Optional

from ..accounts.models import Role
from ..core.forms import MultiCheckboxField, enum_choices, strip
from ..core.timeutil import NonexistentLocalTime, local_to_utc, utc_to_local

LOCALES = ("fi", "sv", "en")
LANGUAGE_SUFFIX = {"fi": _l("in Finnish"), "sv": _l("in Swedish"), "en": _l("in English")}


def per_language(field_class, label, required_fi=False, **kwargs):
    """One field per language; Finnish is required where the text is, the others fall back to it."""
    return {
        locale: field_class(label, validators=[DataRequired()] if (required_fi and locale == "fi") else [Optional()],
                            description=LANGUAGE_SUFFIX[locale], **kwargs)
        for locale in LOCALES
    }


def texts_from(form, prefix: str) -> dict:
    """The non-empty values of the per-language fields `<prefix>_fi/_sv/_en` as {locale: text}."""
    texts = {locale: (getattr(form, f"{prefix}_{locale}").data or "").strip() for locale in LOCALES}
    return {locale: text for locale, text in texts.items() if text}


def texts_as_data(prefix: str, texts: dict) -> dict:
    """{locale: text} as form data for the per-language fields `<prefix>_fi/_sv/_en`."""
    return {f"{prefix}_{locale}": texts.get(locale, "") for locale in LOCALES}


class SessionForm(FlaskForm):
    title_fi, title_sv, title_en = per_language(StringField, _l("Title"), required_fi=True,
                                                 filters=[strip]).values()
    description_fi, description_sv, description_en = per_language(TextAreaField, _l("Description (Markdown)")).values()
    course_id = SelectField(_l("Course"), coerce=int, description=_l("Attending a session of a course that needs a live session completes that step."))
    day = DateField(_l("Date"), validators=[DataRequired()])
    start_time = TimeField(_l("Starts (Finnish time)"), validators=[DataRequired()])
    end_time = TimeField(_l("Ends (Finnish time)"), validators=[DataRequired()])
    repeat_weeks = IntegerField(_l("Repeat weekly"), default=1, validators=[NumberRange(min=1, max=26)],
                                description=_l("How many weekly sessions to create, each with its own registrations. 1 = a single session."))
    meeting_url = URLField(_l("Online meeting link"), filters=[strip],
                           validators=[DataRequired(), URL(require_tld=False), Length(max=500)],
                           description=_l("Never shown publicly: participants get our join link, which leads here shortly before the start."))
    instructions_fi, instructions_sv, instructions_en = per_language(TextAreaField, _l("Joining instructions")).values()
    capacity = IntegerField(_l("Seats"), validators=[DataRequired(), NumberRange(min=1, max=10000)])
    registration_opens_at = DateTimeLocalField(_l("Registration opens (Finnish time)"), validators=[Optional()],
                                               description=_l("Empty: open now."))
    registration_closes_at = DateTimeLocalField(_l("Registration closes (Finnish time)"), validators=[Optional()],
                                                description=_l("Empty: at the start."))
    open_to_guests = BooleanField(_l("Open to anyone with the link, also people without an account"))
    audience_roles = MultiCheckboxField(_l("Only for these roles"), choices=lambda: enum_choices(Role),
                                        description=_l("None chosen: every role."))
    audience_area_ids = MultiCheckboxField(_l("Only for these areas"), coerce=int,
                                           description=_l("None chosen: every area."))
    trainer_ids = MultiCheckboxField(_l("Trainers"), coerce=int)
    version = HiddenField()

    def __init__(self, courses, areas, trainers, locale, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.course_id.choices = [(0, _l("No course"))] + [(course.id, course.title_in(locale)) for course in courses]
        self.audience_area_ids.choices = [(area.id, area.name(locale)) for area in areas]
        self.trainer_ids.choices = [(person.id, person.name) for person in trainers]
        self.times_utc = []  # [(starts_at, ends_at)] in UTC, filled by validate()

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if not valid:
            return False
        zone = current_app.config["TIMEZONE"]
        last_day = self.last_day.data if "last_day" in self and self.last_day.data else self.day.data
        starts_at = self._at(self.day.data, self.start_time)
        ends_at = self._at(last_day, self.end_time)
        if starts_at is None or ends_at is None:
            return False
        if ends_at <= starts_at:
            self.end_time.errors.append(_l("The session must end after it starts."))
            return False
        opens, closes = (self._utc(field) for field in (self.registration_opens_at, self.registration_closes_at))
        if self.errors:
            return False
        if closes and closes > starts_at:
            self.registration_closes_at.errors.append(_l("Registration must close by the start of the session."))
        if opens and closes and opens >= closes:
            self.registration_opens_at.errors.append(_l("Registration must open before it closes."))
        if self.errors:
            return False
        self.times_utc = [(starts_at, ends_at)]
        weeks = self.repeat_weeks.data if "repeat_weeks" in self else 1
        for week in range(1, weeks or 1):
            day = self.day.data + timedelta(weeks=week)  # the same wall-clock time every week, across DST
            self.times_utc.append((local_to_utc(day, self.start_time.data, zone), local_to_utc(day, self.end_time.data, zone)))
        return True

    def _at(self, day, time_field):
        """The day at the field's Finnish time, in UTC; None with an error for a skipped time."""
        try:
            return local_to_utc(day, time_field.data, current_app.config["TIMEZONE"])
        except NonexistentLocalTime:
            time_field.errors.append(_l("This time does not exist on that day: the clocks go forward."))
            return None

    def _utc(self, field):
        if not field.data:
            return None
        try:
            return local_to_utc(field.data.date(), field.data.time(), current_app.config["TIMEZONE"])
        except NonexistentLocalTime:
            field.errors.append(_l("This time does not exist on that day: the clocks go forward."))
            return None

    def session_fields(self) -> dict:
        """The form as TrainingSession attributes (times in UTC)."""
        fields = {
            "title": texts_from(self, "title"),
            "description": texts_from(self, "description"),
            "joining_instructions": texts_from(self, "instructions"),
            "meeting_url": self.meeting_url.data,
            "capacity": self.capacity.data,
            "registration_opens_at": self._utc(self.registration_opens_at),
            "registration_closes_at": self._utc(self.registration_closes_at),
            "open_to_guests": self.open_to_guests.data,
            "audience_roles": list(self.audience_roles.data),
            "audience_area_ids": list(self.audience_area_ids.data),
        }
        if "course_id" in self:  # an annual meeting edition belongs to no course
            fields["course_id"] = self.course_id.data or None
        return fields


class GuestRegistrationForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), filters=[strip], validators=[DataRequired(), Email()])
    organisation = StringField(_l("Organisation"), filters=[strip], validators=[Optional(), Length(max=200)])
    area = StringField(_l("Kaikukortti area"), filters=[strip], validators=[Optional(), Length(max=200)],
                       description=_l("The municipality, city or region you work in."))


def form_data_for(session) -> dict:
    """A session's values in the form's terms: texts per language, times in Finnish time."""
    zone = current_app.config["TIMEZONE"]
    starts, ends = utc_to_local(session.starts_at, zone), utc_to_local(session.ends_at, zone)
    data = {
        "course_id": session.course_id or 0, "day": starts.date(), "start_time": starts.time(),
        "end_time": ends.time(), "meeting_url": session.meeting_url, "capacity": session.capacity,
        "open_to_guests": session.open_to_guests, "audience_roles": session.audience_roles,
        "audience_area_ids": session.audience_area_ids, "trainer_ids": [person.id for person in session.trainers],
        "version": session.version,
        "registration_opens_at": session.registration_opens_at and utc_to_local(session.registration_opens_at, zone).replace(tzinfo=None),
        "registration_closes_at": session.registration_closes_at and utc_to_local(session.registration_closes_at, zone).replace(tzinfo=None),
    }
    data.update(texts_as_data("title", session.title), **texts_as_data("description", session.description),
                **texts_as_data("instructions", session.joining_instructions))
    return data


class MessageForm(FlaskForm):
    """A message from organisers to everyone registered, sent through the outbox."""

    subject = StringField(_l("Subject"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=10000)])


class ResendConfirmationForm(FlaskForm):
    """A guest who lost the confirmation email asks for it again."""

    email = EmailField(_l("Email"), filters=[strip], validators=[DataRequired(), Email()],
                       description=_l("The address you registered with."))
