"""The application for a WSGI server: `gunicorn kaiku_training.wsgi:app` (deploy/gunicorn.conf.py).
A configuration error stops it with its message alone, and with the exit status at which gunicorn
stops rather than starting worker after worker."""

import sys

from . import create_app
from .config import ConfigError

APP_LOAD_ERROR = 4  # gunicorn's "App failed to load"

try:
    app = create_app()
except ConfigError as error:  # the administrator needs its message, not a traceback
    error.show()  # on stderr, as every `flask` command shows it
    sys.exit(APP_LOAD_ERROR)
