"""Entry point for gunicorn and `flask run` in a checkout: `gunicorn wsgi:app`. Installed, the
same application is `kaiku_training.wsgi:app`."""

from kaiku_training.wsgi import app

__all__ = ["app"]
