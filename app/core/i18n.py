"""Language choice: the signed-in person's preference, else the cookie, else Accept-Language."""
from flask import current_app, has_request_context, request
from flask_login import current_user

SUPPORTED_LOCALES = ("fi", "sv", "en")
# Each language named in itself, as language switches do.
LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}
LANGUAGE_COOKIE = "kaiku_lang"


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
