"""Forms for scheduling sessions, guest registration and attendance."""

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.validators import URL, DataRequired, Email, Length, NumberRange, Optional

from ..accounts.models import Role
from ..core.forms import (
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    MultiCheckboxField,
    enum_choices,
    fits,
    no_web_address,
    per_language,
    strip,
    texts_as_data,
    texts_from,
)
from ..core.i18n import format_time
from ..core.timeutil import AmbiguousLocalTime, NonexistentLocalTime, local_to_utc, utc_offset_hours, utc_to_local
from .models import Registration, TrainingSession
from .services import SeriesScope

REPEATED_HOUR_FOLDS = {"first": 0, "second": 1}  # datetime's `fold` of each choice


class SessionForm(FlaskForm):
    title_fi, title_sv, title_en = per_language(
        StringField, _l("Title"), TITLE_MAX_LENGTH, required_fi=True, filters=[strip]
    ).values()
    description_fi, description_sv, description_en = per_language(
        TextAreaField, _l("Description (Markdown)"), TEXT_MAX_LENGTH
    ).values()
    course_id = SelectField(
        _l("Course"),
        coerce=int,
        description=_l("Attending a session of a course that needs a live session completes that step."),
    )
    day = DateField(_l("Date"), validators=[DataRequired()])
    start_time = TimeField(_l("Starts (Finnish time)"), validators=[DataRequired()])
    end_time = TimeField(_l("Ends (Finnish time)"), validators=[DataRequired()])
    repeat_weeks = IntegerField(
        _l("Repeat weekly"),
        default=1,
        validators=[NumberRange(min=1, max=26)],
        description=_l("How many weekly sessions to create, each with its own registrations. 1 = a single session."),
    )
    meeting_url = URLField(
        _l("Online meeting link"),
        filters=[strip],
        validators=[DataRequired(), URL(require_tld=False), fits(TrainingSession.meeting_url)],
        description=_l(
            "Never shown publicly: participants get our join link, which leads here shortly before the start."
        ),
    )
    instructions_fi, instructions_sv, instructions_en = per_language(
        TextAreaField, _l("Joining instructions"), TEXT_MAX_LENGTH
    ).values()
    capacity = IntegerField(_l("Seats"), validators=[DataRequired(), NumberRange(min=1, max=10000)])
    registration_opens_at = DateTimeLocalField(
        _l("Registration opens (Finnish time)"), validators=[Optional()], description=_l("Empty: open now.")
    )
    registration_closes_at = DateTimeLocalField(
        _l("Registration closes (Finnish time)"), validators=[Optional()], description=_l("Empty: at the start.")
    )
    open_to_guests = BooleanField(_l("Open to anyone with the link, also people without an account"))
    audience_roles = MultiCheckboxField(
        _l("Only for these roles"), choices=lambda: enum_choices(Role), description=_l("None chosen: every role.")
    )
    audience_area_ids = MultiCheckboxField(
        _l("Only for these areas"), coerce=int, description=_l("None chosen: every area.")
    )
    trainer_ids = MultiCheckboxField(_l("Trainers"), coerce=int)
    repeated_hour = RadioField(
        _l("Which one, when a time occurs twice as the clocks go back"),
        validators=[Optional()],
        choices=[("first", _l("The first (summer time)")), ("second", _l("The second (winter time)"))],
    )
    version = HiddenField()

    def opened_at_version(self) -> int:
        """The version of the session the form was opened at; a value that is not a number
        counts as outdated, so the save is refused as an edit conflict."""
        value = self.version.data or "0"
        return int(value) if value.isdecimal() and len(value) < 10 else -1

    def __init__(self, courses, areas, trainers, locale, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.course_id.choices = [(0, _l("No course"))] + [(course.id, course.title_in(locale)) for course in courses]
        self.audience_area_ids.choices = [(area.id, area.name(locale)) for area in areas]
        self.trainer_ids.choices = [(person.id, person.name) for person in trainers]
        self.times_utc = []  # [(starts_at, ends_at)] in UTC, filled by validate()
        self.window_utc = (None, None)  # (registration opens, closes) in UTC, filled by validate()
        self.repeated_times = []  # [(wall-clock time, UTC)] of the times that occur twice, filled by validate()
        self.asks_repeated_hour = bool(self.repeated_hour.data)

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        converted = [
            (self._to_utc(starts, self.start_time), self._to_utc(ends, self.end_time))
            for starts, ends in self.wall_times()
        ]
        opens, closes = (self._utc(field) for field in (self.registration_opens_at, self.registration_closes_at))
        if self.errors:  # a time the clocks skip or repeat: its error is on its field
            return False
        times = [(starts_at, ends_at) for starts_at, ends_at in converted if starts_at and ends_at]
        if any(ends_at <= starts_at for starts_at, ends_at in times):
            self.end_time.errors.append(_l("The session must end after it starts."))
            return False
        if closes and closes > times[0][0]:
            self.registration_closes_at.errors.append(_l("Registration must close by the start of the session."))
        if opens and closes and opens >= closes:
            self.registration_opens_at.errors.append(_l("Registration must open before it closes."))
        if self.errors:
            return False
        self.times_utc, self.window_utc = times, (opens, closes)
        return True

    def wall_times(self) -> list[tuple[datetime, datetime]]:
        """(start, end) of each session the form makes, as wall-clock times in Finland: the same
        time every week, whatever the clocks do."""
        last_day = self.last_day.data if "last_day" in self and self.last_day.data else self.day.data
        starts, ends = (
            datetime.combine(self.day.data, self.start_time.data),
            datetime.combine(last_day, self.end_time.data),
        )
        weeks = self.repeat_weeks.data if "repeat_weeks" in self else 1
        return [(starts + timedelta(weeks=week), ends + timedelta(weeks=week)) for week in range(weeks or 1)]

    def _to_utc(self, moment: datetime, field) -> datetime | None:
        """A wall-clock time in Finland in UTC; None, with an error on `field` that names the
        date, for a time the clocks skip, or one they repeat when no choice has been made."""
        zone, when = current_app.config["TIMEZONE"], _wall_clock_words(moment)
        try:
            return local_to_utc(moment.date(), moment.time(), zone, fold=None)
        except NonexistentLocalTime:
            field.errors.append(
                _(
                    "%(time)s does not exist on %(date)s: the clocks go forward an hour that night. "
                    "Choose another time.",
                    **when,
                )
            )
            return None
        except AmbiguousLocalTime:
            self.asks_repeated_hour = True
            if not self.repeated_hour.data:
                field.errors.append(
                    _(
                        "%(time)s occurs twice on %(date)s: the clocks go back an hour that night. "
                        "Choose below which one you mean.",
                        **when,
                    )
                )
                return None
        as_utc = local_to_utc(moment.date(), moment.time(), zone, fold=REPEATED_HOUR_FOLDS[self.repeated_hour.data])
        self.repeated_times.append((moment, as_utc))
        return as_utc

    def _utc(self, field):
        return self._to_utc(field.data, field) if field.data else None

    def repeated_time_notes(self) -> list[str]:
        """For the trainer: which of the twice-occurring times was stored."""
        notes = []
        for moment, as_utc in dict.fromkeys(self.repeated_times):
            when = {
                **_wall_clock_words(moment),
                "offset": f"{utc_offset_hours(as_utc, current_app.config['TIMEZONE']):+g}",
            }
            if self.repeated_hour.data == "first":
                notes.append(
                    _("%(time)s on %(date)s was stored as the first one (summer time, UTC%(offset)s).", **when)
                )
            else:
                notes.append(
                    _("%(time)s on %(date)s was stored as the second one (winter time, UTC%(offset)s).", **when)
                )
        return notes

    def session_fields(self) -> dict:
        """The validated form as TrainingSession attributes (times in UTC)."""
        fields = {
            "title": texts_from(self, "title"),
            "description": texts_from(self, "description"),
            "joining_instructions": texts_from(self, "instructions"),
            "meeting_url": self.meeting_url.data,
            "capacity": self.capacity.data,
            "registration_opens_at": self.window_utc[0],
            "registration_closes_at": self.window_utc[1],
            "open_to_guests": self.open_to_guests.data,
            "audience_roles": list(self.audience_roles.data),
            "audience_area_ids": list(self.audience_area_ids.data),
        }
        if "course_id" in self:  # an annual meeting edition belongs to no course
            fields["course_id"] = self.course_id.data or None
        return fields


def _wall_clock_words(moment: datetime) -> dict:
    """A wall-clock time as the page's language writes it (a date and a time are never rebased,
    as a naive datetime would be, from UTC)."""
    return {"time": format_time(moment.time(), "short"), "date": format_date(moment.date(), "long")}


class SessionEditForm(SessionForm):
    """The form of a scheduled session; for a session of a series, the changes can go to more
    sessions of it."""

    scope = RadioField(_l("Save the changes for"), choices=lambda: enum_choices(SeriesScope), default=SeriesScope.ONE)

    def __init__(self, *args, session, occurrences, **kwargs):
        """`occurrences(scope)`: the sessions a change to `session` applies to, it first."""
        super().__init__(*args, **kwargs)
        self.session, self._occurrences = session, occurrences
        del self.repeat_weeks  # a series is made when scheduling
        if len(occurrences(SeriesScope.ALL)) < 2:
            del self.scope

    def occurrences(self) -> list:
        """The sessions the changes go to, the edited one first (times_utc in the same order)."""
        return self._occurrences(self.scope.data if "scope" in self else SeriesScope.ONE)

    def wall_times(self) -> list[tuple[datetime, datetime]]:
        """The edited session at the times given; each other one moved on its own wall clock by as
        much as the edited one was, so that 10:00 stays 10:00 across a change of the clocks."""
        [(starts, ends)] = super().wall_times()
        zone = current_app.config["TIMEZONE"]

        def wall(moment):
            return utc_to_local(moment, zone).replace(tzinfo=None)

        start_shift, end_shift = starts - wall(self.session.starts_at), ends - wall(self.session.ends_at)
        return [(starts, ends)] + [
            (wall(other.starts_at) + start_shift, wall(other.ends_at) + end_shift) for other in self.occurrences()[1:]
        ]


class CancelForm(FlaskForm):
    """Cancelling a session, or with `scope` more of its series (the field is removed otherwise)."""

    scope = RadioField(_l("Cancel"), choices=lambda: enum_choices(SeriesScope), default=SeriesScope.ONE)


class GuestRegistrationForm(FlaskForm):
    name = StringField(
        _l("Name"), filters=[strip], validators=[DataRequired(), fits(Registration.guest_name), no_web_address]
    )
    email = EmailField(
        _l("Email"), filters=[strip], validators=[DataRequired(), Email(), fits(Registration.guest_email)]
    )
    organisation = StringField(
        _l("Organisation"),
        filters=[strip],
        validators=[Optional(), fits(Registration.guest_organisation), no_web_address],
    )
    area = StringField(
        _l("Kaikukortti area"),
        filters=[strip],
        validators=[Optional(), fits(Registration.guest_area), no_web_address],
        description=_l("The municipality, city or region you work in."),
    )


def form_data_for(session) -> dict:
    """A session's values in the form's terms: texts per language, times in Finnish time."""
    zone = current_app.config["TIMEZONE"]
    starts, ends = utc_to_local(session.starts_at, zone), utc_to_local(session.ends_at, zone)
    data = {
        "course_id": session.course_id or 0,
        "day": starts.date(),
        "start_time": starts.time(),
        "end_time": ends.time(),
        "meeting_url": session.meeting_url,
        "capacity": session.capacity,
        "open_to_guests": session.open_to_guests,
        "audience_roles": session.audience_roles,
        "audience_area_ids": session.audience_area_ids,
        "trainer_ids": [person.id for person in session.trainers],
        "version": session.version,
        "registration_opens_at": session.registration_opens_at
        and utc_to_local(session.registration_opens_at, zone).replace(tzinfo=None),
        "registration_closes_at": session.registration_closes_at
        and utc_to_local(session.registration_closes_at, zone).replace(tzinfo=None),
    }
    for moment in (starts, ends):  # a time the clocks repeat: show which of the two is stored
        if moment.replace(fold=1 - moment.fold).utcoffset() != moment.utcoffset():
            data["repeated_hour"] = "second" if moment.fold else "first"
    data.update(
        texts_as_data("title", session.title),
        **texts_as_data("description", session.description),
        **texts_as_data("instructions", session.joining_instructions),
    )
    return data


class MessageForm(FlaskForm):
    """A message from organisers to everyone registered, sent through the outbox."""

    subject = StringField(_l("Subject"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=TEXT_MAX_LENGTH)])


class ResendConfirmationForm(FlaskForm):
    """A guest who lost the confirmation email asks for it again."""

    email = EmailField(
        _l("Email"),
        filters=[strip],
        validators=[DataRequired(), Email(), fits(Registration.guest_email)],
        description=_l("The address you registered with."),
    )


class GuestErasureForm(FlaskForm):
    """The address a guest registered with; `confirmed` is set by the page that asks first."""

    email = EmailField(
        _l("The guest's email address"),
        filters=[strip],
        validators=[DataRequired(), Email(), Length(max=254)],
        description=_l("The address they registered with as a guest, without an account."),
    )
    confirmed = HiddenField()
