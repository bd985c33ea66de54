"""Entry point for gunicorn and `flask run`: `gunicorn wsgi:app`."""

import sys

from kaiku_training import create_app
from kaiku_training.config import ConfigError

APP_LOAD_ERROR = 4  # gunicorn stops at this exit status of a worker, rather than starting another

try:
    app = create_app()
except ConfigError as error:  # the administrator needs its message, not a traceback
    error.show()  # on stderr, as every `flask` command shows it
    sys.exit(APP_LOAD_ERROR)
