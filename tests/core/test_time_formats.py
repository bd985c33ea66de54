"""Times on the 24-hour clock in every language, as people in Finland read them."""

from datetime import UTC, datetime

import flask_babel
import pytest
from flask import render_template_string
from flask_babel import force_locale

from kaiku_training.core.i18n import NAMED_FORMATS

MOMENT = datetime(2027, 2, 10, 12, 30, tzinfo=UTC)  # 14:30 in Helsinki


def _render(template: str, locale: str) -> str:
    with force_locale(locale):
        return render_template_string(template, moment=MOMENT)


def test_english_times_are_on_the_24_hour_clock(app):
    with app.test_request_context():
        assert _render("{{ moment|timeformat('short') }}", "en") == "14:30"
        assert _render("{{ moment|datetimeformat('short') }}", "en") == "2/10/27, 14:30"
        assert "PM" not in _render("{{ moment|datetimeformat('full') }}", "en")


@pytest.mark.parametrize("locale", ["fi", "sv"])
@pytest.mark.parametrize("format", NAMED_FORMATS)
def test_finnish_and_swedish_formats_are_unchanged(app, locale, format):
    with app.test_request_context():
        assert _render(f"{{{{ moment|timeformat('{format}') }}}}", locale) == _babel(
            flask_babel.format_time, locale, format
        )
        assert _render(f"{{{{ moment|datetimeformat('{format}') }}}}", locale) == _babel(
            flask_babel.format_datetime, locale, format
        )


def _babel(function, locale, format):
    with force_locale(locale):
        return function(MOMENT, format)
