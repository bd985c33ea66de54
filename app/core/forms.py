"""Form pieces shared by every feature."""
import re

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField
from wtforms.validators import Length, ValidationError
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


# What mail clients turn into links: a scheme, "www." or a domain name such as evil.example.
WEB_ADDRESS = re.compile(r"[a-z][a-z0-9+.-]*://|\bmailto:|www\.|\b[\w-]+\.[a-z]{2,}\b", re.IGNORECASE)


def no_web_address(_form, field) -> None:
    """Anyone can type a name and an address that is not theirs; the name then reaches that
    address's inbox, so it may not carry a link."""
    if field.data and WEB_ADDRESS.search(field.data):
        raise ValidationError(_l("Write this without a web address."))


def strip(value):
    return value.strip() if isinstance(value, str) else value


def enum_choices(enum):
    return [(member.value, member.label) for member in enum]
