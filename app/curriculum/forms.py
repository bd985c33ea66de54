"""The staff form for assigning a course."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..accounts.models import Role
from ..core.forms import TEXT_MAX_LENGTH


class AssignmentForm(FlaskForm):
    course_id = SelectField(_l("Course"), coerce=int, validators=[DataRequired()])
    target = RadioField(
        _l("Assign to"),
        default="person",
        choices=lambda: [
            ("person", _l("People by email")),
            ("area", _l("Everyone in an area, also people who join later")),
            ("role", _l("Everyone with a role, also people who get it later")),
        ],
    )
    emails = TextAreaField(
        _l("People's email addresses"),
        validators=[Optional(), Length(max=TEXT_MAX_LENGTH)],
        description=_l("When assigning to people: one or more addresses, separated by commas or new lines."),
    )
    area_id = SelectField(_l("Area"), coerce=int)
    role = SelectField(_l("Role"), choices=lambda: [(role.value, role.label) for role in Role])
    due_on = DateField(_l("Due date"), validators=[Optional()], description=_l("Optional."))

    def __init__(self, courses, areas, locale, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.course_id.choices = [(course.id, course.title_in(locale)) for course in courses]
        self.area_id.choices = [(0, "–")] + [(area.id, area.name(locale)) for area in areas]
