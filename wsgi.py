"""Entry point for gunicorn and `flask run`: `gunicorn wsgi:app`."""

from kaiku_training import create_app

app = create_app()
