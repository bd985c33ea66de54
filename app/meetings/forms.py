"""Organiser forms: the edition, programme items, questions and materials."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField, TimeField, URLField
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional

from ..core.forms import TEXT_MAX_LENGTH, TITLE_MAX_LENGTH, enum_choices, fits, per_language, strip
from ..events.forms import SessionForm
from .models import ItemKind, Material, MeetingEdition, ProgrammeItem, QuestionForm, QuestionKind

QUESTION_MAX_LENGTH = 500


class EditionForm(SessionForm):
    """A session form without the session-only parts, plus the year and a last day."""

    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])
    last_day = DateField(_l("Last day"), validators=[Optional()], description=_l("For a meeting of several days."))
    capacity = IntegerField(
        _l("Seats"), validators=[Optional(), NumberRange(min=1, max=100000)], description=_l("Empty: no limit.")
    )

    def __init__(self, areas, locale, *args, **kwargs):
        super().__init__([], areas, [], locale, *args, **kwargs)
        for name in ("course_id", "repeat_weeks", "trainer_ids"):
            delattr(self, name)
        self.open_to_guests.label.text = _l("Open to guests too (they confirm by email)")


class ItemForm(FlaskForm):
    title_fi, title_sv, title_en = per_language(
        StringField, _l("Title"), TITLE_MAX_LENGTH, required_fi=True, filters=[strip]
    ).values()
    description_fi, description_sv, description_en = per_language(
        TextAreaField, _l("Description (Markdown)"), TEXT_MAX_LENGTH
    ).values()
    kind = SelectField(_l("Kind"), choices=lambda: enum_choices(ItemKind))
    track = StringField(
        _l("Track"),
        filters=[strip],
        validators=[Optional(), fits(ProgrammeItem.track)],
        description=_l("For parallel items, e.g. “Workshop A”. Empty: for everyone."),
    )
    speakers = StringField(_l("Speakers"), filters=[strip], validators=[Optional(), fits(ProgrammeItem.speakers)])
    day = DateField(_l("Date"), validators=[DataRequired()])
    start_time = TimeField(_l("Starts (Finnish time)"), validators=[DataRequired()])
    end_time = TimeField(_l("Ends (Finnish time)"), validators=[DataRequired()])


class QuestionEditForm(FlaskForm):
    form = SelectField(_l("Form"), choices=lambda: enum_choices(QuestionForm))
    kind = SelectField(_l("Kind of answer"), choices=lambda: enum_choices(QuestionKind))
    label_fi, label_sv, label_en = per_language(
        StringField, _l("Question"), QUESTION_MAX_LENGTH, required_fi=True, filters=[strip]
    ).values()
    options = TextAreaField(
        _l("Options"),
        validators=[Length(max=TEXT_MAX_LENGTH)],
        description=_l(
            "For choice questions: one option a line, the languages separated by | (Finnish | Swedish | English)."
        ),
    )
    required = BooleanField(_l("An answer is required"))


class MaterialForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(), fits(Material.title)])
    item_id = SelectField(_l("Programme item"), coerce=int)
    url = URLField(
        _l("Link"),
        filters=[strip],
        validators=[Optional(), URL(require_tld=False), fits(Material.url)],
        description=_l("A link, or a file below."),
    )
    file = FileField(_l("File"))

    def __init__(self, items, locale, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.item_id.choices = [(0, _l("The whole meeting"))] + [(item.id, item.title_in(locale)) for item in items]


class RecordingForm(FlaskForm):
    recording_url = URLField(
        _l("Recording link"),
        filters=[strip],
        validators=[Optional(), URL(require_tld=False), fits(MeetingEdition.recording_url)],
    )
    feedback_open = BooleanField(_l("The feedback form is open"))
