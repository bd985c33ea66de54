"""Form pieces shared by every feature."""
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes, rendered as a fieldset by the _forms.html field macro."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def strip(value):
    return value.strip() if isinstance(value, str) else value


def enum_choices(enum):
    return [(member.value, member.label) for member in enum]
