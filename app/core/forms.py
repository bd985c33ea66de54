"""Form pieces shared by every feature."""
from wtforms import SelectMultipleField
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

# Texts kept per language in JSON columns have no column limit; these keep them to what a page,
# a calendar and an email subject can carry.
TITLE_MAX_LENGTH = 200
TEXT_MAX_LENGTH = 10000


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes, rendered as a fieldset by the _forms.html field macro."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def fits(column) -> Length:
    """The form's limit for a text stored in `column` (a String(n) model attribute): its length."""
    return Length(max=column.type.length)


def strip(value):
    return value.strip() if isinstance(value, str) else value


def enum_choices(enum):
    return [(member.value, member.label) for member in enum]
