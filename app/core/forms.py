"""Form pieces shared by every feature."""

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, SelectMultipleField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .i18n import SUPPORTED_LOCALES

# Texts kept per language in JSON columns have no column limit; these keep them to what a page,
# a calendar and an email subject can carry.
TITLE_MAX_LENGTH = 200
TEXT_MAX_LENGTH = 10000


LANGUAGE_SUFFIX = {"fi": _l("in Finnish"), "sv": _l("in Swedish"), "en": _l("in English")}


def per_language(
    field_class: type[Field], label: Any, max_length: int, required_fi: bool = False, **kwargs: Any
) -> dict[str, Any]:
    """One field per language; Finnish is required where the text is, the others fall back to it."""
    return {
        locale: field_class(
            label,
            validators=[DataRequired() if (required_fi and locale == "fi") else Optional(), Length(max=max_length)],
            description=LANGUAGE_SUFFIX[locale],
            **kwargs,
        )
        for locale in SUPPORTED_LOCALES
    }


def texts_from(form: FlaskForm, prefix: str) -> dict[str, str]:
    """The non-empty values of the per-language fields `<prefix>_fi/_sv/_en` as {locale: text}."""
    texts = {locale: (getattr(form, f"{prefix}_{locale}").data or "").strip() for locale in SUPPORTED_LOCALES}
    return {locale: text for locale, text in texts.items() if text}


def texts_as_data(prefix: str, texts: dict[str, str]) -> dict[str, str]:
    """{locale: text} as form data for the per-language fields `<prefix>_fi/_sv/_en`."""
    return {f"{prefix}_{locale}": texts.get(locale, "") for locale in SUPPORTED_LOCALES}


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
