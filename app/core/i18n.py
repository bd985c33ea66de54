"""Language choice: the signed-in person's preference, else the cookie, else Accept-Language;
dates and times as people in Finland read them."""

import re

import flask_babel
from flask import current_app, has_request_context, request
from flask_login import current_user

# The languages of the site, in the order a missing text falls back through them.
SUPPORTED_LOCALES = ("fi", "sv", "en")
# Each language named in itself, as language switches do.
LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}
LANGUAGE_COOKIE = "kaiku_lang"


def in_locale(texts: dict[str, str], locale: str) -> str:
    """The text in `locale`, else the first of Finnish, Swedish, English that is there."""
    for candidate in (locale, *SUPPORTED_LOCALES):
        if texts.get(candidate):
            return texts[candidate]
    return ""


def select_locale() -> str:
    if not has_request_context():  # CLI commands and delivery runs speak the default language
        return current_app.config["DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in SUPPORTED_LOCALES:
        return current_user.locale
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in SUPPORTED_LOCALES:
        return chosen
    return request.accept_languages.best_match(SUPPORTED_LOCALES) or current_app.config["DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]


NAMED_FORMATS = ("short", "medium", "long", "full")


def _on_the_24_hour_clock(pattern: str) -> str:
    """A time pattern with hours 00-23 and no AM/PM; the fi and sv patterns are so already."""
    return re.sub(r"h+|K+", "HH", re.sub(r"\s*a+", "", pattern))


def format_time(value, format: str = "medium") -> str:
    """Like Flask-Babel's `timeformat`, but on the 24-hour clock in every language: English
    pages are read in Finland, where 2:30 PM is 14:30."""
    if format in NAMED_FORMATS:
        format = _on_the_24_hour_clock(flask_babel.get_locale().time_formats[format].pattern)
    return flask_babel.format_time(value, format)


def format_datetime(value, format: str = "medium") -> str:
    """Like Flask-Babel's `datetimeformat`, with the time part from `format_time`."""
    if format not in NAMED_FORMATS:
        return flask_babel.format_datetime(value, format)
    # The locale's way of joining date ({1}) and time ({0}), as Babel's own format_datetime does.
    joined = flask_babel.get_locale().datetime_formats[format].replace("'", "")
    return joined.replace("{0}", format_time(value, format)).replace("{1}", flask_babel.format_date(value, format))
